// The CI/CD pipeline of the service in app/, as code: build, test, lint, image, publish, deploy.
//
// The same functions run on a laptop (`dagger call check`), in GitHub Actions and in AWS CodeBuild.
// Every function that produces a container returns it, so a failed step can be re-run and opened
// interactively: `dagger call --interactive check`, or `dagger call container terminal`.
package main

import (
	"dagger/pipeline/internal/dagger"
)

// Pipeline is the service's pipeline. Its constructor holds the repository it builds.
type Pipeline struct {
	// The repository's files, without git metadata or build outputs.
	Source *dagger.Directory
	// The repository's .git directory: the commit and its version tags. Nil outside a git checkout.
	Git *dagger.Directory
	// The Go toolchain image that builds, tests and lints.
	GoImage string
	// The base image of the runtime container.
	RuntimeImage string
	// The staticcheck version that lint runs.
	StaticcheckVersion string
}

// New returns the pipeline of the repository at source.
func New(
	// The repository root: the app's go.mod and app/ sources.
	// +defaultPath="/"
	// +ignore=[".git", ".env", "**/.dagger", "bin", "dist", "**/*.test", "**/node_modules"]
	source *dagger.Directory,
	// The repository's .git directory, read for the commit and version tags (tags are derived, never typed).
	// +defaultPath="/.git"
	// +optional
	git *dagger.Directory,
	// The Go toolchain image used to build, test and lint; change it to use a registry mirror.
	// +default="golang:1.26"
	goImage string,
	// The runtime base image: minimal, non-root, with CA certificates.
	// +default="gcr.io/distroless/static-debian12:nonroot"
	runtimeImage string,
	// The staticcheck version (honnef.co/go/tools) that lint runs.
	// +default="v0.8.2"
	staticcheckVersion string,
) *Pipeline {
	return &Pipeline{
		Source:             source,
		Git:                git,
		GoImage:            goImage,
		RuntimeImage:       runtimeImage,
		StaticcheckVersion: staticcheckVersion,
	}
}

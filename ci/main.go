// The CI/CD pipeline of the service in app/, as code: build, test, lint, image, publish, deploy.
//
// The same functions run on a laptop (`dagger call check`), in GitHub Actions and in AWS CodeBuild.
// Every function that produces a container returns it, so a failed step can be re-run and opened
// interactively: `dagger call --interactive check`, or `dagger call dev terminal`.
package main

import (
	"dagger/pipeline/internal/dagger"
)

// Pipeline is the service's pipeline. Its constructor holds the repository it builds and the AWS
// access that deploy, rollback, status, plan and image-definitions use.
type Pipeline struct {
	// The repository's files, without git metadata or build outputs.
	Source *dagger.Directory
	// The repository root reduced to its .git directory: the commit and its version tags. Empty
	// outside a git checkout (a source tarball, CodePipeline's default zip).
	Git *dagger.Directory
	// The Go toolchain image that builds, tests and lints.
	GoImage string
	// The base image of the runtime container.
	RuntimeImage string
	// The staticcheck version that lint runs.
	StaticcheckVersion string

	// +private
	AwsAccessKeyID *dagger.Secret
	// +private
	AwsSecretAccessKey *dagger.Secret
	// +private
	AwsSessionToken *dagger.Secret
	// +private
	AwsEndpoint *dagger.Service
}

// New returns the pipeline of the repository at source.
func New(
	// The repository root: the app's go.mod and app/ sources.
	// +defaultPath="/"
	// +ignore=[".git", ".env", "**/.dagger", "bin", "dist", "**/*.test", "**/node_modules", "ci/pipeline", "app/app"]
	source *dagger.Directory,
	// The repository root, of which only .git is read: the commit and its version tags (tags are
	// derived, never typed). Outside a git checkout the build is versioned 0.0.0-dev and publish
	// refuses to run.
	// +defaultPath="/"
	// Index, logs and hooks are left out: git rewrites them on every `git status`, and the facts
	// (and the build that waits for them) would be read again without any new commit.
	// +ignore=["*", "!.git", ".git/index", ".git/*.lock", ".git/logs", ".git/hooks", ".git/lfs", ".git/modules", ".git/FETCH_HEAD", ".git/ORIG_HEAD", ".git/COMMIT_EDITMSG", ".git/gc.log"]
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
	// The AWS access key ID for deploy, rollback, status, plan and image-definitions,
	// e.g. env://AWS_ACCESS_KEY_ID.
	// +optional
	awsAccessKeyId *dagger.Secret,
	// The AWS secret access key, e.g. env://AWS_SECRET_ACCESS_KEY.
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// The AWS session token of a role's temporary credentials, e.g. env://AWS_SESSION_TOKEN.
	// +optional
	awsSessionToken *dagger.Secret,
	// An endpoint that answers every AWS API call instead of AWS, such as LocalStack or moto on
	// this machine: tcp://localhost:4566.
	// +optional
	awsEndpoint *dagger.Service,
) *Pipeline {
	return &Pipeline{
		Source:             source,
		Git:                git,
		GoImage:            goImage,
		RuntimeImage:       runtimeImage,
		StaticcheckVersion: staticcheckVersion,
		AwsAccessKeyID:     awsAccessKeyId,
		AwsSecretAccessKey: awsSecretAccessKey,
		AwsSessionToken:    awsSessionToken,
		AwsEndpoint:        awsEndpoint,
	}
}

package main

import (
	"dagger/pipeline/internal/dagger"
)

const (
	// The repository is mounted here in every toolchain container.
	workdir = "/src"
	// The app's main package, relative to the repository root.
	appPackage = "./app"
)

// Dev returns the Go toolchain container with the repository mounted and the module and build
// caches attached: the environment every build, test and lint step runs in.
// Open it with `dagger call dev terminal` to reproduce a failed step by hand.
func (m *Pipeline) Dev() *dagger.Container {
	return dag.Container().
		From(m.GoImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("pipeline-go-mod")).
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("pipeline-go-build")).
		WithEnvVariable("GOCACHE", "/root/.cache/go-build").
		WithDirectory(workdir, m.Source).
		WithWorkdir(workdir)
}

package main

import (
	"dagger/pipeline/internal/dagger"
)

const (
	// The repository is mounted here in every toolchain container.
	workdir = "/src"
	// The app's main package, relative to the repository root.
	appPackage = "./app"
	// The pipeline's own Go module, relative to the repository root.
	pipelineModule = "ci"
)

// Dev returns the Go toolchain container with the repository mounted and the module and build
// caches attached: the environment every build, test and lint step runs in.
// Open it with `dagger call dev terminal` to reproduce a failed step by hand. It compiles without
// cgo, as the steps do: run `CGO_ENABLED=1 go test -race ./...` there for the race detector.
func (m *Pipeline) Dev() *dagger.Container {
	return m.toolchain(m.Source)
}

// toolchain is the Go image with the caches attached and src mounted at the work directory.
func (m *Pipeline) toolchain(src *dagger.Directory) *dagger.Container {
	return m.goReady().
		WithDirectory(workdir, src).
		WithWorkdir(workdir)
}

// commonStandardLibrary are the roots of the standard library that an HTTP service, its tests
// and staticcheck import (with their own imports, about 220 packages).
var commonStandardLibrary = []string{
	"net/http", "html/template", "log/slog", "encoding/gob", "hash/maphash", "io/ioutil",
	"testing", "testing/internal/testdeps",
	"go/build", "go/format", "go/types", "debug/elf", "debug/macho",
}

// goReady is the Go image with the caches attached, once the standard library its steps share is
// in the build cache.
//
// On a fresh engine lint, the tests and the build start side by side, and each go command would
// compile the standard library packages it needs for itself, the same ones three times over, since
// concurrent go commands do not wait for each other's work in the build cache. Compiling them here
// first, in one command every step's container starts from, makes that one compilation (about
// 60 s of CPU). The command depends on nothing in the repository, so Dagger runs it once per
// engine: after that it costs nothing, and a change to the sources never waits for it.
func (m *Pipeline) goReady() *dagger.Container {
	return m.goCaches(m.goContainer()).
		WithExec(append([]string{"go", "build"}, commonStandardLibrary...))
}

// goContainer is the Go image as every step starts from it.
//
// An engine configured with a custom CA (a corporate TLS proxy) installs that CA in each container
// it runs a command in; where the image has update-ca-certificates it runs it before and after the
// command, about a second each on two cores, the largest part of a warm check. Without the tool the
// engine appends the CA to the bundle directly, which trusts it just the same.
//
// Every step compiles with the same settings (no cgo, -trimpath), so that the standard library
// and the modules' dependencies compiled by one step are found in the build cache by the others:
// on a new engine the build, vet, tests and staticcheck's own build share one compilation of the
// standard library instead of making three. The race detector needs cgo: Test's --race compiles
// everything a second time.
func (m *Pipeline) goContainer() *dagger.Container {
	return dag.Container().From(m.GoImage).
		WithoutFile("/usr/sbin/update-ca-certificates").
		WithEnvVariable("CGO_ENABLED", "0").
		WithEnvVariable("GOFLAGS", "-trimpath")
}

// goCaches attaches the module and build caches that every Go step shares.
func (m *Pipeline) goCaches(ctr *dagger.Container) *dagger.Container {
	return ctr.
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("pipeline-go-mod")).
		WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("pipeline-go-build")).
		WithEnvVariable("GOCACHE", "/root/.cache/go-build")
}

// appModule is the service's Go module alone: the repository without the pipeline's module, so
// that a change to the pipeline does not re-run the service's tests and build, and the reverse.
func (m *Pipeline) appModule() *dagger.Directory {
	return m.Source.WithoutDirectory(pipelineModule)
}

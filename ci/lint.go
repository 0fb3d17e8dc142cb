package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"dagger/pipeline/internal/dagger"
)

// vetScript checks one Go module's formatting, then runs go vet; a finding fails it and names the
// file. One exec, not two: every exec costs the engine a container start.
const vetScript = `set -e
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$unformatted"; exit 1; fi
go vet ./...`

// Lint checks formatting (gofmt), go vet and staticcheck in the service's Go module, and with
// --pipeline in this pipeline's own module in ci/ too. The call fails on any finding and prints it.
func (m *Pipeline) Lint(
	ctx context.Context,
	// Also lint the pipeline's own Go module (ci/): for changes to the pipeline. Its first lint on
	// a new engine compiles the AWS SDK, about two minutes on two cores.
	// +optional
	pipeline bool,
) (string, error) {
	type module struct {
		name string
		src  *dagger.Directory
	}
	modules := []module{{"service (.)", m.appModule()}}
	if pipeline {
		modules = append(modules, module{"pipeline (ci)", m.Source.Directory(pipelineModule)})
	}
	outputs := make([]string, len(modules))
	errs := make([]error, len(modules))
	var wg sync.WaitGroup
	for i, mod := range modules {
		wg.Go(func() {
			outputs[i] = mod.name + ": lint: clean"
			if _, err := m.lintContainer(mod.src).Sync(ctx); err != nil {
				outputs[i] = mod.name + ": findings"
				errs[i] = fmt.Errorf("lint %s: %w", mod.name, err)
			}
		})
	}
	wg.Wait()
	return strings.Join(outputs, "\n"), errors.Join(errs...)
}

// lintContainer checks one Go module's formatting and runs go vet, then staticcheck, for
// --interactive and terminal use. Staticcheck runs after vet, in vet's container, so that on a new
// engine the two do not compile the module's dependencies twice over at the same time; its binary
// is built while vet runs.
func (m *Pipeline) lintContainer(src *dagger.Directory) *dagger.Container {
	return m.toolchain(src).
		WithExec([]string{"sh", "-c", vetScript}).
		WithMountedCache("/root/.cache/staticcheck", dag.CacheVolume("pipeline-staticcheck")).
		WithEnvVariable("STATICCHECK_CACHE", "/root/.cache/staticcheck").
		WithFile("/usr/local/bin/staticcheck", m.staticcheck()).
		WithExec([]string{"staticcheck", "./..."})
}

// staticcheck is the staticcheck binary, built once per version and Go image: running it through
// `go run` would link it again on every lint.
func (m *Pipeline) staticcheck() *dagger.File {
	return m.goReady().
		WithEnvVariable("GOBIN", "/out").
		WithExec([]string{"go", "install", "honnef.co/go/tools/cmd/staticcheck@" + m.StaticcheckVersion}).
		File("/out/staticcheck")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"dagger/pipeline/internal/dagger"
)

// lintScript checks one Go module's formatting, then runs go vet and staticcheck; a finding fails
// it and names the file. One exec, not three: every exec costs the engine a container start.
const lintScript = `set -e
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$unformatted"; exit 1; fi
go vet ./...
staticcheck ./...
echo 'lint: clean'`

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
			out, err := m.lintModule(mod.src).Stdout(ctx)
			outputs[i] = fmt.Sprintf("%s: %s", mod.name, strings.TrimSpace(out))
			if err != nil {
				errs[i] = fmt.Errorf("lint %s: %w", mod.name, err)
			}
		})
	}
	wg.Wait()
	return strings.Join(outputs, "\n"), errors.Join(errs...)
}

// lintModule is the container that lints one Go module, for --interactive and terminal use.
func (m *Pipeline) lintModule(src *dagger.Directory) *dagger.Container {
	return m.toolchain(src).
		WithMountedCache("/root/.cache/staticcheck", dag.CacheVolume("pipeline-staticcheck")).
		WithEnvVariable("STATICCHECK_CACHE", "/root/.cache/staticcheck").
		WithFile("/usr/local/bin/staticcheck", m.staticcheck()).
		WithExec([]string{"sh", "-c", lintScript})
}

// staticcheck is the staticcheck binary, built once per version and Go image: running it through
// `go run` would link it again on every lint.
func (m *Pipeline) staticcheck() *dagger.File {
	return m.goCaches(m.goContainer()).
		WithEnvVariable("GOBIN", "/out").
		WithExec([]string{"go", "install", "honnef.co/go/tools/cmd/staticcheck@" + m.StaticcheckVersion}).
		File("/out/staticcheck")
}

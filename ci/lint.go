package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"dagger/pipeline/internal/dagger"
)

// vetScript checks one Go module's formatting and runs go vet; a finding fails it and names the file.
const vetScript = `set -e
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$unformatted"; exit 1; fi
go vet ./...`

// Lint checks formatting (gofmt), go vet and staticcheck in both Go modules: the service at the
// root and this pipeline in ci/. The call fails on any finding and prints it.
func (m *Pipeline) Lint(ctx context.Context) (string, error) {
	modules := []struct {
		name string
		src  *dagger.Directory
	}{
		{"service (.)", m.appModule()},
		{"pipeline (ci)", m.Source.Directory(pipelineModule)},
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
// gofmt and go vet (which downloads the module's dependencies) run before staticcheck is added,
// so on a fresh engine they do not wait for staticcheck to be built.
func (m *Pipeline) lintModule(src *dagger.Directory) *dagger.Container {
	return m.toolchain(src).
		WithExec([]string{"sh", "-c", vetScript}).
		WithMountedCache("/root/.cache/staticcheck", dag.CacheVolume("pipeline-staticcheck")).
		WithEnvVariable("STATICCHECK_CACHE", "/root/.cache/staticcheck").
		WithFile("/usr/local/bin/staticcheck", m.staticcheck()).
		WithExec([]string{"sh", "-c", "staticcheck ./... && echo 'lint: clean'"})
}

// staticcheck is the staticcheck binary, built once per version and Go image: running it through
// `go run` would link it again on every lint.
func (m *Pipeline) staticcheck() *dagger.File {
	return m.goCaches(dag.Container().From(m.GoImage)).
		WithEnvVariable("GOBIN", "/out").
		WithExec([]string{"go", "install", "honnef.co/go/tools/cmd/staticcheck@" + m.StaticcheckVersion}).
		File("/out/staticcheck")
}

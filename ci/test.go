package main

import (
	"context"
)

// Test runs the service's tests with the race detector (`go test -race ./...`). The call fails when a
// test fails, and its output names the failing tests. Debug a failure with `dagger call --interactive test`.
func (m *Pipeline) Test(ctx context.Context) (string, error) {
	return m.toolchain(m.appModule()).
		// -w: no DWARF in the test binary, which links the race runtime a good deal faster.
		WithExec([]string{"go", "test", "-race", "-ldflags=-w", "./..."}).
		Stdout(ctx)
}

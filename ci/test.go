package main

import (
	"context"

	"dagger/pipeline/internal/dagger"
)

// Test runs the service's tests (`go test ./...`), with --race under the race detector. The call
// fails when a test fails, and its output names the failing tests. Debug a failure with
// `dagger call --interactive test`.
func (m *Pipeline) Test(
	ctx context.Context,
	// Run the tests under the race detector (`go test -race`), as pull-request CI does. It needs
	// cgo, so the first run on a new engine compiles the standard library and dependencies a
	// second time (about a minute on two cores); later runs cost a second or two more.
	// +optional
	race bool,
) (string, error) {
	return m.testContainer(race, true).Stdout(ctx)
}

// testContainer runs the service's tests, for --interactive and terminal use; without vet, not
// the part of go vet that go test runs first (check runs go vet in full beside the tests).
func (m *Pipeline) testContainer(race, vet bool) *dagger.Container {
	args := []string{"go", "test"}
	if !vet {
		args = append(args, "-vet=off")
	}
	ctr := m.toolchain(m.appModule())
	if !race {
		return ctr.WithExec(append(args, "./..."))
	}
	return ctr.WithEnvVariable("CGO_ENABLED", "1").
		// -w: no DWARF in the test binary, which links the race runtime a good deal faster.
		WithExec(append(args, "-race", "-ldflags=-w", "./..."))
}

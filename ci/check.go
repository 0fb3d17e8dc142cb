package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Check runs the service's lint, tests and build concurrently, and fails if any of them fails:
// what pull-request CI calls. Each step's output is reported under its name. The pipeline's
// own module is linted by `lint --pipeline`.
func (m *Pipeline) Check(
	ctx context.Context,
	// Run the tests under the race detector, as pull-request CI does (see test --race).
	// +optional
	race bool,
) (string, error) {
	steps := []struct {
		name string
		run  func(context.Context) (string, error)
	}{
		{"lint", func(ctx context.Context) (string, error) { return m.Lint(ctx, false) }},
		// Lint runs go vet in full: the tests skip go test's own part of it.
		{"test", func(ctx context.Context) (string, error) { return m.testContainer(race, false).Stdout(ctx) }},
		{"build", m.checkBuild},
	}
	outputs := make([]string, len(steps))
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Go(func() {
			out, err := step.run(ctx)
			outputs[i] = fmt.Sprintf("== %s ==\n%s", step.name, strings.TrimSpace(out))
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", step.name, err)
			}
		})
	}
	wg.Wait()
	return strings.Join(outputs, "\n"), errors.Join(errs...)
}

// checkBuild builds the service for check and says how big the binary is.
func (m *Pipeline) checkBuild(ctx context.Context) (string, error) {
	binary, err := m.Build(ctx, "amd64")
	if err != nil {
		return "", err
	}
	size, err := binary.Size(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("built app (%d bytes)", size), nil
}

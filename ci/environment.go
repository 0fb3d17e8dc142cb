package main

import (
	"context"
	"fmt"

	"dagger/pipeline/environments"
)

// The environments file, relative to the repository root.
const environmentsFile = "ci/environments.json"

// environment reads and validates the repository's environments file and returns the one named.
func (m *Pipeline) environment(ctx context.Context, name string) (environments.Environment, error) {
	data, err := m.Source.File(environmentsFile).Contents(ctx)
	if err != nil {
		return environments.Environment{}, fmt.Errorf("reading %s: %w", environmentsFile, err)
	}
	cfg, err := environments.Load([]byte(data))
	if err != nil {
		return environments.Environment{}, fmt.Errorf("%s: %w", environmentsFile, err)
	}
	return cfg.Get(name)
}

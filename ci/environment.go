package main

import (
	"context"
	"fmt"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/daggercall"
)

// The environments file, relative to the repository root.
const environmentsFile = daggercall.EnvironmentsFile

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

// ecsEnvironment resolves an environment that runs on ECS and that the constructor has
// credentials for; the account is checked by each AWS step.
func (m *Pipeline) ecsEnvironment(ctx context.Context, name string) (environments.Environment, error) {
	target, err := m.environment(ctx, name)
	if err != nil {
		return target, err
	}
	if target.IsLocal() {
		return target, fmt.Errorf("environment %q runs on this machine, not on ECS: there is no service to roll back or inspect; pass --env with an ECS environment", target.Name)
	}
	return target, m.requireCredentials(target)
}

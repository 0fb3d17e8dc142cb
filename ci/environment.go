package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

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

// ecsEnvironment resolves an ECS environment and an AWS config whose credentials STS confirmed
// to belong to its account.
func (m *Pipeline) ecsEnvironment(ctx context.Context, name string) (environments.Environment, aws.Config, error) {
	target, err := m.environment(ctx, name)
	if err != nil {
		return target, aws.Config{}, err
	}
	cfg, err := m.awsForAccount(ctx, target)
	return target, cfg, err
}

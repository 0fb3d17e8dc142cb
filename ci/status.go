package main

import (
	"context"
)

// Status shows an ECS environment's service (each of them, for an environment of several): the
// running revision and image, desired, running and pending tasks, each target's health, and the
// last deployments and events. It changes nothing.
// +cache="never"
func (m *Pipeline) Status(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
) (string, error) {
	target, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	return answered(m.awsStep(ctx, target, "status"))
}

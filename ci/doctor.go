package main

import (
	"context"
)

// Doctor tells what an ECS environment's own settings impose on every deploy of its service (of
// each, for an environment of several): the target groups' health checks and deregistration
// delay, the container health check, the replacement rounds of the desired count, and how long
// the last deployment took; with advice where a setting dominates. It changes nothing.
// +cache="never"
func (m *Pipeline) Doctor(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
) (string, error) {
	target, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	return answered(m.awsStep(ctx, target, "doctor"))
}

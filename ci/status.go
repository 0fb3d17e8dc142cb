package main

import (
	"context"
	"strings"

	"dagger/pipeline/deploy"
)

// Status shows an ECS environment's service: the running revision and image, desired, running and
// pending tasks, each target's health, and the last deployments and events. It changes nothing.
// +cache="never"
func (m *Pipeline) Status(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
) (string, error) {
	target, cfg, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	status, err := deploy.Status(ctx, deploy.NewClients(cfg), target.Cluster, target.Service)
	if err != nil {
		return "", moduleNames(target, "").Error(err)
	}
	var b strings.Builder
	status.Render(&b)
	return b.String(), nil
}

package main

import (
	"context"
	"strings"

	"dagger/pipeline/deploy"
)

// Status shows an ECS environment's service (each of them, for an environment of several): the running revision and image, desired, running and
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
	var b strings.Builder
	for i, s := range target.Services {
		status, err := deploy.Status(ctx, deploy.NewClients(cfg), target.Cluster, s.Service)
		if err != nil {
			return "", moduleNames(target, "").Error(err)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		status.Render(&b)
	}
	return b.String(), nil
}

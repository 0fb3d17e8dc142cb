package main

import (
	"context"
	"io"
	"strings"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
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
	target, cfg, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	clients := deploy.NewClients(cfg)
	return eachService(target, func(service string, w io.Writer) error {
		status, err := deploy.Status(ctx, clients, target.Cluster, service)
		if err != nil {
			return err
		}
		status.Render(w)
		return nil
	})
}

// eachService is what show writes of each of the environment's services, a blank line between
// them; an error stops it, worded as the module words the engine's.
func eachService(target environments.Environment, show func(service string, w io.Writer) error) (string, error) {
	var b strings.Builder
	for i, s := range target.Services {
		if i > 0 {
			b.WriteString("\n")
		}
		if err := show(s.Service, &b); err != nil {
			return "", moduleNames(target, "").Error(err)
		}
	}
	return b.String(), nil
}

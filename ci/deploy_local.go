package main

import (
	"context"
	"fmt"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
)

// The load balancer's default health policy, applied to the local service: healthy after
// healthyThreshold consecutive successes, healthCheckInterval apart.
const (
	healthyThreshold    = "3"
	healthCheckInterval = "2s"
)

// deployLocal runs the image as a service, waits until it passes the health policy an ALB applies,
// then smoke-tests it. It needs no AWS.
func (m *Pipeline) deployLocal(ctx context.Context, target environments.Environment) (string, error) {
	platform, err := dag.DefaultPlatform(ctx)
	if err != nil {
		return "", err
	}
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return "", err
	}
	image, err := m.image(facts, platformArch(platform))
	if err != nil {
		return "", err
	}
	service := image.AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
	base := fmt.Sprintf("http://app:%d", servicePort)
	out, err := m.toolchain(dag.CurrentModule().Source()).
		WithServiceBinding("app", service).
		WithExec([]string{"go", "run", "./cmd/smoke",
			"-base", base,
			"-health-path", "/health",
			"-smoke-path", target.SmokeTestPath,
			"-healthy-threshold", healthyThreshold,
			"-interval", healthCheckInterval,
			"-deadline", target.WaitTimeout.String(),
		}).
		Stdout(ctx)
	if err != nil {
		return "", fmt.Errorf("deploy to local: %w", err)
	}
	return fmt.Sprintf("deploy to local: succeeded (version %s)\n%s", facts.Info.Version, out), nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	var failed *dagger.ExecError
	if errors.As(err, &failed) {
		// The checker's last line is its verdict; the lines before it repeat one probe each.
		return "", fmt.Errorf("deploy to local failed: %s", lastLine(failed.Stderr))
	}
	if err != nil {
		return "", fmt.Errorf("deploy to local: %w", err)
	}
	return fmt.Sprintf("deploy to local: succeeded (version %s)\n%s", facts.Info.Version, out), nil
}

// lastLine is the last line of output that says something.
func lastLine(output string) string {
	lines := strings.Split(strings.TrimSpace(output), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if line := strings.TrimSpace(lines[i]); line != "" && !strings.HasPrefix(line, "exit status") {
			return line
		}
	}
	return "the health checker failed without saying why"
}

package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/pipeline/internal/dagger"
)

// Validate checks an environments file as a whole, without AWS: every environment, and that each
// committed task-definition file an environment names is in the repository and parses. It lists
// the environments when all are valid, and otherwise fails listing every problem with its fix.
func (m *Pipeline) Validate(
	ctx context.Context,
	// The environments file, relative to the repository root; taskDefinition paths in it are
	// relative to the root too.
	// +default="ci/environments.json"
	file string,
) (string, error) {
	if _, err := m.Source.File(file).Contents(ctx); err != nil {
		return "", fmt.Errorf("cannot read the environments file %s: %w; give its path relative to the repository root with --file", file, err)
	}
	// The task definitions are checked as the deploy engine reads them, with the AWS SDK's types:
	// by ecs-deploy, so that the module links no AWS SDK.
	done := m.goContainer().
		WithDirectory("/usr/local/bin", m.pipelineCommands()).
		WithDirectory(workdir, m.Source).
		WithWorkdir(workdir).
		WithExec([]string{"ecs-deploy", "validate", "--file", file, "--root", workdir},
			dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := done.ExitCode(ctx)
	if err != nil {
		return "", err
	}
	if code != 0 {
		stderr, err := done.Stderr(ctx)
		if err != nil {
			return "", err
		}
		return "", errorText(strings.TrimSuffix(strings.TrimPrefix(stderr, "error: "), "\n"))
	}
	return done.Stdout(ctx)
}

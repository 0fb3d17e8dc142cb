package main

import (
	"context"
	"fmt"
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
	// by the pipeline's AWS steps, so that the module links no AWS SDK. It calls no AWS API.
	ctr := m.goContainer().WithFile("/usr/local/bin/pipeline-aws", m.pipelineAWS())
	return answered(m.pipelineStep(ctx, ctr, "validate", "--file", file))
}

package main

import (
	"context"
	"fmt"

	"dagger/pipeline/codepipeline"
	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/release"
)

// ImageDefinitions is the build stage for teams that keep AWS CodePipeline: it checks the
// checkout, publishes the image to the environment's ECR repository (or takes --image) and returns
// the imagedefinitions.json that CodePipeline's ECS deploy action reads:
// `dagger call image-definitions --env=prod ... export --path=imagedefinitions.json`.
// +cache="never"
func (m *Pipeline) ImageDefinitions(
	ctx context.Context,
	// The environment, as named in ci/environments.json: its ECR repository and container name.
	env string,
	// An image that is already published, pinned by digest (REPO@sha256:…), instead of building.
	// +optional
	image string,
) (*dagger.File, error) {
	target, err := m.environment(ctx, env)
	if err != nil {
		return nil, err
	}
	if image == "" {
		if target.IsLocal() {
			return nil, fmt.Errorf("environment %q runs on this machine, not on ECS: it has no ECR repository to publish to; pass --env with an ECS environment", target.Name)
		}
		if err := m.requireCredentials(target); err != nil {
			return nil, err
		}
		username, password, err := m.prepareBuild(ctx, target)
		if err != nil {
			return nil, err
		}
		if image, err = m.buildAndPublish(ctx, target, username, password); err != nil {
			return nil, err
		}
	} else if _, err := release.RequireDigest(image); err != nil {
		return nil, err
	}
	data, err := codepipeline.ImageDefinitions(target.Container, image)
	if err != nil {
		return nil, err
	}
	return dag.File("imagedefinitions.json", string(data)), nil
}

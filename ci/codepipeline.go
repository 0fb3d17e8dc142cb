package main

import (
	"context"

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
	// The AWS access key ID, e.g. env://AWS_ACCESS_KEY_ID.
	// +optional
	awsAccessKeyId *dagger.Secret,
	// The AWS secret access key, e.g. env://AWS_SECRET_ACCESS_KEY.
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// The AWS session token of a role's temporary credentials, e.g. env://AWS_SESSION_TOKEN.
	// +optional
	awsSessionToken *dagger.Secret,
) (*dagger.File, error) {
	target, err := m.environment(ctx, env)
	if err != nil {
		return nil, err
	}
	if image == "" {
		cfg, err := awsCredentials{awsAccessKeyId, awsSecretAccessKey, awsSessionToken}.forAccount(ctx, target)
		if err != nil {
			return nil, err
		}
		if image, err = m.buildAndPublish(ctx, cfg, target); err != nil {
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

package main

import (
	"context"
	"strings"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/dagger"
)

// Status shows an ECS environment's service: the running revision and image, desired, running and
// pending tasks, each target's health, and the last deployments and events. It changes nothing.
// +cache="never"
func (m *Pipeline) Status(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
	// The AWS access key ID, e.g. env://AWS_ACCESS_KEY_ID.
	// +optional
	awsAccessKeyId *dagger.Secret,
	// The AWS secret access key, e.g. env://AWS_SECRET_ACCESS_KEY.
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// The AWS session token of a role's temporary credentials, e.g. env://AWS_SESSION_TOKEN.
	// +optional
	awsSessionToken *dagger.Secret,
) (string, error) {
	target, cfg, err := m.ecsEnvironment(ctx, env, awsCredentials{awsAccessKeyId, awsSecretAccessKey, awsSessionToken})
	if err != nil {
		return "", err
	}
	status, err := deploy.Status(ctx, deploy.NewClients(cfg), target.Cluster, target.Service)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	status.Render(&b)
	return b.String(), nil
}

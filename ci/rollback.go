package main

import (
	"context"
	"fmt"
	"os"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/dagger"
)

// Rollback puts an ECS environment's service back on its previous task-definition revision, or on
// the revision named by --to, and waits and diagnoses like deploy.
// +cache="never"
func (m *Pipeline) Rollback(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
	// The revision to go back to: a revision number (42), family:revision, or a task-definition ARN.
	// Default: the previous ACTIVE revision of the family.
	// +optional
	to string,
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
	res, err := deploy.Rollback(ctx, deploy.NewClients(cfg), deploy.RollbackOptions{
		Cluster:  target.Cluster,
		Service:  target.Service,
		To:       to,
		Timeout:  target.WaitTimeout,
		Progress: os.Stderr,
		Commands: daggerCommands(target.Name),
	})
	report := deployReport(target, res)
	if err != nil {
		return report, fmt.Errorf("%s\n%w", report, err)
	}
	return report, nil
}

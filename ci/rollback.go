package main

import (
	"context"
	"fmt"
	"strings"
)

// Rollback puts an ECS environment's service back on its previous task-definition revision, or on
// the revision named by --to, and waits and diagnoses like deploy. An environment with several
// services rolls all of them back together, each to its own previous revision (or to the one that
// runs the image --to names by tag). An image tag in --to is
// resolved to its digest in the environment's ECR repository, and the service goes back to the
// newest ACTIVE revision that runs that digest. An environment with a site then puts the site
// back on its release before the last deploy (by the S3 object versions its manifest recorded),
// unless --keep-site.
// +cache="never"
func (m *Pipeline) Rollback(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
	// The revision to go back to: a revision number (42), family:revision, a task-definition ARN,
	// or an image tag (v1.4.2, sha-3f2a9c41d0b7).
	// Default: the previous ACTIVE revision of the family.
	// +optional
	to string,
	// Leave the environment's site as it is: roll back only the service.
	// +optional
	keepSite bool,
) (string, error) {
	target, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	out, err := answered(m.awsStep(ctx, target, "rollback", "--to", to))
	if err != nil || target.Site == nil || keepSite {
		return out, err
	}
	siteReport, err := m.rollbackSite(ctx, target)
	out = strings.TrimRight(out, "\n") + "\n" + siteReport
	if err != nil {
		return "", fmt.Errorf("%s\nthe service is rolled back, but its site is not: %w", out, err)
	}
	return out, nil
}

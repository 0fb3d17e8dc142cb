package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/registry"
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
	target, cfg, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	opts := deploy.RollbackOptions{
		Cluster:  target.Cluster,
		Service:  target.Service,
		More:     otherServices(target),
		To:       to,
		Timeout:  target.WaitTimeout,
		Progress: os.Stderr,
	}
	if tag := strings.TrimSpace(to); deploy.IsImageTag(tag) {
		// Deployed images are pinned by digest, so a tag only finds its revision through the
		// digest it names in the registry now.
		digest, err := registry.ResolveTag(ctx, ecr.NewFromConfig(cfg), target.ECRRepository, tag)
		if err != nil {
			return "", fmt.Errorf("rollback of %s to image tag %s: %w", target.Name, tag, err)
		}
		opts.To, opts.ToImageDigest = "", digest
	}
	res, err := deploy.Rollback(ctx, deploy.NewClients(cfg), opts)
	out, err := moduleNames(target, "").RollbackOutput(res, err)
	if err != nil || target.Site == nil || keepSite {
		return out, err
	}
	// After the service, as a deploy ships them: the pages go back once the service they call has.
	siteReport, err := m.rollbackSite(ctx, target)
	out = strings.TrimRight(out, "\n") + "\n" + siteReport
	if err != nil {
		return "", fmt.Errorf("%s\nthe service is rolled back, but its site is not: %w", out, err)
	}
	return out, nil
}

// otherServices names the environment's services after its main one.
func otherServices(target environments.Environment) []string {
	var names []string
	for _, s := range target.Services[min(1, len(target.Services)):] {
		names = append(names, s.Service)
	}
	return names
}

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/pipeline/codepipeline"
	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/registry"
	"dagger/pipeline/release"
	"dagger/pipeline/smoke"
)

// Deploy ships the checkout to an environment of ci/environments.json. For an ECS environment:
// check, build, publish to the environment's ECR repository, register a new task-definition
// revision, update the service, wait for the rollout and the load balancer's target health, and
// roll back automatically on failure with a diagnosis; then smoke-test through the load balancer.
// An environment with a migration runs it once on the new revision before the service is
// updated, and leaves the service alone when it does not exit 0. An environment with several
// services deploys them as one release: each gets its revision, all are watched together, and if
// one fails all go back to their previous revisions.
// An environment with promoteFrom (prod from staging) builds nothing: it deploys the digest
// that environment deployed for this commit, found by its sha-<12 hex> tag in this environment's
// ECR repository, and fails before changing anything when there is none. With --image it deploys
// an image that is already published and skips the build. --env=local needs no AWS: it runs the
// image as a service and smoke-tests it. An environment with a site ships it after the service's
// rollout succeeded: its assets, then its pages, then the stale objects deleted and the changed
// pages invalidated in CloudFront.
// +cache="never"
func (m *Pipeline) Deploy(
	ctx context.Context,
	// The environment, as named in ci/environments.json (e.g. local, dev, staging, prod).
	env string,
	// An image that is already published, pinned by digest (REPO@sha256:…), to deploy instead of
	// building (or, for an environment with promoteFrom, instead of the one promoted).
	// +optional
	image string,
	// On failure, leave the service as it is instead of rolling back.
	// +optional
	noRollback bool,
	// After rolling back, deregister the task-definition revision that failed.
	// +optional
	deregisterFailed bool,
	// Print, instead of the report, the imagedefinitions.json of the deployed image that
	// CodePipeline's ECS deploy action reads; save it with -o imagedefinitions.json.
	// +optional
	imageDefinitions bool,
	// When the image already runs, start a new deployment of its revision anyway, so that its
	// tasks read rotated secrets afresh; reported as a forced redeployment. A failed one is not
	// rolled back: the revision before it is the same one.
	// +optional
	force bool,
	// The CI run that deploys, linked from the notification sent to the environment's
	// notifyTopic, e.g. https://github.com/ORG/REPO/actions/runs/ID.
	// +optional
	runUrl string,
) (string, error) {
	target, err := m.environment(ctx, env)
	if err != nil {
		return "", err
	}
	if target.IsLocal() {
		return m.deployLocal(ctx, target)
	}
	cfg, err := m.awsForAccount(ctx, target)
	if err != nil {
		return moduleNames(target, image).DeployOutput(nil, err)
	}
	res, err := m.deployECS(ctx, cfg, target, image, noRollback, deregisterFailed, force)
	m.notifyTeam(ctx, cfg, target, moduleNames(target, image), res, err, runUrl)
	var siteReport string
	if err == nil && target.Site != nil {
		// Only after the service's rollout succeeded: a failed deploy ships no site, and the pages
		// never call a service that is not there yet.
		siteReport, err = m.deploySite(ctx, target)
		if err != nil {
			out, _ := moduleNames(target, image).DeployOutput(res, nil)
			return "", fmt.Errorf("%s\nthe service is deployed, but its site is not: %w", withSiteReport(out, siteReport), err)
		}
	}
	if imageDefinitions && err == nil {
		fmt.Fprint(os.Stderr, siteReport) // stdout is the file CodePipeline reads
		data, err := codepipeline.ImageDefinitions(target.Container, res.Image)
		return string(data), err
	}
	out, err := moduleNames(target, image).DeployOutput(res, err)
	if siteReport != "" {
		out = withSiteReport(out, siteReport)
	}
	return out, err
}

// moduleNames words the engine's results and errors for the environment as `dagger call`s;
// image is deploy's --image, if given.
func moduleNames(target environments.Environment, image string) daggercall.Names {
	names := daggercall.Names{Env: target.Name, Image: image, Several: len(target.Services) > 1}
	if !target.IsLocal() {
		names.Repository = target.ImageRepository()
	}
	return names
}

// deployECS takes the steps of a deploy to an ECS environment with cfg, whose account is the
// environment's; res is non-nil once anything in AWS may have changed.
func (m *Pipeline) deployECS(ctx context.Context, cfg aws.Config, target environments.Environment, image string, noRollback, deregisterFailed, force bool) (*deploy.Result, error) {
	image, err := m.imageToDeploy(ctx, cfg, target, image)
	if err != nil {
		return nil, err
	}
	opts, err := m.deployOptions(ctx, target, image)
	if err != nil {
		return nil, err
	}
	opts.NoRollback, opts.DeregisterFailed, opts.Force, opts.Progress = noRollback, deregisterFailed, force, os.Stderr
	res, err := deploy.Deploy(ctx, deploy.NewClients(cfg), opts)
	if err != nil {
		return res, err
	}
	if err := smokeTest(ctx, target); err != nil {
		return res, fmt.Errorf("the rollout succeeded but the smoke test through the load balancer failed: %w", err)
	}
	return res, nil
}

// deployOptions are the engine's options for deploying image to every service of the
// environment, the main one as Target and the others as More, with their task definitions.
func (m *Pipeline) deployOptions(ctx context.Context, target environments.Environment, image string) (deploy.Options, error) {
	opts := deploy.Options{
		Target:    deploy.Target{Cluster: target.Cluster, Service: target.Service, Container: target.Container},
		Image:     image,
		Timeout:   target.WaitTimeout,
		Migration: migration(target),
	}
	for i, s := range target.Services {
		data, err := m.taskDefinition(ctx, s)
		if err != nil {
			return opts, err
		}
		if i == 0 {
			opts.TaskDefinition = data
			continue
		}
		opts.More = append(opts.More, deploy.Member{Service: s.Service, Container: s.Container, TaskDefinition: data})
	}
	return opts, nil
}

// migration is the environment's migration key as the engine takes it; nil when it has none.
func migration(target environments.Environment) *deploy.Migration {
	if target.Migration == nil {
		return nil
	}
	return &deploy.Migration{Command: target.Migration.Command, Timeout: target.Migration.Timeout}
}

// imageToDeploy is the digest-pinned image a deploy takes: --image when given, else the one the
// environment promotes, else a fresh build of the checkout.
func (m *Pipeline) imageToDeploy(ctx context.Context, cfg aws.Config, target environments.Environment, image string) (string, error) {
	switch {
	case image != "":
		_, err := release.RequireDigest(image)
		return image, err
	case target.Promoted():
		return m.promotedImage(ctx, cfg, target)
	default:
		return m.buildAndPublish(ctx, cfg, target)
	}
}

// promotedImage is the image the environment's promoteFrom deployed for the checkout's commit.
func (m *Pipeline) promotedImage(ctx context.Context, cfg aws.Config, target environments.Environment) (string, error) {
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return "", err
	}
	if !facts.Info.Tracked() {
		return "", untrackedPromoteError(target.Name, target.PromoteFrom)
	}
	return registry.PromotedImage(ctx, ecr.NewFromConfig(cfg), registry.Promotion{
		Env:            target.Name,
		From:           target.PromoteFrom,
		Repository:     target.ImageRepository(),
		RepositoryName: target.ECRRepository,
		CommitTag:      facts.Info.CommitTag(),
		DeployFrom:     "`dagger call deploy --env=" + target.PromoteFrom + "`",
	})
}

// buildAndPublish checks the checkout, then pushes its image to the environment's ECR repository
// and returns the digest-pinned reference.
func (m *Pipeline) buildAndPublish(ctx context.Context, cfg aws.Config, target environments.Environment) (string, error) {
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return "", err
	}
	if !facts.Info.Tracked() {
		return "", untrackedPublishError("a deploy that builds its image")
	}
	// The race detector already ran on the pull request (check --race); here the tests guard a
	// deploy from a commit that does not build or pass, and a minute less matters.
	if _, err := m.Check(ctx, false); err != nil {
		return "", err
	}
	login, err := registry.ECRLogin(ctx, ecr.NewFromConfig(cfg), target.RegistryHost())
	if err != nil {
		return "", err
	}
	password := dag.SetSecret("ecr-password-"+target.Name, login.Password)
	return m.publish(ctx, facts, target.RegistryHost(), target.ECRRepository, login.Username, password, "amd64")
}

// taskDefinition is the committed task definition the environment names for service, or nil
// when it deploys a clone of the live revision.
func (m *Pipeline) taskDefinition(ctx context.Context, service environments.Service) ([]byte, error) {
	if service.UsesLiveTaskDefinition() {
		return nil, nil
	}
	contents, err := m.Source.File(service.TaskDefinition).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the task definition %s named in %s: %w", service.TaskDefinition, environmentsFile, err)
	}
	return []byte(contents), nil
}

// smokeTest asks the environment's smoke-test URL once, through the load balancer.
func smokeTest(ctx context.Context, target environments.Environment) error {
	url := target.SmokeTestTarget()
	if url == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := smoke.Check(ctx, nil, url)
	return err
}

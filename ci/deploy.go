package main

import (
	"context"
	"fmt"
	"os"

	"dagger/pipeline/codepipeline"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/release"
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
	names := daggercall.For(target, image)
	if err := m.requireCredentials(target); err != nil {
		return names.DeployOutput(nil, err)
	}
	args, err := m.imageToDeploy(ctx, target, image, runUrl)
	if err != nil {
		return names.DeployOutput(nil, err)
	}
	if noRollback {
		args = append(args, "--no-rollback")
	}
	if deregisterFailed {
		args = append(args, "--deregister-failed")
	}
	if force {
		args = append(args, "--force")
	}
	if runUrl != "" {
		args = append(args, "--run-url", runUrl)
	}
	deployed, err := m.awsStep(ctx, target, "deploy", args...)
	out, err := answered(deployed, err)
	if err != nil {
		return "", err
	}
	var siteReport string
	if target.Site != nil {
		// Only after the service's rollout succeeded: a failed deploy ships no site, and the pages
		// never call a service that is not there yet.
		siteReport, err = m.deploySite(ctx, target)
		if err != nil {
			return "", fmt.Errorf("%s\nthe service is deployed, but its site is not: %w", withSiteReport(out, siteReport), err)
		}
	}
	if imageDefinitions {
		fmt.Fprint(os.Stderr, siteReport) // stdout is the file CodePipeline reads
		data, err := codepipeline.ImageDefinitions(target.Container, deployed.Image)
		return string(data), err
	}
	if siteReport != "" {
		out = withSiteReport(out, siteReport)
	}
	return out, nil
}

// imageToDeploy is the deploy step's arguments that name its image: --image when given, else the
// one the environment promotes for the commit, else a fresh build of the checkout, pushed to the
// environment's ECR repository. A failure here is told to the team, once the account is checked.
func (m *Pipeline) imageToDeploy(ctx context.Context, target environments.Environment, image, runURL string) ([]string, error) {
	if image != "" {
		if _, err := release.RequireDigest(image); err != nil {
			return nil, err
		}
		return []string{"--image", image, "--given-image"}, nil
	}
	if target.Promoted() {
		tag, err := m.commitTag(ctx, untrackedPromoteError(target.Name, target.PromoteFrom))
		if err != nil {
			m.notifyFailure(ctx, target, err, runURL)
			return nil, err
		}
		return []string{"--promoted-for", tag}, nil
	}
	username, password, err := m.prepareBuild(ctx, target)
	if err != nil {
		return nil, err
	}
	built, err := m.buildAndPublish(ctx, target, username, password)
	if err != nil {
		m.notifyFailure(ctx, target, err, runURL)
		return nil, err
	}
	return []string{"--image", built}, nil
}

// commitTag is the checkout's sha-<12 hex> tag, which a promoted image is found by; untracked is
// the error when the source has no git metadata.
func (m *Pipeline) commitTag(ctx context.Context, untracked error) (string, error) {
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return "", err
	}
	if !facts.Info.Tracked() {
		return "", untracked
	}
	return facts.Info.CommitTag(), nil
}

// prepareBuild checks that the credentials are the environment's account's, before a build, and
// logs in to its ECR registry for the push.
func (m *Pipeline) prepareBuild(ctx context.Context, target environments.Environment) (username string, password *dagger.Secret, err error) {
	prepared, err := m.awsStep(ctx, target, "prepare", "--registry-login")
	if _, err := answered(prepared, err); err != nil {
		return "", nil, err
	}
	if prepared.Registry == nil {
		return "", nil, fmt.Errorf("no login to %s came back from the AWS step", target.RegistryHost())
	}
	return prepared.Registry.Username, dag.SetSecret("ecr-password-"+target.Name, prepared.Registry.Password), nil
}

// buildAndPublish checks the checkout, then pushes its image to the environment's ECR repository
// with the registry's password and returns the digest-pinned reference.
func (m *Pipeline) buildAndPublish(ctx context.Context, target environments.Environment, username string, password *dagger.Secret) (string, error) {
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
	return m.publish(ctx, facts, target.RegistryHost(), target.ECRRepository, username, password, "amd64")
}

// notifyFailure tells the environment's team that a deploy failed before it changed anything in
// AWS (its build, tests or push). A notification that fails is a warning.
func (m *Pipeline) notifyFailure(ctx context.Context, target environments.Environment, failure error, runURL string) {
	if target.NotifyTopic == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	ctr, err := m.awsCommandContainer(ctx, target)
	if err == nil {
		_, err = answered(m.pipelineStep(ctx, ctr.WithNewFile("/tmp/error.txt", failure.Error()), "notify",
			"--env", target.Name, "--error-file", "/tmp/error.txt", "--run-url", runURL))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "warning: the deploy notification was not sent: %v; the deploy's outcome is not affected\n", err)
	}
}

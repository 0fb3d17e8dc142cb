package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/pipeline/codepipeline"
	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/ghactions"
	"dagger/pipeline/registry"
	"dagger/pipeline/release"
	"dagger/pipeline/smoke"
)

// Deploy ships the checkout to an environment of ci/environments.json. For an ECS environment:
// check, build, publish to the environment's ECR repository, register a new task-definition
// revision, update the service, wait for the rollout and the load balancer's target health, and
// roll back automatically on failure with a diagnosis; then smoke-test through the load balancer.
// With --image it promotes an image that is already published (the same digest staging ran) and
// skips the build. --env=local needs no AWS: it runs the image as a service and smoke-tests it.
// +cache="never"
func (m *Pipeline) Deploy(
	ctx context.Context,
	// The environment, as named in ci/environments.json (e.g. local, dev, staging, prod).
	env string,
	// An image that is already published, pinned by digest (REPO@sha256:…), to promote instead of building.
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
) (string, error) {
	target, err := m.environment(ctx, env)
	if err != nil {
		return "", err
	}
	if target.IsLocal() {
		return m.deployLocal(ctx, target)
	}
	res, err := m.deployECS(ctx, target, image, noRollback, deregisterFailed)
	if imageDefinitions && err == nil {
		data, err := codepipeline.ImageDefinitions(target.Container, res.Image)
		return string(data), err
	}
	return deployOutput(target, res, err)
}

// deployECS takes the steps of a deploy to an ECS environment; res is non-nil once anything in
// AWS may have changed.
func (m *Pipeline) deployECS(ctx context.Context, target environments.Environment, image string, noRollback, deregisterFailed bool) (*deploy.Result, error) {
	cfg, err := m.awsForAccount(ctx, target)
	if err != nil {
		return nil, err
	}
	if image == "" {
		if image, err = m.buildAndPublish(ctx, cfg, target); err != nil {
			return nil, err
		}
	} else if _, err := release.RequireDigest(image); err != nil {
		return nil, err
	}
	opts := deploy.Options{
		Target:           deploy.Target{Cluster: target.Cluster, Service: target.Service, Container: target.Container},
		Image:            image,
		Timeout:          target.WaitTimeout,
		NoRollback:       noRollback,
		DeregisterFailed: deregisterFailed,
		Progress:         os.Stderr,
		Commands:         daggerCommands(target.Name),
	}
	if !target.UsesLiveTaskDefinition() {
		file, cleanup, err := m.taskDefinitionFile(ctx, target.TaskDefinition)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		opts.TaskDefinitionFile = file
	}
	res, err := deploy.Deploy(ctx, deploy.NewClients(cfg), opts)
	if err != nil {
		return res, err
	}
	if err := smokeTest(ctx, target); err != nil {
		return res, fmt.Errorf("the rollout succeeded but the smoke test through the load balancer failed: %w", err)
	}
	return res, nil
}

// deployOutput is what a deploy prints: the summary for people, then one result line for the
// runner-side GitHub Actions report (a Dagger function cannot reach the runner's files). On
// failure both travel in the error, the result line last.
func deployOutput(target environments.Environment, res *deploy.Result, err error) (string, error) {
	report := deployReport(target, res)
	result := ghactions.FromDeploy(target.Name, res)
	if err != nil {
		result.Error = err.Error()
		return "", fmt.Errorf("%s\n%w\n%s", report, err, ghactions.ResultLine(result))
	}
	return report + "\n" + ghactions.ResultLine(result), nil
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
	if _, err := m.Check(ctx); err != nil {
		return "", err
	}
	login, err := registry.ECRLogin(ctx, ecr.NewFromConfig(cfg), target.RegistryHost())
	if err != nil {
		return "", err
	}
	password := dag.SetSecret("ecr-password-"+target.Name, login.Password)
	return m.publish(ctx, facts, target.RegistryHost(), target.ECRRepository, login.Username, password, "amd64")
}

// taskDefinitionFile copies the committed task definition out of the source directory into a
// temporary file, where the deploy engine reads it.
func (m *Pipeline) taskDefinitionFile(ctx context.Context, path string) (string, func(), error) {
	contents, err := m.Source.File(path).Contents(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("reading the task definition %s named in %s: %w", path, environmentsFile, err)
	}
	f, err := os.CreateTemp("", "taskdef-*.json")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	if _, err := f.WriteString(contents); err != nil {
		cleanup()
		return "", nil, err
	}
	return f.Name(), cleanup, f.Close()
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

// deployReport is the human summary of a deploy: what runs where now.
func deployReport(target environments.Environment, res *deploy.Result) string {
	if res == nil {
		return fmt.Sprintf("deploy to %s: nothing changed", target.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "deploy to %s: %s\n", target.Name, res.Outcome)
	fmt.Fprintf(&b, "  service:  %s/%s\n", res.Cluster, res.Service)
	fmt.Fprintf(&b, "  image:    %s\n", res.Image)
	fmt.Fprintf(&b, "  revision: %s -> %s\n", orDash(res.PreviousTaskDefinition), orDash(res.TaskDefinition))
	if !res.Finished.IsZero() {
		fmt.Fprintf(&b, "  took:     %s (%d AWS calls)\n", res.Finished.Sub(res.Started).Round(time.Second), res.APICalls)
	}
	if res.Diagnosis != nil {
		b.WriteString(res.Diagnosis.String())
	}
	return b.String()
}

// daggerCommands are the next steps a diagnosis names, as the Dagger calls a person would type.
func daggerCommands(env string) deploy.Commands {
	return deploy.Commands{
		Rollback: func(revision string) string {
			return fmt.Sprintf("dagger call rollback --env=%s --to=%s", env, revision)
		},
		Status: func() string { return "dagger call status --env=" + env },
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

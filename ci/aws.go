package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/internal/daggercall"
)

// awsStep runs a step of cmd/pipeline-aws (see there) for the environment and returns its answer.
// Every AWS call of the module is made there, in a container built from ci/: the module links no
// AWS SDK, which would cost every first call on a new engine the SDK's compilation. A step that
// fails answers with the error the function returns; an error here is the container's own.
func (m *Pipeline) awsStep(ctx context.Context, target environments.Environment, step string, args ...string) (daggercall.Answer, error) {
	ctr, err := m.awsCommandContainer(ctx, target)
	if err != nil {
		return daggercall.Answer{}, err
	}
	return m.pipelineStep(ctx, ctr, step, append([]string{"--env", target.Name}, args...)...)
}

// pipelineStep runs a step of cmd/pipeline-aws in ctr, which has the command, at the repository's
// root.
func (m *Pipeline) pipelineStep(ctx context.Context, ctr *dagger.Container, step string, args ...string) (daggercall.Answer, error) {
	const answerFile = "/tmp/answer.json"
	done := ctr.WithDirectory(workdir, m.Source).
		WithWorkdir(workdir).
		WithExec(append([]string{"pipeline-aws", step, "--answer", answerFile}, args...),
			dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := done.ExitCode(ctx)
	if err != nil {
		return daggercall.Answer{}, err
	}
	if code != 0 {
		stderr, _ := done.Stderr(ctx)
		return daggercall.Answer{}, fmt.Errorf("the pipeline's AWS step %q failed (exit code %d): %s", step, code, strings.TrimSpace(stderr))
	}
	data, err := done.File(answerFile).Contents(ctx)
	if err != nil {
		return daggercall.Answer{}, fmt.Errorf("the pipeline's AWS step %q gave no answer: %w", step, err)
	}
	var answer daggercall.Answer
	if err := json.Unmarshal([]byte(data), &answer); err != nil {
		return daggercall.Answer{}, fmt.Errorf("the pipeline's AWS step %q answered %q: %w", step, data, err)
	}
	return answer, nil
}

// pipelineAWS is cmd/pipeline-aws, built from this checkout's ci/.
func (m *Pipeline) pipelineAWS() *dagger.File {
	return m.goReady().
		WithDirectory(workdir, m.Source.Directory(pipelineModule)).
		WithWorkdir(workdir).
		WithExec([]string{"go", "build", "-o", "/out/pipeline-aws", "./cmd/pipeline-aws"}).
		File("/out/pipeline-aws")
}

// awsCommandContainer is cmd/pipeline-aws in a container that reaches the environment's
// AWS account: its region, the constructor's credentials as secrets (never in the container's
// definition or logs), and its endpoint when one was given. Every run is new: a deploy is never
// answered from the cache.
func (m *Pipeline) awsCommandContainer(ctx context.Context, target environments.Environment) (*dagger.Container, error) {
	if err := m.requireCredentials(target); err != nil {
		return nil, err
	}
	ctr := m.goContainer().
		WithFile("/usr/local/bin/pipeline-aws", m.pipelineAWS()).
		WithEnvVariable("AWS_REGION", target.Region).
		WithEnvVariable("AWS_CONFIG_FILE", "/dev/null").
		WithEnvVariable("AWS_SHARED_CREDENTIALS_FILE", "/dev/null").
		WithEnvVariable("AWS_EC2_METADATA_DISABLED", "true").
		WithSecretVariable("AWS_ACCESS_KEY_ID", m.AwsAccessKeyID).
		WithSecretVariable("AWS_SECRET_ACCESS_KEY", m.AwsSecretAccessKey)
	if m.AwsSessionToken != nil {
		ctr = ctr.WithSecretVariable("AWS_SESSION_TOKEN", m.AwsSessionToken)
	}
	if m.AwsEndpoint != nil {
		endpoint, err := m.AwsEndpoint.Endpoint(ctx, dagger.ServiceEndpointOpts{Scheme: "http"})
		if err != nil {
			return nil, fmt.Errorf("--aws-endpoint: %w", err)
		}
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, fmt.Errorf("--aws-endpoint %s: %w", endpoint, err)
		}
		ctr = ctr.WithServiceBinding("aws-endpoint", m.AwsEndpoint).
			WithEnvVariable("AWS_ENDPOINT_URL", "http://aws-endpoint:"+u.Port())
	}
	return ctr.WithEnvVariable("DEPLOY_RUN", time.Now().Format(time.RFC3339Nano)), nil
}

// requireCredentials fails when the constructor was given no AWS credentials for an environment
// that lives in AWS.
func (m *Pipeline) requireCredentials(target environments.Environment) error {
	if m.AwsAccessKeyID != nil && m.AwsSecretAccessKey != nil {
		return nil
	}
	return fmt.Errorf("environment %q is in AWS account %s and needs credentials: pass them to the "+
		"pipeline before the function, `dagger call --aws-access-key-id=env://AWS_ACCESS_KEY_ID "+
		"--aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY --aws-session-token=env://AWS_SESSION_TOKEN …`, "+
		"or keep them in .env next to dagger.json as awsAccessKeyId=env://AWS_ACCESS_KEY_ID, "+
		"awsSecretAccessKey=env://AWS_SECRET_ACCESS_KEY and awsSessionToken=env://AWS_SESSION_TOKEN (see README)",
		target.Name, target.AccountID)
}

// answered is a step's answer as the function returns it: its output, or its error.
func answered(answer daggercall.Answer, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if answer.Error != "" {
		return "", errorText(answer.Error)
	}
	return answer.Output, nil
}

// errorText is an error worded already, by the step that failed.
type errorText string

func (e errorText) Error() string { return string(e) }

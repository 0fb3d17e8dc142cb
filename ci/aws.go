package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
)

// awsForAccount returns an aws.Config for the environment's region, signed with the constructor's
// credentials, once STS confirms that they belong to the environment's account: the guard against
// deploying staging into the prod account.
func (m *Pipeline) awsForAccount(ctx context.Context, env environments.Environment) (aws.Config, error) {
	if env.IsLocal() {
		return aws.Config{}, fmt.Errorf("environment %q runs on this machine, not on ECS: there is no service to roll back or inspect; pass --env with an ECS environment", env.Name)
	}
	cfg, err := m.awsConfig(ctx, env)
	if err != nil {
		return aws.Config{}, err
	}
	if _, err := environments.VerifyAccount(ctx, sts.NewFromConfig(cfg), env); err != nil {
		return aws.Config{}, err
	}
	return cfg, nil
}

// awsConfig returns an aws.Config for the environment's region, signed with the constructor's
// credentials and sent to its endpoint when one was given. The secrets reach the AWS SDK and
// nothing else (no log, no error, no summary).
func (m *Pipeline) awsConfig(ctx context.Context, env environments.Environment) (aws.Config, error) {
	if m.AwsAccessKeyID == nil || m.AwsSecretAccessKey == nil {
		return aws.Config{}, fmt.Errorf("environment %q is in AWS account %s and needs credentials: pass them to the "+
			"pipeline before the function, `dagger call --aws-access-key-id=env://AWS_ACCESS_KEY_ID "+
			"--aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY --aws-session-token=env://AWS_SESSION_TOKEN …`, "+
			"or keep them in .env next to dagger.json as awsAccessKeyId=env://AWS_ACCESS_KEY_ID, "+
			"awsSecretAccessKey=env://AWS_SECRET_ACCESS_KEY and awsSessionToken=env://AWS_SESSION_TOKEN (see README)",
			env.Name, env.AccountID)
	}
	id, err := m.AwsAccessKeyID.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading --aws-access-key-id: %w", err)
	}
	secret, err := m.AwsSecretAccessKey.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading --aws-secret-access-key: %w", err)
	}
	var token string
	if m.AwsSessionToken != nil {
		if token, err = m.AwsSessionToken.Plaintext(ctx); err != nil {
			return aws.Config{}, fmt.Errorf("reading --aws-session-token: %w", err)
		}
	}
	cfg := aws.Config{
		Region:      env.Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, token)),
		Retryer:     deploy.NewRetryer,
	}
	if m.AwsEndpoint != nil {
		url, err := serviceURL(ctx, m.AwsEndpoint)
		if err != nil {
			return aws.Config{}, fmt.Errorf("--aws-endpoint: %w", err)
		}
		cfg.BaseEndpoint = aws.String(url)
	}
	return cfg, nil
}

// serviceURL starts a service (a tunnel, for tcp://localhost:PORT) and returns the http URL at
// which this function's own code reaches it.
func serviceURL(ctx context.Context, svc *dagger.Service) (string, error) {
	started, err := svc.Start(ctx)
	if err != nil {
		return "", fmt.Errorf("starting the endpoint: %w", err)
	}
	return started.Endpoint(ctx, dagger.ServiceEndpointOpts{Scheme: "http"})
}

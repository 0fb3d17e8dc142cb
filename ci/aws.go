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

// awsCredentials are the AWS credentials a call received, as secrets: they reach the AWS SDK and
// nothing else (no log, no error, no summary).
type awsCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken *dagger.Secret
}

// forAccount returns an aws.Config for the environment's region, signed with the credentials,
// once STS confirms that they belong to the environment's account: the guard against deploying
// staging into the prod account.
func (c awsCredentials) forAccount(ctx context.Context, env environments.Environment) (aws.Config, error) {
	if env.IsLocal() {
		return aws.Config{}, fmt.Errorf("environment %q runs on this machine, not on ECS: there is no service to roll back or inspect; pass --env with an ECS environment", env.Name)
	}
	cfg, err := c.config(ctx, env)
	if err != nil {
		return aws.Config{}, err
	}
	if _, err := environments.VerifyAccount(ctx, sts.NewFromConfig(cfg), env); err != nil {
		return aws.Config{}, err
	}
	return cfg, nil
}

// config returns an aws.Config for the environment's region, signed with the credentials.
func (c awsCredentials) config(ctx context.Context, env environments.Environment) (aws.Config, error) {
	if c.AccessKeyID == nil || c.SecretAccessKey == nil {
		return aws.Config{}, fmt.Errorf("environment %q is in AWS account %s and needs credentials: pass "+
			"--aws-access-key-id=env://AWS_ACCESS_KEY_ID --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY "+
			"(and --aws-session-token=env://AWS_SESSION_TOKEN for a role), or keep them in .env as user defaults (see README)",
			env.Name, env.AccountID)
	}
	id, err := c.AccessKeyID.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading --aws-access-key-id: %w", err)
	}
	secret, err := c.SecretAccessKey.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading --aws-secret-access-key: %w", err)
	}
	var token string
	if c.SessionToken != nil {
		if token, err = c.SessionToken.Plaintext(ctx); err != nil {
			return aws.Config{}, fmt.Errorf("reading --aws-session-token: %w", err)
		}
	}
	return aws.Config{
		Region:      env.Region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, token)),
		Retryer:     deploy.NewRetryer,
	}, nil
}

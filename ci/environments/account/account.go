// Package account checks, before a deploy changes anything, that the credentials belong to the
// environment's AWS account. It is apart from package environments, which links no AWS SDK.
package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/pipeline/environments"
)

// CallerIdentityAPI is the one STS call Verify makes; *sts.Client
// satisfies it.
type CallerIdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// verifyTimeout bounds the STS call when the caller's context has no deadline.
const verifyTimeout = 30 * time.Second

// MismatchError is returned by Verify when the credentials
// belong to another account than the environment.
type MismatchError struct {
	Environment   string
	WantAccount   string
	CallerAccount string
	CallerARN     string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("refusing to deploy %q: credentials belong to account %s (%s), but environments.json says %s lives in %s. Check AWS_PROFILE / the assumed role.",
		e.Environment, e.CallerAccount, e.CallerARN, e.Environment, e.WantAccount)
}

// Verify asks STS who the credentials belong to and refuses when that
// is not env's account, so that a stale AWS_PROFILE or a wrong role cannot
// deploy staging's image into production or the reverse. It returns the
// caller's ARN for the deploy log. Local environments use no AWS and are
// rejected as a programming error.
func Verify(ctx context.Context, client CallerIdentityAPI, env environments.Environment) (callerARN string, err error) {
	if env.IsLocal() {
		return "", fmt.Errorf("environment %q is local and uses no AWS account; skip the account check for local deploys", env.Name)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, verifyTimeout)
		defer cancel()
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		hint := "check that AWS credentials are passed to the pipeline and are not expired"
		if errors.Is(err, context.DeadlineExceeded) {
			hint = "STS did not answer in time; check the network path to STS in " + env.Region
		}
		return "", fmt.Errorf("cannot verify which AWS account the credentials belong to before deploying %q: STS GetCallerIdentity failed: %w; %s", env.Name, err, hint)
	}
	account, arn := aws.ToString(out.Account), aws.ToString(out.Arn)
	if account != env.AccountID {
		return "", &MismatchError{Environment: env.Name, WantAccount: env.AccountID, CallerAccount: account, CallerARN: arn}
	}
	return arn, nil
}

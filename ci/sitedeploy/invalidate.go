package sitedeploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// DefaultInvalidationTimeout bounds the wait for an invalidation when none is given: CloudFront
// usually completes one in under a minute, rarely in more than a few.
const DefaultInvalidationTimeout = 10 * time.Minute

// defaultPollInterval is how often an invalidation is asked about: a few calls a minute, well
// inside CloudFront's rate limits.
const defaultPollInterval = 5 * time.Second

// invalidate starts an invalidation of paths and waits until CloudFront reports it completed,
// at most timeout; it returns the invalidation's ID, also when the wait failed.
func invalidate(ctx context.Context, api DistributionAPI, distribution, release string, paths []string, timeout, poll time.Duration, now time.Time) (string, error) {
	out, err := api.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(distribution),
		InvalidationBatch: &cftypes.InvalidationBatch{
			// Unique per deploy: CloudFront answers a reference it has seen with the invalidation it
			// made then, which after a rollback and a new deploy of the same release would be done.
			CallerReference: aws.String(fmt.Sprintf("site-%s-%d", release, now.UnixNano())),
			Paths:           &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		return "", fmt.Errorf("invalidating %s in CloudFront distribution %s: %w; the bucket holds the new site, but CloudFront may serve the old pages until their cache expires: run the deploy again, or aws cloudfront create-invalidation --distribution-id %s --paths %s",
			strings.Join(paths, " "), distribution, err, distribution, strings.Join(paths, " "))
	}
	id := aws.ToString(out.Invalidation.Id)
	return id, awaitInvalidation(ctx, api, distribution, id, timeout, poll)
}

// errWaitTimedOut ends the wait for an invalidation when its timeout passes.
var errWaitTimedOut = errors.New("the wait for the invalidation timed out")

// awaitInvalidation asks CloudFront about an invalidation until it is completed, the timeout
// passes or ctx ends.
func awaitInvalidation(ctx context.Context, api cloudfront.GetInvalidationAPIClient, distribution, id string, timeout, poll time.Duration) error {
	waitCtx, cancel := context.WithTimeoutCause(ctx, timeout, errWaitTimedOut)
	defer cancel()
	for {
		out, err := api.GetInvalidation(waitCtx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(distribution), Id: aws.String(id)})
		if err == nil && strings.EqualFold(aws.ToString(out.Invalidation.Status), "Completed") {
			return nil
		}
		if err != nil && waitCtx.Err() == nil {
			return fmt.Errorf("asking CloudFront about invalidation %s of distribution %s: %w; the bucket holds the new site: wait with aws cloudfront wait invalidation-completed --distribution-id %s --id %s", id, distribution, err, distribution, id)
		}
		if err == nil {
			select {
			case <-waitCtx.Done():
			case <-time.After(poll):
				continue
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted while waiting for CloudFront invalidation %s of distribution %s: %w", id, distribution, ctx.Err())
		}
		if errors.Is(context.Cause(waitCtx), errWaitTimedOut) {
			return fmt.Errorf("CloudFront invalidation %s of distribution %s did not complete within %s: the bucket holds the new site, and the changed pages are served fresh once it completes; follow it with aws cloudfront wait invalidation-completed --distribution-id %s --id %s, or raise the timeout", id, distribution, timeout, distribution, id)
		}
		return waitCtx.Err()
	}
}

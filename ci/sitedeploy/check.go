package sitedeploy

import (
	"dagger/pipeline/site"

	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// checkTarget makes sure the bucket and the distribution exist before anything is written, and
// tells whether the bucket keeps versions (without them a rollback has nothing to go back to).
func checkTarget(ctx context.Context, clients Clients, target site.Target) (versioned bool, err error) {
	// Checked before the first call: the SDK's words for a malformed name are about the request.
	if err := site.CheckBucket(target.Bucket); err != nil {
		return false, err
	}
	if err := site.CheckDistributionID(target.DistributionID); err != nil {
		return false, err
	}
	out, err := clients.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(target.Bucket)})
	switch code := errorCode(err); {
	case code == "NoSuchBucket":
		return false, &site.InputError{What: fmt.Sprintf("bucket %s does not exist", target.Bucket),
			Why: "the site is uploaded to it", Fix: "create it (aws s3api create-bucket), or name the bucket the distribution serves from", Field: site.FieldBucket, Err: err}
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException":
		return false, fmt.Errorf("bucket %s is in another region than the one the deploy calls (%s): the site is synced in the environment's region; create the bucket there, or name one that is", target.Bucket, code)
	case code == "AccessDenied" || code == "AllAccessDisabled":
		return false, fmt.Errorf("bucket %s cannot be read with these credentials (%s): it belongs to another account, or the role lacks s3:GetBucketVersioning; use the account's deploy role (see ci/iam/deploy-policy.json)", target.Bucket, code)
	case err != nil:
		return false, fmt.Errorf("asking bucket %s whether it keeps versions: %w", target.Bucket, err)
	}
	_, err = clients.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(target.DistributionID)})
	switch code := errorCode(err); {
	case code == "NoSuchDistribution":
		return false, &site.InputError{What: fmt.Sprintf("CloudFront distribution %s does not exist", target.DistributionID),
			Why: "the changed pages are invalidated in it", Fix: "give the ID of the distribution in front of the bucket (aws cloudfront list-distributions --query 'DistributionList.Items[].[Id,Origins.Items[0].DomainName]')", Field: site.FieldDistribution, Err: err}
	case code == "AccessDenied":
		return false, fmt.Errorf("CloudFront distribution %s cannot be read with these credentials (%s): the role lacks cloudfront:GetDistribution, or the distribution belongs to another account; use the account's deploy role (see ci/iam/deploy-policy.json)", target.DistributionID, code)
	case err != nil:
		return false, fmt.Errorf("reading CloudFront distribution %s: %w", target.DistributionID, err)
	}
	return out.Status != "", nil
}

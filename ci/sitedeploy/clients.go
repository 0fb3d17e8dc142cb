package sitedeploy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The clients are interfaces of one method each, as the SDK's paginators and waiters take them,
// so that a test can wrap a real client to record the order of calls or make one of them fail.

// ObjectPutter uploads an object.
type ObjectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// ObjectGetter reads an object.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// ObjectHeader reads an object's metadata; a rollback asks it whether a version still exists.
type ObjectHeader interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// ObjectCopier copies an object, here an older version of a key onto the key.
type ObjectCopier interface {
	CopyObject(ctx context.Context, in *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
}

// ObjectDeleter deletes an object.
type ObjectDeleter interface {
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// BucketVersioning tells whether a bucket exists and keeps versions.
type BucketVersioning interface {
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
}

// BucketAPI is what the site needs of S3.
type BucketAPI interface {
	ObjectPutter
	ObjectGetter
	ObjectHeader
	ObjectCopier
	ObjectDeleter
	BucketVersioning
	s3.ListObjectsV2APIClient
}

// DistributionGetter tells whether a distribution exists.
type DistributionGetter interface {
	GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
}

// InvalidationCreator starts an invalidation.
type InvalidationCreator interface {
	CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error)
}

// DistributionAPI is what the site needs of CloudFront.
type DistributionAPI interface {
	DistributionGetter
	InvalidationCreator
	cloudfront.GetInvalidationAPIClient
}

// Clients are the AWS clients a site deploy uses.
type Clients struct {
	S3         BucketAPI
	CloudFront DistributionAPI
}

// NewClients returns the SDK's clients for cfg. CloudFront is a global service: it is always
// called in us-east-1, whatever the bucket's region.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			// An endpoint that is not AWS (moto, LocalStack) serves buckets under its path, not as
			// subdomains it would need DNS for.
			o.UsePathStyle = cfg.BaseEndpoint != nil
		}),
		CloudFront: cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) { o.Region = "us-east-1" }),
	}
}

package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"dagger/pipeline/release"
)

// ImageAPI is the part of the ECR client (*ecr.Client) that resolving a tag uses.
type ImageAPI interface {
	DescribeImages(ctx context.Context, params *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
}

// ResolveTag returns the digest ("sha256:<64 hex>") of the image that tag names in the ECR
// repository repositoryName (a name such as acme/service, not a URI), in the registry of the
// account and region api is configured for.
//
// Deploys are pinned by digest, so finding "the revision that runs v1.4.2" needs the digest the
// tag points at now; a tag that is later moved resolves to its new image.
func ResolveTag(ctx context.Context, api ImageAPI, repositoryName, tag string) (string, error) {
	if api == nil {
		return "", errors.New("resolve image tag: no ECR client; pass ecr.NewFromConfig(cfg)")
	}
	repositoryName, tag = strings.TrimSpace(repositoryName), strings.TrimSpace(tag)
	if repositoryName == "" {
		return "", errors.New("resolve image tag: no ECR repository name; set ecrRepository for the environment")
	}
	if err := release.ValidateTag(tag); err != nil {
		return "", fmt.Errorf("resolve image tag: %q is not an image tag, so no image is stored under it: %w", tag, err)
	}
	digest, err := describeTag(ctx, api, repositoryName, tag)
	switch {
	case errors.Is(err, errNoSuchTag):
		return "", fmt.Errorf("image tag %q not found in ECR repository %s: there is no image to go back to under that name; "+
			"check the tag (`aws ecr describe-images --repository-name %s` lists the tags), or pass the digest or revision to roll back to", tag, repositoryName, repositoryName)
	case errors.Is(err, errNoSuchRepository):
		return "", fmt.Errorf("ECR repository %s not found in this account and region: cannot resolve image tag %q; "+
			"check ecrRepository of the environment and the AWS region (`aws ecr describe-repositories` lists them)", repositoryName, tag)
	case err != nil:
		return "", fmt.Errorf("resolve image tag %q in ECR repository %s: %w", tag, repositoryName, err)
	}
	return digest, nil
}

// Why describeTag found no image; callers word them for what they were looking for.
var (
	errNoSuchTag        = errors.New("no image has the tag")
	errNoSuchRepository = errors.New("no such repository")
)

// describeTag asks ECR for the digest of the image tagged tag in repositoryName. It wraps
// errNoSuchTag or errNoSuchRepository when ECR has nothing under that name.
func describeTag(ctx context.Context, api ImageAPI, repositoryName, tag string) (string, error) {
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repositoryName),
		ImageIds:       []types.ImageIdentifier{{ImageTag: aws.String(tag)}},
	})
	var notFound *types.ImageNotFoundException
	var noRepo *types.RepositoryNotFoundException
	switch {
	case errors.As(err, &notFound):
		return "", errNoSuchTag
	case errors.As(err, &noRepo):
		return "", errNoSuchRepository
	case err != nil:
		return "", fmt.Errorf("DescribeImages: %w; check the AWS credentials and that they allow ecr:DescribeImages", err)
	}
	if out == nil || len(out.ImageDetails) == 0 {
		// ECR answers a missing tag with ImageNotFoundException; an empty answer means the same.
		return "", errNoSuchTag
	}
	digest := aws.ToString(out.ImageDetails[0].ImageDigest)
	if !release.IsSHA256Digest(digest) {
		return "", fmt.Errorf("ECR answered the digest %q for tag %q, not sha256:<64 hex>; check that the endpoint is ECR", digest, tag)
	}
	return digest, nil
}

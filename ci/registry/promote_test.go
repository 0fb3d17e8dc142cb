package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"dagger/pipeline/internal/moto"
	"dagger/pipeline/registry"
)

const prodRepository = "333333333333.dkr.ecr.eu-west-1.amazonaws.com/acme/service"

func promotion(tag string) registry.Promotion {
	return registry.Promotion{
		Env: "prod", From: "staging", Repository: prodRepository, RepositoryName: "acme/service",
		CommitTag: tag, DeployFrom: "`dagger call deploy --env=staging`",
	}
}

// describeImages answers DescribeImages with out and err, and records what it was asked.
type describeImages struct {
	out   *ecr.DescribeImagesOutput
	err   error
	calls []*ecr.DescribeImagesInput
}

func (d *describeImages) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	d.calls = append(d.calls, in)
	return d.out, d.err
}

func TestPromotedImage(t *testing.T) {
	digest := "sha256:" + strings.Repeat("3f", 32)
	api := &describeImages{out: &ecr.DescribeImagesOutput{ImageDetails: []types.ImageDetail{{ImageDigest: aws.String(digest)}}}}
	got, err := registry.PromotedImage(context.Background(), api, promotion("sha-3f2a9c41d0b7"))
	if err != nil {
		t.Fatal(err)
	}
	if want := prodRepository + "@" + digest; got != want {
		t.Errorf("PromotedImage = %q, want %q", got, want)
	}
	if len(api.calls) != 1 || aws.ToString(api.calls[0].RepositoryName) != "acme/service" ||
		aws.ToString(api.calls[0].ImageIds[0].ImageTag) != "sha-3f2a9c41d0b7" {
		t.Errorf("want one DescribeImages of acme/service:sha-3f2a9c41d0b7, got %+v", api.calls)
	}
}

func TestPromotedImageErrors(t *testing.T) {
	const tag = "sha-3f2a9c41d0b7"
	tests := []struct {
		name string
		api  *describeImages
		p    registry.Promotion
		want []string
	}{
		{"staging never ran the commit", &describeImages{err: &types.ImageNotFoundException{Message: aws.String("not found")}}, promotion(tag),
			[]string{"no image tagged sha-3f2a9c41d0b7 in " + prodRepository, "prod is promoted from staging, not built",
				"deploys only what staging deployed", "deploy this commit to staging first (`dagger call deploy --env=staging`)", "or pass --image=REPO@sha256:…"}},
		{"an empty answer", &describeImages{out: &ecr.DescribeImagesOutput{}}, promotion(tag),
			[]string{"no image tagged sha-3f2a9c41d0b7", "deploy this commit to staging first"}},
		{"no repository", &describeImages{err: &types.RepositoryNotFoundException{Message: aws.String("nope")}}, promotion(tag),
			[]string{"ECR repository " + prodRepository + " not found", "replicate staging's ECR to it", "a repository both share"}},
		{"access denied", &describeImages{err: errors.New("AccessDeniedException: not authorized")}, promotion(tag),
			[]string{"promote to prod: looking up sha-3f2a9c41d0b7", "AccessDeniedException", "ecr:DescribeImages"}},
		{"not a digest", &describeImages{out: &ecr.DescribeImagesOutput{ImageDetails: []types.ImageDetail{{ImageDigest: aws.String("md5:x")}}}}, promotion(tag),
			[]string{`ECR answered the digest "md5:x"`}},
		{"a version tag, not the commit's", &describeImages{}, promotion("v1.2.3"), []string{`"v1.2.3" is not a commit's image tag`}},
		{"no commit tag", &describeImages{}, promotion(""), []string{`"" is not a commit's image tag`}},
		{"no repository name", &describeImages{}, func() registry.Promotion { p := promotion(tag); p.RepositoryName = ""; return p }(),
			[]string{"no ECR repository; set ecrRepository of prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := registry.PromotedImage(context.Background(), tt.api, tt.p)
			if err == nil {
				t.Fatalf("PromotedImage = %q, want an error", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			// Only a missing image means "not deployed there"; other failures must not be read so.
			notDeployed := tt.name == "staging never ran the commit" || tt.name == "an empty answer"
			if notDeployed != errors.Is(err, registry.ErrNotDeployedFrom) {
				t.Errorf("errors.Is(err, ErrNotDeployedFrom) = %v for %q", errors.Is(err, registry.ErrNotDeployedFrom), tt.name)
			}
		})
	}
	if _, err := registry.PromotedImage(context.Background(), nil, promotion(tag)); err == nil {
		t.Error("a nil client must be an error, not a panic")
	}
}

func TestPromotedImageAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := ecr.NewFromConfig(srv.Config)
	if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("acme/service")}); err != nil {
		t.Fatal(err)
	}
	// What staging's publish pushed, replicated here: one image under its commit and version tags.
	put, err := client.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName: aws.String("acme/service"), ImageManifest: aws.String(minimalManifest), ImageTag: aws.String("sha-3f2a9c41d0b7"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := prodRepository + "@" + aws.ToString(put.Image.ImageId.ImageDigest)
	got, err := registry.PromotedImage(ctx, client, promotion("sha-3f2a9c41d0b7"))
	if err != nil || got != want {
		t.Errorf("PromotedImage = %q, %v; want %q", got, err, want)
	}

	_, err = registry.PromotedImage(ctx, client, promotion("sha-000000000000"))
	if !errors.Is(err, registry.ErrNotDeployedFrom) || !strings.Contains(err.Error(), "no image tagged sha-000000000000") {
		t.Errorf("a commit staging never ran: got %v, want ErrNotDeployedFrom", err)
	}
	p := promotion("sha-3f2a9c41d0b7")
	p.RepositoryName = "acme/other"
	if _, err := registry.PromotedImage(ctx, client, p); err == nil || !strings.Contains(err.Error(), "not found: prod is promoted from staging") {
		t.Errorf("a missing repository: got %v", err)
	}
	// The look-up only reads: the repository still holds the one image it had.
	images, err := client.ListImages(ctx, &ecr.ListImagesInput{RepositoryName: aws.String("acme/service")})
	if err != nil || len(images.ImageIds) != 1 {
		t.Errorf("ListImages = %+v, %v; want the one image pushed", images, err)
	}
}

// The README shows the error a person meets; it must be the real one.
func TestPromotedImageErrorInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = registry.PromotedImage(context.Background(), &describeImages{out: &ecr.DescribeImagesOutput{}}, promotion("sha-3f2a9c41d0b7"))
	if err == nil || !strings.Contains(string(readme), "\n    "+err.Error()+"\n") {
		t.Errorf("README.md (Environments, Promotion) must show the error as it is:\n    %v", err)
	}
}

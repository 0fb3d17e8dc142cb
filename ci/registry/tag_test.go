package registry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/pipeline/internal/moto"
	"dagger/pipeline/registry"
)

// minimalManifest is an OCI image manifest small enough for moto to store; its config and layer
// digests need not exist because nothing pulls them.
const minimalManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
	`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},` +
	`"layers":[]}`

func TestResolveTagAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := ecr.NewFromConfig(srv.Config)
	if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("acme/service")}); err != nil {
		t.Fatal(err)
	}
	put, err := client.PutImage(ctx, &ecr.PutImageInput{
		RepositoryName: aws.String("acme/service"), ImageManifest: aws.String(minimalManifest), ImageTag: aws.String("v1.0.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The digest ECR (moto) stored for the push is the one the tag must resolve to.
	want := aws.ToString(put.Image.ImageId.ImageDigest)

	got, err := registry.ResolveTag(ctx, client, "acme/service", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.HasPrefix(got, "sha256:") || len(got) != len("sha256:")+64 {
		t.Errorf("ResolveTag = %q, want %q", got, want)
	}

	for name, c := range map[string]struct{ repo, tag, want string }{
		"missing tag":     {"acme/service", "v9.9.9", `image tag "v9.9.9" not found in ECR repository acme/service`},
		"missing repo":    {"acme/nope", "v1.0.0", "ECR repository acme/nope not found"},
		"not a tag":       {"acme/service", "v1 0", "is not an image tag"},
		"no repository":   {"", "v1.0.0", "no ECR repository name"},
		"digest, not tag": {"acme/service", "sha256:abc", "is not an image tag"},
	} {
		t.Run(name, func(t *testing.T) {
			digest, err := registry.ResolveTag(ctx, client, c.repo, c.tag)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ResolveTag(%q, %q) = %q, %v; want an error containing %q", c.repo, c.tag, digest, err, c.want)
			}
		})
	}
}

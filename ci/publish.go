package main

import (
	"context"
	"fmt"

	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/release"
)

// Publish pushes the runtime image to an OCI registry under tags derived from the commit, never
// typed: sha-<12 hex> always, and vX.Y.Z plus vX.Y when the commit carries a semver tag. No
// moving "latest" tag is pushed. It returns the digest-pinned reference (REGISTRY/REPOSITORY@sha256:…)
// that deploys use.
// +cache="never"
func (m *Pipeline) Publish(
	ctx context.Context,
	// The registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com, ghcr.io or localhost:5000.
	registry string,
	// The repository in that registry, e.g. acme/service.
	repository string,
	// The registry user name; leave empty for a registry that needs no login.
	// +optional
	username string,
	// The registry password or token, e.g. env://REGISTRY_TOKEN.
	// +optional
	password *dagger.Secret,
	// The target CPU architecture (GOARCH).
	// +default="amd64"
	arch string,
) (string, error) {
	if err := release.ValidateRegistry(registry); err != nil {
		return "", err
	}
	if err := release.ValidateRepository(repository); err != nil {
		return "", err
	}
	if (username == "") != (password == nil) {
		return "", fmt.Errorf("publish: --username and --password go together: pass both to log in to %s, or neither for a registry that needs no login", registry)
	}
	facts, err := m.gitFacts(ctx)
	if err != nil {
		return "", err
	}
	if !facts.Info.Tracked() {
		return "", untrackedPublishError("publish")
	}
	return m.publish(ctx, facts, registry, repository, username, password, arch)
}

// publish pushes the image of a tracked checkout under its tags; password may be nil.
func (m *Pipeline) publish(ctx context.Context, facts checkout, registry, repository, username string, password *dagger.Secret, arch string) (string, error) {
	image, err := m.image(facts, arch)
	if err != nil {
		return "", err
	}
	if password != nil {
		image = image.WithRegistryAuth(registry, username, password)
	}
	return publishTags(ctx, image, registry+"/"+repository, facts.Info.Tags())
}

// publishTags pushes image under every tag and returns the one digest they all share, pinned.
func publishTags(ctx context.Context, image *dagger.Container, name string, tags []string) (string, error) {
	var pinned string
	for _, tag := range tags {
		ref, err := image.Publish(ctx, name+":"+tag)
		if err != nil {
			return "", fmt.Errorf("publishing %s:%s: %w", name, tag, err)
		}
		digestRef, err := release.PinnedReference(name, ref)
		if err != nil {
			return "", err
		}
		if pinned != "" && digestRef != pinned {
			return "", fmt.Errorf("publishing %s: tag %s got %s but earlier tags got %s; the image is not reproducible", name, tag, digestRef, pinned)
		}
		pinned = digestRef
	}
	return pinned, nil
}

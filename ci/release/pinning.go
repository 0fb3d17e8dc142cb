package release

import "fmt"

// RequireDigest parses s and accepts it only when it is pinned to sha256:<64 lower-case hex>, so
// that a deploy runs exactly the image that was built and tested, not whatever a tag points to
// now. A tag may accompany the digest (REPOSITORY:TAG@sha256:…); the digest decides.
func RequireDigest(s string) (Reference, error) {
	r, err := ParseReference(s)
	if err != nil {
		return Reference{}, fmt.Errorf("deploy needs a digest-pinned image REPOSITORY@sha256:<64 hex>: %w", err)
	}
	if !r.Pinned() {
		what := "has no digest"
		if r.Digest != "" {
			what = "is pinned to a digest that is not sha256"
		}
		return Reference{}, fmt.Errorf("image %s %s, and a tag can be moved to other content after it was tested; deploy the digest that publish printed: %s@sha256:…", r.String(), what, r.Name())
	}
	return r, nil
}

// PinnedReference turns what a push returned, such as Dagger's Container.Publish result
// "REGISTRY/REPOSITORY:TAG@sha256:…", into the digest-pinned reference "REGISTRY/REPOSITORY@sha256:…"
// that deploys use. repository is the REGISTRY/REPOSITORY that was pushed to; a published
// reference for any other repository is an error, so a digest is never attached to the wrong
// image.
func PinnedReference(repository string, publishedRef string) (string, error) {
	want, err := ParseReference(repository)
	if err != nil {
		return "", fmt.Errorf("pinning the published image: repository: %w", err)
	}
	if want.Tag != "" || want.Digest != "" {
		return "", fmt.Errorf("pinning the published image: repository %s must be REGISTRY/REPOSITORY alone; pass %s", want.String(), want.Name())
	}
	got, err := ParseReference(publishedRef)
	if err != nil {
		return "", fmt.Errorf("pinning the published image: the push returned something that is not an image reference: %w", err)
	}
	if !got.Pinned() {
		return "", fmt.Errorf("pinning the published image: the push returned %s, which has no sha256 digest to pin; check that the registry reports the manifest digest", got.String())
	}
	if got.Name() != want.Name() {
		return "", fmt.Errorf("pinning the published image: the push returned %s, which is in %s, not %s where the image was pushed; check the registry and repository options", got.String(), got.Name(), want.Name())
	}
	return want.WithDigest(got.Digest).String(), nil
}

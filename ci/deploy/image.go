package deploy

import (
	"fmt"
	"regexp"
	"strings"
)

// imageRef is a digest-pinned OCI image reference: REGISTRY/REPO[:TAG]@sha256:<64 hex>.
type imageRef struct {
	Repository string // registry and path, without tag or digest
	Tag        string // optional; informative only, the digest decides what runs
	Digest     string // "sha256:<64 hex>"
}

var (
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	// A path component per the OCI distribution spec; the first component may also be a
	// registry host[:port].
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	hostComponent = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?$`)
	tagPattern    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

const imageFix = "pass the image by digest, as the build published it: REGISTRY/REPO[:TAG]@sha256:<64 hex> " +
	"(e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:…)"

// parseImageRef accepts only digest-pinned references: a tag can move between the deploy and
// the moment ECS pulls, so "what runs" would no longer be what was tested.
func parseImageRef(s string) (imageRef, error) {
	bad := func(why string) error {
		return &InputError{What: fmt.Sprintf("image %q is not a usable reference", s), Why: why, Fix: imageFix}
	}
	if strings.TrimSpace(s) == "" {
		return imageRef{}, &InputError{What: "no image given", Why: "the deploy needs the image to run", Fix: imageFix}
	}
	name, digest, pinned := strings.Cut(s, "@")
	if !pinned {
		return imageRef{}, &InputError{
			What: fmt.Sprintf("image %q is not pinned to a digest", s),
			Why:  "a tag can be moved after the build, so the service might run something that was never tested",
			Fix:  imageFix,
		}
	}
	if !digestPattern.MatchString(digest) {
		return imageRef{}, bad(fmt.Sprintf("digest %q is not sha256: followed by 64 lowercase hex digits", digest))
	}
	repo, tag := name, ""
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		repo, tag = name[:i], name[i+1:]
		if !tagPattern.MatchString(tag) {
			return imageRef{}, bad(fmt.Sprintf("tag %q is not a valid tag", tag))
		}
	}
	parts := strings.Split(repo, "/")
	for i, p := range parts {
		ok := pathComponent.MatchString(p) || (i == 0 && len(parts) > 1 && hostComponent.MatchString(p))
		if !ok {
			return imageRef{}, bad(fmt.Sprintf("repository %q has an invalid component %q", repo, p))
		}
	}
	return imageRef{Repository: repo, Tag: tag, Digest: digest}, nil
}

// sameImage reports whether two references name the same content: same repository and digest
// (a different tag on the same digest is the same image).
func sameImage(a, b string) bool {
	ra, errA := parseImageRef(a)
	rb, errB := parseImageRef(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra.Repository == rb.Repository && ra.Digest == rb.Digest
}

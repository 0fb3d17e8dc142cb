package deploy

import (
	"fmt"
	"strings"

	"dagger/pipeline/release"
	"dagger/pipeline/report"
)

// parseImageRef accepts only digest-pinned references: a tag can move between the deploy and
// the moment ECS pulls, so "what runs" would no longer be what was tested.
func parseImageRef(s string) (release.Reference, error) {
	if strings.TrimSpace(s) == "" {
		return release.Reference{}, &InputError{
			What:   "no image given",
			Why:    "the deploy needs the image to run",
			Fix:    "give the image by digest, as publish printed it: REGISTRY/REPO@sha256:<64 hex>",
			Fields: []report.Field{report.FieldImage},
		}
	}
	ref, err := release.RequireDigest(s)
	if err != nil {
		return release.Reference{}, &InputError{What: fmt.Sprintf("image %q cannot be deployed", s), Why: err.Error(),
			Fields: []report.Field{report.FieldImage}, Err: err}
	}
	return ref, nil
}

// sameImage reports whether two references name the same content: same repository and digest
// (a different tag on the same digest is the same image).
func sameImage(a, b string) bool {
	ra, errA := parseImageRef(a)
	rb, errB := parseImageRef(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra.Name() == rb.Name() && ra.Digest == rb.Digest
}

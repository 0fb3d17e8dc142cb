package release

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/distribution/reference"
)

// maxTagLength is the longest tag the OCI distribution spec allows.
const maxTagLength = 128

// tagPattern is the reference grammar's tag, anchored: the library exports it only for matching
// inside a longer reference.
var tagPattern = regexp.MustCompile(`^(?:` + reference.TagRegexp.String() + `)$`)

// Tags returns the image tags for the release: "sha-<12 hex>" always; "vX.Y.Z" when HEAD carries
// a semver tag; "vX.Y" too when that tag is not a prerelease. Never "latest": deploys pin digests,
// and a tag that moves would hide what is running.
//
// An untracked release has no tags: nothing identifies what it was built from.
//
// Build metadata is kept with "+" turned into "_", since "+" is not allowed in an image tag
// (the convention Helm uses for charts in OCI registries).
func (i Info) Tags() []string {
	if !i.Tracked() {
		return nil
	}
	tags := []string{i.CommitTag()}
	if v := i.Semver; v != nil {
		tags = append(tags, "v"+ociTagVersion(v))
		if v.Prerelease() == "" {
			tags = append(tags, fmt.Sprintf("v%d.%d", v.Major(), v.Minor()))
		}
	}
	return tags
}

// CommitTag is the "sha-<12 hex>" tag every published image of the commit carries, by which an
// environment promoted from another finds the image that one deployed; "" when untracked.
func (i Info) CommitTag() string {
	if !i.Tracked() {
		return ""
	}
	return "sha-" + i.ShortCommit
}

func ociTagVersion(v *semver.Version) string { return strings.ReplaceAll(v.String(), "+", "_") }

// ValidateTag checks that tag is a valid OCI image tag: 1 to 128 of [A-Za-z0-9_.-], not starting
// with "." or "-".
func ValidateTag(tag string) error {
	if tagPattern.MatchString(tag) {
		return nil
	}
	switch {
	case tag == "":
		return fmt.Errorf("image tag is empty; pass a tag such as sha-0123456789ab or v1.2.3")
	case len(tag) > maxTagLength:
		return fmt.Errorf("image tag %s is %d characters long, but the OCI distribution spec allows at most %d; use a shorter tag", quote(tag), len(tag), maxTagLength)
	case tag[0] == '.' || tag[0] == '-':
		return fmt.Errorf("image tag %s starts with %q, which the OCI distribution spec forbids; start it with a letter, digit or underscore", quote(tag), tag[0])
	}
	return fmt.Errorf("image tag %s has characters outside [A-Za-z0-9_.-], which the OCI distribution spec forbids; replace them (e.g. \"+\" with \"_\")", quote(tag))
}

package release

import (
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// versionTag reads a release tag "vX.Y.Z[-PRERELEASE][+BUILD]"; ok is false for any other tag.
// The strict parser is used because the lenient one takes "v2" and "v1.2" for versions, while
// here those are tags that name a release line, not a release.
func versionTag(tag string) (v *semver.Version, ok bool) {
	rest, found := strings.CutPrefix(tag, "v")
	if !found {
		return nil, false
	}
	v, err := semver.StrictNewVersion(rest)
	return v, err == nil
}

// quote renders untrusted input for an error message: quoted, and cut short so that a pasted
// blob (or a whole file) does not flood the terminal.
func quote(s string) string {
	const limit = 100
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}

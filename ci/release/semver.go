package release

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Semver is a semantic version as defined by https://semver.org (2.0.0).
type Semver struct {
	Major, Minor, Patch uint64
	// Prerelease is the dot-separated part after "-" ("rc.1"), "" for a release.
	Prerelease string
	// Build is the dot-separated build metadata after "+", "" when absent. It plays no part in precedence.
	Build string
}

// semverPattern is the regular expression that semver.org publishes, so that "valid" means what
// every other semver tool means by it.
var semverPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// ParseSemver parses a semantic version without a "v" prefix, such as "1.2.3" or "1.2.3-rc.1+build.5".
func ParseSemver(s string) (Semver, error) {
	m := semverPattern.FindStringSubmatch(s)
	if m == nil {
		return Semver{}, fmt.Errorf("invalid semantic version %s: want MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] without leading zeros (semver.org), e.g. 1.2.3 or 1.2.3-rc.1", quote(s))
	}
	var nums [3]uint64
	for i := range nums {
		n, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil {
			return Semver{}, fmt.Errorf("invalid semantic version %s: %s does not fit in 64 bits; use a smaller number", quote(s), m[i+1])
		}
		nums[i] = n
	}
	return Semver{Major: nums[0], Minor: nums[1], Patch: nums[2], Prerelease: m[4], Build: m[5]}, nil
}

// parseVersionTag parses a git tag "vX.Y.Z[-PRERELEASE][+BUILD]"; ok is false for any other tag.
func parseVersionTag(tag string) (v Semver, ok bool) {
	rest, found := strings.CutPrefix(tag, "v")
	if !found {
		return Semver{}, false
	}
	v, err := ParseSemver(rest)
	return v, err == nil
}

// String returns the version without a "v" prefix, e.g. "1.2.3-rc.1".
func (v Semver) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Prerelease != "" {
		s += "-" + v.Prerelease
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// IsPrerelease reports whether v is a prerelease such as 1.2.3-rc.1.
func (v Semver) IsPrerelease() bool { return v.Prerelease != "" }

// Compare returns -1, 0 or +1 as v has lower, equal or higher precedence than w under semver.org
// rule 11. Build metadata is ignored, so 1.2.3+a and 1.2.3+b compare equal.
func (v Semver) Compare(w Semver) int {
	for _, c := range [...][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if c[0] != c[1] {
			if c[0] < c[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Prerelease == w.Prerelease:
		return 0
	case v.Prerelease == "":
		return 1 // a release outranks its prereleases
	case w.Prerelease == "":
		return -1
	}
	a, b := strings.Split(v.Prerelease, "."), strings.Split(w.Prerelease, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareIdentifier(a[i], b[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// compareIdentifier orders two prerelease identifiers: numbers numerically and below words,
// words in ASCII order.
func compareIdentifier(a, b string) int {
	an, bn := isDigits(a), isDigits(b)
	switch {
	case an && bn:
		// Valid numeric identifiers have no leading zeros, so the longer one is larger; this
		// also works for numbers too big for any integer type.
		if len(a) != len(b) {
			if len(a) < len(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
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

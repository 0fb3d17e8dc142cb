package release

import (
	"slices"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// The cases of the former hand-written ParseSemver, now read as release tags: the library must
// accept exactly what semver.org calls valid, and read the same parts.
func TestVersionTag(t *testing.T) {
	type parts struct {
		major, minor, patch uint64
		pre, build          string
	}
	valid := []struct {
		in   string
		want parts
	}{
		{"0.0.0", parts{}},
		{"1.2.3", parts{major: 1, minor: 2, patch: 3}},
		{"10.20.30", parts{major: 10, minor: 20, patch: 30}},
		{"1.2.3-rc.1", parts{major: 1, minor: 2, patch: 3, pre: "rc.1"}},
		{"1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", parts{major: 1, pre: "alpha-a.b-c-somethinglong", build: "build.1-aef.1-its-okay"}},
		{"1.0.0+0123", parts{major: 1, build: "0123"}},
		{"1.0.0-0a.1", parts{major: 1, pre: "0a.1"}},
		{"18446744073709551615.0.0", parts{major: 18446744073709551615}},
	}
	for _, tc := range valid {
		tag := "v" + tc.in
		v, ok := versionTag(tag)
		if !ok {
			t.Errorf("versionTag(%q) is not a release tag, want %+v", tag, tc.want)
			continue
		}
		if got := (parts{v.Major(), v.Minor(), v.Patch(), v.Prerelease(), v.Metadata()}); got != tc.want {
			t.Errorf("versionTag(%q) = %+v, want %+v", tag, got, tc.want)
		}
		if v.String() != tc.in {
			t.Errorf("versionTag(%q).String() = %q, want %q", tag, v.String(), tc.in)
		}
	}
	invalid := []string{
		"", "1", "1.2", "v1.2.3", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-01",
		"1.2.3-rc..1", "1.2.3-rc_1", "1.2.3 ", " 1.2.3", "1.2.3.4", "18446744073709551616.0.0", "1.2.3-rc.1+b+c",
	}
	for _, in := range invalid {
		if v, ok := versionTag("v" + in); ok {
			t.Errorf("versionTag(%q) = %s, want it not to be a release tag", "v"+in, v)
		}
	}
	// A release tag has its "v": the bare version and other prefixes are other tags.
	for _, tag := range []string{"1.2.3", "V1.2.3", "release-1.2.3"} {
		if _, ok := versionTag(tag); ok {
			t.Errorf("versionTag(%q) is a release tag, want not", tag)
		}
	}
}

// The precedence chain from semver.org rule 11, plus numeric edge cases, in ascending order: of
// any two tags, the later one is the release.
func TestHighestVersionTagPrecedence(t *testing.T) {
	ascending := []string{
		"0.9.99", "1.0.0-0", "1.0.0-2", "1.0.0-10", "1.0.0-99999999999999999999999",
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0",
	}
	for i, a := range ascending {
		for j, b := range ascending {
			want := ascending[max(i, j)]
			got := highestVersionTag([]string{"v" + a, "v" + b})
			if got == nil || got.String() != want {
				t.Errorf("highestVersionTag(v%s, v%s) = %v, want %s", a, b, got, want)
			}
		}
	}
	for _, tags := range [][]string{{"v1.2.3+a", "v1.2.3+b"}, {"v1.2.3+b", "v1.2.3+a"}} {
		if got := highestVersionTag(tags); got == nil || got.String() != "1.2.3+a" {
			t.Errorf("highestVersionTag(%q) = %v; versions differing only in build metadata must tie, broken by text", tags, got)
		}
	}
	if got := highestVersionTag([]string{"deployed", "v2", "v1.2", "latest"}); got != nil {
		t.Errorf("highestVersionTag of non-release tags = %s, want nil", got)
	}
}

func FuzzVersionTag(f *testing.F) {
	for _, seed := range []string{"v1.2.3", "v1.2.3-rc.1", "v1.0.0-alpha+001", "v01.2.3", "v1.2.3-01", "", "v", "v99999999999999999999.0.0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		v, ok := versionTag(tag)
		if !ok {
			return
		}
		if "v"+v.String() != tag {
			t.Fatalf("versionTag(%q).String() = %q, want the tag back without its v", tag, v.String())
		}
		if v.Compare(v) != 0 {
			t.Fatalf("%q does not compare equal to itself", tag)
		}
		info := Info{ShortCommit: testShort, Commit: testCommit, Semver: v}
		if tags := info.Tags(); !slices.Contains(tags, "v"+ociTagVersion(v)) {
			t.Fatalf("Tags() = %q misses the version tag of %q", tags, tag)
		}
	})
}

func mustSemver(t *testing.T, s string) *semver.Version {
	t.Helper()
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		t.Fatalf("%q is not a strict semantic version: %v", s, err)
	}
	return v
}

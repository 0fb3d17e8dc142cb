package release

import (
	"strings"
	"testing"
)

func TestParseSemver(t *testing.T) {
	valid := []struct {
		in   string
		want Semver
	}{
		{"0.0.0", Semver{}},
		{"1.2.3", Semver{Major: 1, Minor: 2, Patch: 3}},
		{"10.20.30", Semver{Major: 10, Minor: 20, Patch: 30}},
		{"1.2.3-rc.1", Semver{Major: 1, Minor: 2, Patch: 3, Prerelease: "rc.1"}},
		{"1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay", Semver{Major: 1, Prerelease: "alpha-a.b-c-somethinglong", Build: "build.1-aef.1-its-okay"}},
		{"1.0.0+0123", Semver{Major: 1, Build: "0123"}},
		{"1.0.0-0a.1", Semver{Major: 1, Prerelease: "0a.1"}},
		{"18446744073709551615.0.0", Semver{Major: 18446744073709551615}},
	}
	for _, tc := range valid {
		got, err := ParseSemver(tc.in)
		if err != nil {
			t.Errorf("ParseSemver(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseSemver(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("ParseSemver(%q).String() = %q, want the input back", tc.in, got.String())
		}
	}
	invalid := []string{
		"", "1", "1.2", "v1.2.3", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3+", "1.2.3-01",
		"1.2.3-rc..1", "1.2.3-rc_1", "1.2.3 ", " 1.2.3", "1.2.3.4", "18446744073709551616.0.0", "1.2.3-rc.1+b+c",
	}
	for _, in := range invalid {
		_, err := ParseSemver(in)
		if err == nil {
			t.Errorf("ParseSemver(%q) succeeded, want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), "semantic version") {
			t.Errorf("ParseSemver(%q) error %q does not say what is wrong", in, err)
		}
	}
}

func TestSemverCompare(t *testing.T) {
	// The precedence chain from semver.org rule 11, plus numeric edge cases, in ascending order.
	ascending := []string{
		"0.9.99", "1.0.0-0", "1.0.0-2", "1.0.0-10", "1.0.0-99999999999999999999999",
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0",
	}
	for i, a := range ascending {
		for j, b := range ascending {
			va, vb := mustSemver(t, a), mustSemver(t, b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := va.Compare(vb); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
		}
	}
	if c := mustSemver(t, "1.2.3+a").Compare(mustSemver(t, "1.2.3+b")); c != 0 {
		t.Errorf("versions differing only in build metadata compare %d, want 0", c)
	}
}

func TestSemverIsPrerelease(t *testing.T) {
	for in, want := range map[string]bool{"1.2.3": false, "1.2.3+build": false, "1.2.3-rc.1": true, "0.0.0-dev+abc": true} {
		if got := mustSemver(t, in).IsPrerelease(); got != want {
			t.Errorf("%s.IsPrerelease() = %v, want %v", in, got, want)
		}
	}
}

func FuzzParseSemver(f *testing.F) {
	for _, seed := range []string{"1.2.3", "1.2.3-rc.1", "1.0.0-alpha+001", "01.2.3", "1.2.3-01", "", "99999999999999999999.0.0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSemver(s)
		if err != nil {
			return
		}
		if v.String() != s {
			t.Fatalf("ParseSemver(%q).String() = %q, want the input back", s, v.String())
		}
		if v.Compare(v) != 0 {
			t.Fatalf("%q does not compare equal to itself", s)
		}
	})
}

func mustSemver(t *testing.T, s string) Semver {
	t.Helper()
	v, err := ParseSemver(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

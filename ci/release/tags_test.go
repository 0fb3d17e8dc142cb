package release

import (
	"slices"
	"strings"
	"testing"
)

func TestInfoTags(t *testing.T) {
	tests := []struct {
		tagsAtHead []string
		describe   string
		want       []string
	}{
		{nil, "0123456", []string{"sha-" + testShort}},
		{nil, "v1.2.3-4-g0123456", []string{"sha-" + testShort}},
		{[]string{"v1.2.3"}, "", []string{"sha-" + testShort, "v1.2.3", "v1.2"}},
		{[]string{"v0.1.0"}, "", []string{"sha-" + testShort, "v0.1.0", "v0.1"}},
		{[]string{"v1.2.3-rc.1"}, "", []string{"sha-" + testShort, "v1.2.3-rc.1"}},
		{[]string{"v1.2.3+linux.amd64"}, "", []string{"sha-" + testShort, "v1.2.3_linux.amd64", "v1.2"}},
		// Build metadata does not make a pre-release; "-" after the patch does.
		{[]string{"v1.2.3+build"}, "", []string{"sha-" + testShort, "v1.2.3_build", "v1.2"}},
		{[]string{"v0.0.0-dev+abc"}, "", []string{"sha-" + testShort, "v0.0.0-dev_abc"}},
		{[]string{"latest", "v2.0.0"}, "", []string{"sha-" + testShort, "v2.0.0", "v2.0"}},
	}
	for _, tc := range tests {
		info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, Describe: tc.describe, TagsAtHead: tc.tagsAtHead})
		if err != nil {
			t.Fatal(err)
		}
		got := info.Tags()
		if !slices.Equal(got, tc.want) {
			t.Errorf("tags at HEAD %q: Tags() = %q, want %q", tc.tagsAtHead, got, tc.want)
		}
		for _, tag := range got {
			if err := ValidateTag(tag); err != nil {
				t.Errorf("Tags() gave an invalid OCI tag: %v", err)
			}
			if strings.EqualFold(tag, "latest") {
				t.Errorf("Tags() = %q contains latest", got)
			}
		}
	}
}

func TestValidateTag(t *testing.T) {
	for _, tag := range []string{"v1.2.3", "sha-0123456789ab", "_x", "A", "1.2.3-rc.1", strings.Repeat("a", 128)} {
		if err := ValidateTag(tag); err != nil {
			t.Errorf("ValidateTag(%q): %v", tag, err)
		}
	}
	for tag, want := range map[string]string{
		"":                       "empty",
		strings.Repeat("a", 129): "at most 128",
		".hidden":                "starts with",
		"-flag":                  "starts with",
		"v1.2.3+build":           `"+" with "_"`,
		"a b":                    "characters outside",
		"tag/with/slash":         "characters outside",
	} {
		err := ValidateTag(tag)
		if err == nil {
			t.Errorf("ValidateTag(%q) succeeded, want an error", tag)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateTag(%q) = %q, want it to mention %q", tag, err, want)
		}
	}
}

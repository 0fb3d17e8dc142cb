package release

import (
	"maps"
	"testing"
	"time"
)

func TestInfoLabels(t *testing.T) {
	info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, TagsAtHead: []string{"v1.2.3"}})
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"org.opencontainers.image.revision": testCommit,
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.created":  "2024-05-01T12:30:00Z",
	}
	withSource := maps.Clone(base)
	withSource["org.opencontainers.image.source"] = "https://github.com/acme/service"
	for source, want := range map[string]map[string]string{
		"":                                  base,
		"  ":                                base,
		"https://github.com/acme/service":   withSource,
		"https://github.com/acme/service\n": withSource,
	} {
		got := info.Labels(source)
		if !maps.Equal(got, want) {
			t.Errorf("Labels(%q) = %v, want %v", source, got, want)
		}
		created, err := time.Parse(time.RFC3339, got[LabelCreated])
		if err != nil || !created.Equal(info.Created) {
			t.Errorf("created label %q does not read back as %v: %v", got[LabelCreated], info.Created, err)
		}
	}
}

package release

import (
	"maps"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func TestUntrackedBuildsButCannotBePublished(t *testing.T) {
	info := Untracked()
	if info.Tracked() {
		t.Fatal("Untracked().Tracked() = true")
	}
	if got := info.Tags(); len(got) != 0 {
		t.Errorf("Tags() = %v, want none: an image from an unknown commit must not be published", got)
	}
	if got, want := info.LDFlags(), "-s -w -X main.version=0.0.0-dev -X main.buildTime=1970-01-01T00:00:00Z"; got != want {
		t.Errorf("LDFlags() = %q, want %q (no commit flag: the binary keeps its own \"unknown\")", got, want)
	}
	want := map[string]string{LabelVersion: "0.0.0-dev", LabelCreated: "1970-01-01T00:00:00Z"}
	if got := info.Labels(""); !maps.Equal(got, want) {
		t.Errorf("Labels() = %v, want %v", got, want)
	}
	if _, err := semver.StrictNewVersion(info.Version); err != nil {
		t.Errorf("UntrackedVersion %q is not SemVer: %v", info.Version, err)
	}
}

func TestResolvedReleaseIsTracked(t *testing.T) {
	info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime})
	if err != nil {
		t.Fatal(err)
	}
	if !info.Tracked() || len(info.Tags()) == 0 {
		t.Errorf("a resolved release must be tracked and tagged, got Tracked()=%v Tags()=%v", info.Tracked(), info.Tags())
	}
}

package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
)

const (
	testCommit = "0123456789abcdef0123456789abcdef01234567"
	testShort  = "0123456789ab"
	testTime   = "2024-05-01T14:30:00+02:00"
)

func TestResolveVersion(t *testing.T) {
	tests := []struct {
		name        string
		describe    string
		tagsAtHead  []string
		wantVersion string
		wantSemver  string // "" when Semver must be nil
	}{
		{"no v* tag reachable", "0123456", nil, "0.0.0-dev+" + testShort, ""},
		{"no describe at all", "", nil, "0.0.0-dev+" + testShort, ""},
		{"tag at HEAD", "v1.2.3", []string{"v1.2.3"}, "1.2.3", "1.2.3"},
		{"prerelease tag at HEAD", "v1.2.3-rc.1", []string{"v1.2.3-rc.1"}, "1.2.3-rc.1", "1.2.3-rc.1"},
		{"highest of several", "v1.2.3-rc.1", []string{"v1.2.3-rc.1", "v1.10.0", "v1.9.9", "deployed"}, "1.10.0", "1.10.0"},
		{"release beats its prerelease", "v2.0.0", []string{"v2.0.0", "v2.0.0-rc.2"}, "2.0.0", "2.0.0"},
		{"whole tag output in one element", "v1.2.3", []string{"deployed\nv1.2.3\nv1.2.4\n"}, "1.2.4", "1.2.4"},
		{"tags padded with whitespace", "", []string{"  v3.0.0 \r\n"}, "3.0.0", "3.0.0"},
		{"build metadata ties broken by text", "", []string{"v1.0.0+b", "v1.0.0+a"}, "1.0.0+a", "1.0.0+a"},
		{"exact describe without tag list", "v1.4.0", nil, "1.4.0", "1.4.0"},
		{"non-semver tags are not releases", "vnext", []string{"vnext", "v1.2", "1.2.3", "release-1"}, "0.0.0-dev+" + testShort, ""},
		{"commits after a release", "v1.2.3-4-g0123456789", nil, "1.2.4-dev.4+" + testShort, ""},
		{"commits after a prerelease", "v1.3.0-rc.1-2-g0123456", nil, "1.3.0-rc.1.dev.2+" + testShort, ""},
		{"commits after a release with build metadata", "v1.2.3+linux-7-g0123456", nil, "1.2.4-dev.7+" + testShort, ""},
		{"commits after a non-semver tag", "vnext-3-g0123456", nil, "0.0.0-dev+" + testShort, ""},
		{"patch cannot be bumped", "v1.2.18446744073709551615-1-g0123456", nil, "0.0.0-dev+" + testShort, ""},
		{"commit count does not fit", "v1.2.3-99999999999999999999-g0123456", nil, "0.0.0-dev+" + testShort, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, Describe: tc.describe, TagsAtHead: tc.tagsAtHead})
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if info.Version != tc.wantVersion {
				t.Errorf("Version = %q, want %q", info.Version, tc.wantVersion)
			}
			if _, err := semver.StrictNewVersion(info.Version); err != nil {
				t.Errorf("Version %q is not valid semver: %v", info.Version, err)
			}
			switch {
			case tc.wantSemver == "" && info.Semver != nil:
				t.Errorf("Semver = %v, want nil", info.Semver)
			case tc.wantSemver != "" && info.Semver == nil:
				t.Errorf("Semver = nil, want %s", tc.wantSemver)
			case tc.wantSemver != "" && info.Semver.String() != tc.wantSemver:
				t.Errorf("Semver = %s, want %s", info.Semver, tc.wantSemver)
			}
		})
	}
}

// The derived version of an untagged commit must sort between the last tag and the next release,
// so that "newer" keeps meaning newer.
func TestResolveUntaggedVersionOrder(t *testing.T) {
	for _, tc := range []struct{ describe, after, before string }{
		{"v1.2.3-4-g0123456", "1.2.3", "1.2.4"},
		{"v1.3.0-rc.1-2-g0123456", "1.3.0-rc.1", "1.3.0-rc.2"},
		{"v1.3.0-rc.1-2-g0123456", "1.3.0-rc.1", "1.3.0"},
	} {
		info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, Describe: tc.describe})
		if err != nil {
			t.Fatal(err)
		}
		v := mustSemver(t, info.Version)
		if v.Compare(mustSemver(t, tc.after)) <= 0 || v.Compare(mustSemver(t, tc.before)) >= 0 {
			t.Errorf("describe %q gave %s, want it after %s and before %s", tc.describe, v, tc.after, tc.before)
		}
	}
}

func TestResolveCommitAndTime(t *testing.T) {
	info, err := Resolve(GitFacts{Commit: "  " + testCommit + "\n", CommitTime: testTime + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Commit != testCommit || info.ShortCommit != testShort {
		t.Errorf("Commit, ShortCommit = %q, %q; want %q, %q", info.Commit, info.ShortCommit, testCommit, testShort)
	}
	want := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	if !info.Created.Equal(want) || info.Created.Location() != time.UTC {
		t.Errorf("Created = %v, want %v in UTC", info.Created, want)
	}
}

func TestResolveErrors(t *testing.T) {
	long := strings.Repeat("v1.0.0-", 1) + strings.Repeat("a", 130)
	tests := []struct {
		name  string
		facts GitFacts
		want  []string // substrings the error must contain: what, why, what to do
	}{
		{"no commit", GitFacts{CommitTime: testTime}, []string{"no git metadata", "empty", "run from a git checkout or pass --git"}},
		{"whitespace commit", GitFacts{Commit: " \n", CommitTime: testTime}, []string{"no git metadata", "run from a git checkout"}},
		{"git error text", GitFacts{Commit: "fatal: not a git repository (or any of the parent directories): .git", CommitTime: testTime}, []string{"no git metadata", "fatal: not a git repository", "40-character", "pass --git"}},
		{"short commit", GitFacts{Commit: testShort, CommitTime: testTime}, []string{"40-character", testShort}},
		{"upper-case commit", GitFacts{Commit: strings.ToUpper(testCommit), CommitTime: testTime}, []string{"upper-case", "git rev-parse HEAD"}},
		{"sha-256 repository", GitFacts{Commit: testCommit + testCommit[:24], CommitTime: testTime}, []string{"SHA-256", "not support"}},
		{"no commit time", GitFacts{Commit: testCommit}, []string{"commit time is empty", "reproducible", "%cI"}},
		{"commit time from %ci", GitFacts{Commit: testCommit, CommitTime: "2024-05-01 14:30:00 +0200"}, []string{"not RFC 3339", "2024-05-01 14:30:00 +0200", "%cI"}},
		{"describe of another commit", GitFacts{Commit: testCommit, CommitTime: testTime, Describe: "v1.2.3-4-gfedcba9"}, []string{"disagree", "fedcba9", testCommit, "same checkout"}},
		{"bare hash of another commit", GitFacts{Commit: testCommit, CommitTime: testTime, Describe: "fedcba9"}, []string{"disagree", "fedcba9"}},
		{"version too long for a tag", GitFacts{Commit: testCommit, CommitTime: testTime, TagsAtHead: []string{long}}, []string{"at most 128", "shorter version"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Resolve(tc.facts)
			if err == nil {
				t.Fatal("Resolve succeeded, want an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func FuzzResolve(f *testing.F) {
	f.Add(testCommit, testTime, "v1.2.3-4-g0123456", "v1.2.3")
	f.Add(testCommit, testTime, "0123456", "")
	f.Add(testCommit, testTime, "v1.3.0-rc.1-2-g0123456", "v1.3.0-rc.1 v1.3.0-rc.2 vnext")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, commit, commitTime, describe, tags string) {
		info, err := Resolve(GitFacts{Commit: commit, CommitTime: commitTime, Describe: describe, TagsAtHead: []string{tags}})
		if err != nil {
			return
		}
		if _, err := semver.StrictNewVersion(info.Version); err != nil {
			t.Fatalf("Version %q is not semver: %v", info.Version, err)
		}
		for _, tag := range info.Tags() {
			if err := ValidateTag(tag); err != nil {
				t.Fatalf("Tags() gave an invalid tag: %v", err)
			}
		}
		if got := strings.Fields(info.LDFlags()); len(got) != 8 {
			t.Fatalf("LDFlags() = %q splits into %d words, want 8", info.LDFlags(), len(got))
		}
	})
}

// TestResolveRealGit runs the git commands that the pipeline runs, in a real repository, and
// feeds their outputs to Resolve.
func TestResolveRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git not found on PATH; install git to run the release tests")
	}
	dir := t.TempDir()
	commitTime := "2024-05-01T14:30:00+02:00"
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=Release Test", "-c", "user.email=release@example.com", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_DATE="+commitTime, "GIT_COMMITTER_DATE="+commitTime)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	commit := func(msg string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		git("add", "file.txt")
		git("commit", "-q", "-m", msg)
	}
	facts := func() GitFacts {
		t.Helper()
		return GitFacts{
			Commit:     git("rev-parse", "HEAD"),
			CommitTime: git("log", "-1", "--format=%cI"),
			Describe:   git("describe", "--tags", "--always", "--match", "v*"),
			TagsAtHead: []string{git("tag", "--points-at", "HEAD")},
		}
	}
	resolve := func() Info {
		t.Helper()
		info, err := Resolve(facts())
		if err != nil {
			t.Fatal(err)
		}
		head := strings.TrimSpace(git("rev-parse", "HEAD"))
		if info.Commit != head || info.ShortCommit != head[:12] {
			t.Errorf("Commit, ShortCommit = %s, %s; want %s", info.Commit, info.ShortCommit, head)
		}
		if want := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC); !info.Created.Equal(want) {
			t.Errorf("Created = %v, want the commit time %v", info.Created, want)
		}
		return info
	}

	git("init", "-q", "-b", "main")
	commit("first")
	info := resolve()
	if want := "0.0.0-dev+" + info.ShortCommit; info.Version != want || info.Semver != nil {
		t.Errorf("untagged repository: Version, Semver = %q, %v; want %q, nil", info.Version, info.Semver, want)
	}

	git("tag", "-a", "-m", "release", "v1.2.3")
	git("tag", "v1.2.3-rc.1")
	git("tag", "deployed")
	info = resolve()
	if info.Version != "1.2.3" || info.Semver == nil || info.Semver.String() != "1.2.3" {
		t.Errorf("tagged HEAD: Version, Semver = %q, %v; want 1.2.3", info.Version, info.Semver)
	}
	if got, want := strings.Join(info.Tags(), ","), "sha-"+info.ShortCommit+",v1.2.3,v1.2"; got != want {
		t.Errorf("tagged HEAD: Tags() = %s, want %s", got, want)
	}

	commit("second")
	commit("third")
	info = resolve()
	if want := "1.2.4-dev.2+" + info.ShortCommit; info.Version != want || info.Semver != nil {
		t.Errorf("two commits after v1.2.3: Version, Semver = %q, %v; want %q, nil", info.Version, info.Semver, want)
	}
	if got := info.Tags(); len(got) != 1 || got[0] != "sha-"+info.ShortCommit {
		t.Errorf("untagged HEAD: Tags() = %v, want only sha-%s", got, info.ShortCommit)
	}
	if again := resolve(); again != info {
		t.Errorf("resolving the same commit twice gave %+v and %+v", info, again)
	}
}

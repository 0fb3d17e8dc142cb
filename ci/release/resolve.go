package release

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
)

// GitFacts are the raw outputs of the git commands the pipeline runs in the checkout. Surrounding
// whitespace is ignored, so outputs can be passed as they come.
type GitFacts struct {
	// Commit is the output of `git rev-parse HEAD`.
	Commit string
	// CommitTime is the output of `git log -1 --format=%cI` (strict ISO 8601, which is RFC 3339).
	CommitTime string
	// Describe is the output of `git describe --tags --always --match 'v*'` (without --dirty).
	Describe string
	// TagsAtHead holds the lines of `git tag --points-at HEAD`. An element may also hold several
	// whitespace-separated tags, so the whole output can be passed as one element.
	TagsAtHead []string
}

// Info is everything about a release that follows from the commit.
type Info struct {
	// Commit is the full 40-hex commit hash.
	Commit string
	// ShortCommit is the first 12 hex of Commit: long enough to stay unique in large repositories.
	ShortCommit string
	// Created is the commit time in UTC. Builds stamp this, not the current time, so that
	// rebuilding a commit yields the same binary and image.
	Created time.Time
	// Version is the SemVer 2.0.0 version without "v" (see the package doc for untagged commits).
	Version string
	// Semver is the version tag at HEAD, nil when HEAD carries no semver tag.
	Semver *semver.Version
}

// shortCommitLength is the length of ShortCommit and of the "sha-" image tag.
const shortCommitLength = 12

var (
	commitPattern       = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256CommitPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// describePattern matches "<tag>-<commits since tag>-g<abbreviated hash>".
	describePattern = regexp.MustCompile(`^(.+)-([0-9]+)-g([0-9a-f]{4,40})$`)
	hexPattern      = regexp.MustCompile(`^[0-9a-f]{4,40}$`)
)

// Resolve validates the git facts and derives the release Info from them.
func Resolve(f GitFacts) (Info, error) {
	commit := strings.TrimSpace(f.Commit)
	if err := validateCommit(commit); err != nil {
		return Info{}, err
	}
	created, err := parseCommitTime(strings.TrimSpace(f.CommitTime))
	if err != nil {
		return Info{}, err
	}
	info := Info{Commit: commit, ShortCommit: commit[:shortCommitLength], Created: created}

	describe := strings.TrimSpace(f.Describe)
	var tags []string
	for _, line := range f.TagsAtHead {
		tags = append(tags, strings.Fields(line)...)
	}
	m := describePattern.FindStringSubmatch(describe)
	switch {
	case m != nil:
		if err := checkSameCommit(commit, m[3], describe); err != nil {
			return Info{}, err
		}
	case hexPattern.MatchString(describe):
		// --always printed the abbreviated hash: no v* tag is reachable.
		if err := checkSameCommit(commit, describe, describe); err != nil {
			return Info{}, err
		}
	case describe != "":
		// An exact match: describe printed the tag at HEAD itself.
		tags = append(tags, describe)
	}

	if v := highestVersionTag(tags); v != nil {
		if tag := "v" + ociTagVersion(v); len(tag) > maxTagLength {
			return Info{}, fmt.Errorf("version tag %s is %d characters long, but an image tag holds at most %d; tag the commit with a shorter version", quote(tag), len(tag), maxTagLength)
		}
		info.Semver = v
		info.Version = v.String()
		return info, nil
	}
	info.Version = untaggedVersion(m, info.ShortCommit)
	return info, nil
}

func validateCommit(commit string) error {
	const hint = "run from a git checkout or pass --git"
	switch {
	case commit == "":
		return errors.New("no git metadata: the commit hash is empty, and the version, image tags and labels all derive from it; " + hint)
	case commitPattern.MatchString(commit):
		return nil
	case commitPattern.MatchString(strings.ToLower(commit)):
		return fmt.Errorf("commit %s has upper-case hex, but git prints lower case and image tags must match what git shows; pass the output of `git rev-parse HEAD` unchanged", quote(commit))
	case sha256CommitPattern.MatchString(commit):
		return fmt.Errorf("commit %s is a SHA-256 object name, which this pipeline does not support; use a SHA-1 repository", quote(commit))
	}
	return fmt.Errorf("no git metadata: commit %s is not the 40-character lower-case hex that `git rev-parse HEAD` prints; %s", quote(commit), hint)
}

func parseCommitTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("the commit time is empty, but builds stamp it instead of the clock to be reproducible; pass the output of `git log -1 --format=%cI`")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time %s is not RFC 3339 (e.g. 2024-05-01T12:00:00+02:00); pass the output of `git log -1 --format=%%cI`, not %%ci or %%cd", quote(s))
	}
	return t.UTC(), nil
}

// checkSameCommit guards against facts gathered from different checkouts (or a stale cache),
// which would stamp one commit's version on another commit's image.
func checkSameCommit(commit, abbreviated, describe string) error {
	if strings.HasPrefix(commit, abbreviated) {
		return nil
	}
	return fmt.Errorf("git facts disagree: `git describe` printed %s, which names commit %s, but HEAD is %s; gather all git facts from the same checkout", quote(describe), abbreviated, commit)
}

// highestVersionTag returns the semver tag of highest precedence, nil when there is none; tags
// that are not semver (e.g. "deployed", "v2") are not release tags and are ignored.
func highestVersionTag(tags []string) *semver.Version {
	var best *semver.Version
	for _, tag := range tags {
		v, ok := versionTag(tag)
		if !ok {
			continue
		}
		if best == nil || outranks(v, best) {
			best = v
		}
	}
	return best
}

// outranks reports whether v has higher precedence than w. Between versions that differ only in
// build metadata, the lower text wins, so that the choice does not depend on the order git
// listed the tags in.
func outranks(v, w *semver.Version) bool {
	c := v.Compare(w)
	return c > 0 || (c == 0 && v.String() < w.String())
}

// untaggedVersion derives a SemVer 2.0.0 version for a commit without a version tag from the
// match of describePattern (nil when describe found no tag).
func untaggedVersion(describe []string, short string) string {
	fallback := "0.0.0-dev+" + short
	if describe == nil {
		return fallback
	}
	base, ok := versionTag(describe[1])
	if !ok {
		return fallback
	}
	commits, err := strconv.ParseUint(describe[2], 10, 64)
	if err != nil {
		return fallback
	}
	dev := "dev." + strconv.FormatUint(commits, 10)
	var next semver.Version
	if pre := base.Prerelease(); pre != "" {
		// 1.3.0-rc.1.dev.2 sorts after 1.3.0-rc.1 and before 1.3.0.
		next, err = base.SetPrerelease(pre + "." + dev)
	} else {
		if base.Patch() == math.MaxUint64 {
			return fallback
		}
		// 1.2.4-dev.4 sorts after 1.2.3 (a prerelease of 1.2.3 would sort before it).
		next, err = base.IncPatch().SetPrerelease(dev)
	}
	if err == nil {
		next, err = next.SetMetadata(short)
	}
	if err != nil {
		return fallback
	}
	return next.String()
}

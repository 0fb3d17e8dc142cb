package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"dagger/pipeline/release"
)

// The git commands whose outputs release.Resolve reads, separated by a marker that git never prints.
const gitFactsScript = `set -e
g() { git -c safe.directory='*' --git-dir=/repo/.git "$@"; }
g rev-parse HEAD
echo '--8<--'
g log -1 --format=%cI
echo '--8<--'
g describe --tags --always --match 'v*'
echo '--8<--'
g tag --points-at HEAD
echo '--8<--'
g config --get remote.origin.url || true
`

// checkout is what the pipeline knows of the commit it builds.
type checkout struct {
	Info release.Info
	// The public URL of the repository, for the image's source label ("" when unknown).
	SourceURL string
}

// untrackedNote says why a build from a tree without .git is versioned as it is.
const untrackedNote = "note: the source has no .git directory (a source archive, or CodePipeline's default zip " +
	"source), so nothing tells which commit it is: building as version " + release.UntrackedVersion +
	", with no image tags. Run from a git checkout (in CodePipeline, a source action with full clone) to version and publish it.\n"

// gitFacts reads the commit, its time, its version tags and the repository URL from .git. A tree
// without .git gets the untracked release, and a note on stderr that says why.
func (m *Pipeline) gitFacts(ctx context.Context) (checkout, error) {
	tracked := false
	if m.Git != nil {
		var err error
		if tracked, err = m.Git.Exists(ctx, ".git"); err != nil {
			return checkout{}, fmt.Errorf("looking for .git: %w", err)
		}
	}
	if !tracked {
		fmt.Fprint(os.Stderr, untrackedNote)
		return checkout{Info: release.Untracked()}, nil
	}
	out, err := m.goContainer().
		WithMountedDirectory("/repo", m.Git).
		WithExec([]string{"sh", "-c", gitFactsScript}).
		Stdout(ctx)
	if err != nil {
		return checkout{}, fmt.Errorf("reading git metadata: %w", err)
	}
	parts := strings.Split(out, "--8<--")
	if len(parts) != 5 {
		return checkout{}, fmt.Errorf("reading git metadata: unexpected output %q", out)
	}
	info, err := release.Resolve(release.GitFacts{
		Commit:     strings.TrimSpace(parts[0]),
		CommitTime: strings.TrimSpace(parts[1]),
		Describe:   strings.TrimSpace(parts[2]),
		TagsAtHead: strings.Fields(parts[3]),
	})
	if err != nil {
		return checkout{}, err
	}
	return checkout{Info: info, SourceURL: release.SourceURL(strings.TrimSpace(parts[4]))}, nil
}

// untrackedPublishError is why an untracked tree is never published: its image could not be traced
// back to a commit, and its tags would have nothing to derive from.
func untrackedPublishError(what string) error {
	return untrackedError(what, "image tags and the deployed version are derived from git")
}

// untrackedPromoteError is why an environment promoted from another cannot deploy an untracked
// tree: the image it takes is found by the commit's tag, and there is no commit.
func untrackedPromoteError(env, from string) error {
	return untrackedError(fmt.Sprintf("a deploy to %s, which is promoted from %s,", env, from),
		fmt.Sprintf("it deploys the image %s deployed for the commit, found by its sha-<12 hex> tag", from))
}

func untrackedError(what, why string) error {
	return fmt.Errorf("%s needs the commit: %s, and this "+
		"source has no .git directory (a source archive, or CodePipeline's default zip source); run from a git "+
		"checkout (in CodePipeline, set the source action's output to a full clone), or deploy an image that "+
		"is already published with --image=REPO@sha256:…", what, why)
}

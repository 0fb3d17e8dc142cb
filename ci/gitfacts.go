package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/pipeline/release"
)

// The git commands whose outputs release.Resolve reads, separated by a marker that git never prints.
const gitFactsScript = `set -e
g() { git -c safe.directory='*' --git-dir=/git "$@"; }
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

// gitFacts reads the commit, its time, its version tags and the repository URL from .git.
func (m *Pipeline) gitFacts(ctx context.Context) (checkout, error) {
	if m.Git == nil {
		return checkout{}, fmt.Errorf("no git metadata: the version and image tags come from the commit; run from a git checkout or pass --git=PATH/.git")
	}
	out, err := dag.Container().
		From(m.GoImage).
		WithMountedDirectory("/git", m.Git).
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

// Package release derives everything the pipeline needs to know about a release from git facts
// alone: the version, the commit, the build time, the image tags, the linker flags and the OCI
// labels. It also checks OCI image references, parsed by github.com/distribution/reference, so
// that deploys only ever use images pinned to a digest.
//
// Everything is derived from the commit, never from the clock or from typed input, so two builds
// of the same commit produce the same version, tags, flags and labels (a reproducible build).
//
// # Versions
//
// When HEAD carries one or more semver tags vX.Y.Z[-PRERELEASE][+BUILD], the highest by semver
// precedence is the version ("1.2.3", "1.2.3-rc.1"). Otherwise the version is derived from
// `git describe --tags --always --match 'v*'` so that it is valid SemVer 2.0.0 and sorts after
// the last release and before the next one:
//
//	v1.2.3-4-gabcdef0        → 1.2.4-dev.4+<12 hex of HEAD>   (next patch, 4 commits in)
//	v1.3.0-rc.1-2-gabcdef0   → 1.3.0-rc.1.dev.2+<12 hex>       (after rc.1, before 1.3.0)
//	abcdef0 (no v* tag)      → 0.0.0-dev+<12 hex>
//
// A source tree without git metadata (a source archive) builds as Untracked: 0.0.0-dev, no commit,
// no image tags.
//
// The commit goes in build metadata (after "+") rather than in the prerelease because a
// prerelease identifier made only of digits must not start with 0, which a hex hash may.
//
// # Image tags
//
// Images get "sha-<12 hex>" always, "vX.Y.Z" when HEAD carries a semver tag, and "vX.Y" for a
// non-prerelease tag. There is never a "latest" tag: deploys use digests, and a moving tag would
// make "what is running" unanswerable.
package release

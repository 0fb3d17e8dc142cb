package release

import "time"

// UntrackedVersion is the version of a build from a source tree without git metadata. It is valid
// SemVer, sorts before every release, and says plainly that nobody can tell which commit it is.
const UntrackedVersion = "0.0.0-dev"

// Untracked is the release of a source tree without git metadata: a source tarball, or AWS
// CodePipeline's default zip source. It builds and runs, stamped UntrackedVersion and the Unix
// epoch (a fixed time keeps the build reproducible), but carries no commit and so no image tag:
// nothing can be published from it.
func Untracked() Info {
	return Info{Version: UntrackedVersion, Created: time.Unix(0, 0).UTC()}
}

// Tracked reports whether the release comes from a git commit.
func (i Info) Tracked() bool { return i.Commit != "" }

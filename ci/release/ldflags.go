package release

import "time"

// LDFlags returns the -ldflags for `go build` of the service: -s -w to strip the symbol table
// and DWARF (smaller image, and no paths of the build machine), and -X for the three variables of
// the service's package main: version, commit and buildTime. buildTime is the commit time, so
// the binary is reproducible.
//
// None of the values contains spaces or quotes (Resolve validated them), so the result can be
// passed as one argument: go build -ldflags "$(LDFlags)".
//
// An untracked release leaves the commit to the binary's own default.
func (i Info) LDFlags() string {
	flags := "-s -w -X main.version=" + i.Version
	if i.Tracked() {
		flags += " -X main.commit=" + i.Commit
	}
	return flags + " -X main.buildTime=" + i.Created.Format(time.RFC3339)
}

package main

import (
	"encoding/json"
	"io"
	"runtime"
	"runtime/debug"
)

// Build metadata, overwritten by the pipeline at link time:
//
//	go build -ldflags "-X main.version=1.4.0 -X main.commit=<sha> -X main.buildTime=<RFC 3339>"
//
// They stay package-level strings initialised to constants because that is all the linker's -X can set.
var (
	version   = "dev"
	commit    = "unknown"
	buildTime = "unknown"
)

// Values that mean "not injected at build time".
const (
	unsetVersion = "dev"
	unsetValue   = "unknown"
)

// buildInfo is what GET /version reports.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"buildTime"`
	GoVersion string `json:"goVersion"`
}

// currentBuildInfo describes the running binary.
func currentBuildInfo() buildInfo {
	return resolveBuildInfo(version, commit, buildTime, debug.ReadBuildInfo)
}

// resolveBuildInfo prefers the linker-injected values and, for those not injected, falls back to what
// the Go toolchain stamped into the binary (a plain `go build` in a git checkout records the commit),
// so a locally built binary still says which commit it came from.
func resolveBuildInfo(injectedVersion, injectedCommit, injectedBuildTime string, read func() (*debug.BuildInfo, bool)) buildInfo {
	info := buildInfo{
		Version:   orDefault(injectedVersion, unsetVersion),
		Commit:    orDefault(injectedCommit, unsetValue),
		BuildTime: orDefault(injectedBuildTime, unsetValue),
		GoVersion: runtime.Version(),
	}
	stamped, ok := read()
	if !ok || stamped == nil {
		return info
	}
	if stamped.GoVersion != "" {
		info.GoVersion = stamped.GoVersion
	}

	settings := make(map[string]string, len(stamped.Settings))
	for _, s := range stamped.Settings {
		settings[s.Key] = s.Value
	}
	if info.Commit == unsetValue && settings["vcs.revision"] != "" {
		info.Commit = settings["vcs.revision"]
		if settings["vcs.modified"] == "true" {
			// Uncommitted changes mean the commit alone does not reproduce this binary.
			info.Commit += "-dirty"
		}
	}
	// vcs.time is the commit time, not the build time, but it is the closest reproducible timestamp.
	if info.BuildTime == unsetValue && settings["vcs.time"] != "" {
		info.BuildTime = settings["vcs.time"]
	}
	// "(devel)" is what the toolchain records when it knows no version.
	if info.Version == unsetVersion && stamped.Main.Version != "" && stamped.Main.Version != "(devel)" {
		info.Version = stamped.Main.Version
	}
	return info
}

// orDefault treats an empty injected value (e.g. -X main.commit=) as not injected.
func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// versionCommand is the argument that prints the binary's build metadata and exits.
const versionCommand = "version"

// printVersion writes what GET /version answers, as one JSON line.
func printVersion(w io.Writer, build buildInfo) error {
	return json.NewEncoder(w).Encode(build)
}

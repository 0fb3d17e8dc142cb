package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func stamped(mainVersion string, settings map[string]string) func() (*debug.BuildInfo, bool) {
	return func() (*debug.BuildInfo, bool) {
		bi := &debug.BuildInfo{GoVersion: "go1.99.0", Main: debug.Module{Path: "github.com/acme/service", Version: mainVersion}}
		for k, v := range settings {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
		}
		return bi, true
	}
}

func noBuildInfo() (*debug.BuildInfo, bool) { return nil, false }

func TestResolveBuildInfo(t *testing.T) {
	vcs := map[string]string{"vcs.revision": "0123abcd", "vcs.time": "2025-05-01T10:00:00Z", "vcs.modified": "false"}
	for _, tc := range []struct {
		name                   string
		version, commit, built string
		read                   func() (*debug.BuildInfo, bool)
		want                   buildInfo
	}{
		{"nothing injected, nothing stamped", "dev", "unknown", "unknown", noBuildInfo,
			buildInfo{"dev", "unknown", "unknown", runtime.Version()}},
		{"ldflags win over VCS stamps", "1.4.0", "feedbeef", "2025-06-01T00:00:00Z", stamped("v1.3.0", vcs),
			buildInfo{"1.4.0", "feedbeef", "2025-06-01T00:00:00Z", "go1.99.0"}},
		{"VCS stamps fill what ldflags left out", "dev", "unknown", "unknown", stamped("(devel)", vcs),
			buildInfo{"dev", "0123abcd", "2025-05-01T10:00:00Z", "go1.99.0"}},
		{"module version from the toolchain", "dev", "unknown", "unknown", stamped("v1.3.0", nil),
			buildInfo{"v1.3.0", "unknown", "unknown", "go1.99.0"}},
		{"uncommitted changes are flagged", "dev", "unknown", "unknown",
			stamped("", map[string]string{"vcs.revision": "0123abcd", "vcs.modified": "true"}),
			buildInfo{"dev", "0123abcd-dirty", "unknown", "go1.99.0"}},
		{"empty -X values count as not injected", "", "", "", stamped("", vcs),
			buildInfo{"dev", "0123abcd", "2025-05-01T10:00:00Z", "go1.99.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolveBuildInfo(tc.version, tc.commit, tc.built, tc.read); got != tc.want {
				t.Errorf("resolveBuildInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
}

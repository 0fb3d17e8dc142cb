package release

import "testing"

func TestSourceURL(t *testing.T) {
	for remote, want := range map[string]string{
		"https://github.com/acme/service.git":                       "https://github.com/acme/service",
		"https://x-access-token:ghs_secret@github.com/acme/service": "https://github.com/acme/service",
		"git@github.com:acme/service.git":                           "https://github.com/acme/service",
		"ssh://git@gitlab.example.com:2222/team/service.git":        "https://gitlab.example.com/team/service",
		"https://git.example.com:8443/team/service":                 "https://git.example.com:8443/team/service",
		"":                        "",
		"/srv/git/service.git":    "",
		"file:///srv/git/service": "",
		"github.com:":             "",
	} {
		if got := SourceURL(remote); got != want {
			t.Errorf("SourceURL(%q) = %q, want %q", remote, got, want)
		}
	}
}

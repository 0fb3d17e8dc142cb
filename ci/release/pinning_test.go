package release

import (
	"strings"
	"testing"
)

func TestRequireDigest(t *testing.T) {
	for in, want := range map[string]Reference{
		"ghcr.io/acme/app@" + testDigest:      {"ghcr.io", "acme/app", "", testDigest},
		ecrHost + "/app:v1.2.3@" + testDigest: {ecrHost, "app", "v1.2.3", testDigest},
		"localhost:5000/app@" + testDigest:    {"localhost:5000", "app", "", testDigest},
		"acme/app@" + testDigest + "\n":       {"docker.io", "acme/app", "", testDigest},
	} {
		got, err := RequireDigest(in)
		if err != nil {
			t.Errorf("RequireDigest(%q): %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("RequireDigest(%q) = %+v, want %+v", in, got, want)
		}
	}
	for in, want := range map[string][]string{
		"ghcr.io/acme/app:v1.2.3":           {"has no digest", "deploy the digest that publish printed: ghcr.io/acme/app@sha256:"},
		"ghcr.io/acme/app:latest":           {"has no digest", "ghcr.io/acme/app@sha256:"},
		ecrHost + "/app":                    {"has no digest", ecrHost + "/app@sha256:"},
		"ghcr.io/acme/app@" + testDigest512: {"not sha256", "ghcr.io/acme/app@sha256:"},
		"ghcr.io/acme/app@" + testDigest384: {"not sha256", "ghcr.io/acme/app@sha256:"},
		testDigest:                          {"digest-pinned", "repository is missing"},
		"ghcr.io/acme/app@sha256:0123":      {"digest-pinned", "64 lower-case hex"},
		"":                                  {"digest-pinned", "empty"},
		"user:s3cret@ghcr.io/acme/app@" + testDigest:         {"credentials"},
		"ghcr.io/acme/app@sha256:" + strings.Repeat("F", 64): {"64 lower-case hex"},
	} {
		_, err := RequireDigest(in)
		if err == nil {
			t.Errorf("RequireDigest(%q) succeeded, want an error", in)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("RequireDigest(%q) = %q, want it to mention %q", in, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("RequireDigest(%q) error leaks the password: %q", in, err)
		}
	}
}

func TestPinnedReference(t *testing.T) {
	tests := []struct{ repository, published, want string }{
		{"ghcr.io/acme/app", "ghcr.io/acme/app:v1.2.3@" + testDigest, "ghcr.io/acme/app@" + testDigest},
		{"ghcr.io/acme/app", "ghcr.io/acme/app@" + testDigest, "ghcr.io/acme/app@" + testDigest},
		{"localhost:5000/app", "localhost:5000/app:sha-0123456789ab@" + testDigest, "localhost:5000/app@" + testDigest},
		{ecrHost + "/team/app", ecrHost + "/team/app:sha-0123456789ab@" + testDigest, ecrHost + "/team/app@" + testDigest},
		{"docker.io/acme/app", "docker.io/acme/app:v1@" + testDigest, "docker.io/acme/app@" + testDigest},
		{"docker.io/acme/app", "index.docker.io/acme/app:v1@" + testDigest, "docker.io/acme/app@" + testDigest},
		{"acme/app", "docker.io/acme/app:v1@" + testDigest + "\n", "docker.io/acme/app@" + testDigest},
	}
	for _, tc := range tests {
		got, err := PinnedReference(tc.repository, tc.published)
		if err != nil {
			t.Errorf("PinnedReference(%q, %q): %v", tc.repository, tc.published, err)
			continue
		}
		if got != tc.want {
			t.Errorf("PinnedReference(%q, %q) = %q, want %q", tc.repository, tc.published, got, tc.want)
		}
		if _, err := RequireDigest(got); err != nil {
			t.Errorf("PinnedReference gave %q, which RequireDigest rejects: %v", got, err)
		}
	}

	errorTests := []struct {
		repository, published string
		want                  []string
	}{
		{"ghcr.io/acme/app", "ghcr.io/acme/app:v1", []string{"no sha256 digest"}},
		{"ghcr.io/acme/app", "ghcr.io/acme/app@" + testDigest512, []string{"no sha256 digest"}},
		{"ghcr.io/acme/app", "ghcr.io/acme/other:v1@" + testDigest, []string{"ghcr.io/acme/other", "not ghcr.io/acme/app"}},
		{"ghcr.io/acme/app", "docker.io/acme/app:v1@" + testDigest, []string{"docker.io/acme/app", "not ghcr.io/acme/app"}},
		{"ghcr.io/acme/app", "", []string{"not an image reference", "empty"}},
		{"ghcr.io/acme/app:v1", "ghcr.io/acme/app:v1@" + testDigest, []string{"REGISTRY/REPOSITORY alone", "pass ghcr.io/acme/app"}},
		{"ghcr.io/Acme", "ghcr.io/acme/app:v1@" + testDigest, []string{"repository", "upper-case"}},
	}
	for _, tc := range errorTests {
		_, err := PinnedReference(tc.repository, tc.published)
		if err == nil {
			t.Errorf("PinnedReference(%q, %q) succeeded, want an error", tc.repository, tc.published)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("PinnedReference(%q, %q) = %q, want it to mention %q", tc.repository, tc.published, err, w)
			}
		}
	}
}

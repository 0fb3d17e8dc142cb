package release

import (
	"strings"
	"testing"
)

var (
	testDigest    = "sha256:" + strings.Repeat("0123456789abcdef", 4)
	testDigest512 = "sha512:" + strings.Repeat("0123456789abcdef", 8)
	testDigest384 = "sha384:" + strings.Repeat("0123456789abcdef", 6)
)

const ecrHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

func TestParseReference(t *testing.T) {
	tests := []struct {
		in         string
		want       Reference
		wantString string
	}{
		{"nginx", Reference{"docker.io", "library/nginx", "", ""}, "docker.io/library/nginx"},
		{"nginx:1.27", Reference{"docker.io", "library/nginx", "1.27", ""}, "docker.io/library/nginx:1.27"},
		{"acme/app:v1", Reference{"docker.io", "acme/app", "v1", ""}, "docker.io/acme/app:v1"},
		{"docker.io/nginx", Reference{"docker.io", "library/nginx", "", ""}, "docker.io/library/nginx"},
		{"index.docker.io/acme/app", Reference{"docker.io", "acme/app", "", ""}, "docker.io/acme/app"},
		{"docker.io/library/nginx:latest", Reference{"docker.io", "library/nginx", "latest", ""}, "docker.io/library/nginx:latest"},
		{"ghcr.io/acme/service:v1.2.3", Reference{"ghcr.io", "acme/service", "v1.2.3", ""}, "ghcr.io/acme/service:v1.2.3"},
		{"localhost/app", Reference{"localhost", "app", "", ""}, "localhost/app"},
		{"localhost:5000/app", Reference{"localhost:5000", "app", "", ""}, "localhost:5000/app"},
		{"localhost:5000/app:sha-0123456789ab", Reference{"localhost:5000", "app", "sha-0123456789ab", ""}, "localhost:5000/app:sha-0123456789ab"},
		{"127.0.0.1:5000/team/app@" + testDigest, Reference{"127.0.0.1:5000", "team/app", "", testDigest}, "127.0.0.1:5000/team/app@" + testDigest},
		{"[::1]:5000/app:v1", Reference{"[::1]:5000", "app", "v1", ""}, "[::1]:5000/app:v1"},
		{"registry:5000/app", Reference{"registry:5000", "app", "", ""}, "registry:5000/app"},
		{ecrHost + "/app", Reference{ecrHost, "app", "", ""}, ecrHost + "/app"},
		{ecrHost + "/team/app:v1.2.3@" + testDigest, Reference{ecrHost, "team/app", "v1.2.3", testDigest}, ecrHost + "/team/app:v1.2.3@" + testDigest},
		{"ghcr.io/acme/app@" + testDigest512, Reference{"ghcr.io", "acme/app", "", testDigest512}, "ghcr.io/acme/app@" + testDigest512},
		{"ghcr.io/acme/app@" + testDigest384, Reference{"ghcr.io", "acme/app", "", testDigest384}, "ghcr.io/acme/app@" + testDigest384},
		{"  ghcr.io/acme/app:v1\n", Reference{"ghcr.io", "acme/app", "v1", ""}, "ghcr.io/acme/app:v1"},
	}
	for _, tc := range tests {
		got, err := ParseReference(tc.in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseReference(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.wantString {
			t.Errorf("ParseReference(%q).String() = %q, want %q", tc.in, got.String(), tc.wantString)
		}
		if got.Name() != tc.want.Registry+"/"+tc.want.Repository {
			t.Errorf("ParseReference(%q).Name() = %q", tc.in, got.Name())
		}
	}
}

func TestParseReferenceErrors(t *testing.T) {
	tests := map[string][]string{
		"":                            {"empty", "sha256"},
		"   ":                         {"empty"},
		"https://ghcr.io/acme/app":    {"URL scheme"},
		"ghcr.io/acme/app:":           {"tag is empty"},
		"ghcr.io/acme/app:-v1":        {"starts with"},
		"ghcr.io/acme/app:v1+build":   {"characters outside"},
		"ghcr.io/acme/App":            {"upper-case"},
		"ghcr.io//app":                {"empty path component"},
		"ghcr.io/":                    {"repository name is empty"},
		"Myregistry/app":              {"Docker Hub namespace"},
		"reg_istry.io/app":            {"not a DNS name"},
		"localhost:99999/app":         {"1 to 65535"},
		"ghcr.io/acme/app@":           {"not a digest"},
		"ghcr.io/acme/app@sha256:abc": {"64 lower-case hex"},
		"ghcr.io/acme/app@sha256:" + strings.Repeat("A", 64):    {"64 lower-case hex"},
		"ghcr.io/acme/app@md5:0123456789abcdef0123456789abcdef": {"neither sha256"},
		"ghcr.io/acme/app@" + testDigest + "@" + testDigest:     {"not a digest"},
		"user:s3cret@ghcr.io/acme/app":                          {"credentials", "ghcr.io/acme/app"},
		"https://user:s3cret@ghcr.io/acme/app:v1":               {"credentials"},
		"ghcr.io/" + strings.Repeat("a", 250):                   {"at most 255"},
	}
	for in, want := range tests {
		_, err := ParseReference(in)
		if err == nil {
			t.Errorf("ParseReference(%q) succeeded, want an error", in)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseReference(%q) = %q, want it to mention %q", in, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseReference(%q) error leaks the password: %q", in, err)
		}
	}
}

// A digest given where an image belongs must say that the repository is missing; the reference
// grammar alone reads sha256:<hex> as the Docker Hub image library/sha256 tagged <hex>.
func TestParseReferenceBareDigest(t *testing.T) {
	for _, in := range []string{
		testDigest, " " + testDigest + "\n", "@" + testDigest, testDigest512, testDigest384,
		"sha256:0123", strings.Repeat("0123456789abcdef", 4),
	} {
		r, err := ParseReference(in)
		if err == nil {
			t.Errorf("ParseReference(%q) = %+v, want an error", in, r)
			continue
		}
		for _, w := range []string{"digest alone", "repository is missing", "REGISTRY/REPOSITORY@sha256:"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseReference(%q) = %q, want it to mention %q", in, err, w)
			}
		}
		if strings.Contains(err.Error(), "library/sha256") || strings.Contains(err.Error(), "docker.io") {
			t.Errorf("ParseReference(%q) = %q reads the digest as a Docker Hub image", in, err)
		}
	}
	// A repository that happens to look like an algorithm is still a repository.
	if r, err := ParseReference("ghcr.io/sha256:" + strings.Repeat("ab", 32)); err != nil || r.Repository != "sha256" {
		t.Errorf("ParseReference(ghcr.io/sha256:<hex>) = %+v, %v; want the repository sha256 in ghcr.io", r, err)
	}
}

func TestReferencePinnedAndWithDigest(t *testing.T) {
	r, err := ParseReference("ghcr.io/acme/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Pinned() {
		t.Error("a tag-only reference reports Pinned")
	}
	pinned := r.WithDigest(testDigest)
	if !pinned.Pinned() || pinned.Digest != testDigest || pinned.Tag != "v1" {
		t.Errorf("WithDigest = %+v, want the tag kept and pinned to %s", pinned, testDigest)
	}
	if r.Digest != "" {
		t.Error("WithDigest changed the receiver")
	}
	for _, d := range []string{"", "sha256:abc", testDigest512, testDigest384, "sha256:" + strings.Repeat("A", 64)} {
		if r.WithDigest(d).Pinned() {
			t.Errorf("WithDigest(%q).Pinned() = true, want false: only sha256 with 64 lower-case hex pins", d)
		}
	}
}

func FuzzParseReference(f *testing.F) {
	for _, seed := range []string{
		"nginx", "nginx:1.27", "docker.io/nginx", "index.docker.io/acme/app", "acme/app:v1",
		"localhost:5000/app", "localhost:5000", "[::1]:5000/app:v1", "127.0.0.1:5000/a/b@" + testDigest,
		ecrHost + "/team/app:v1.2.3@" + testDigest, "ghcr.io/acme/app@" + testDigest512,
		"user:pass@ghcr.io/app", "https://ghcr.io/app", "Myregistry/app", "a:b:c", "a@b@c", "", " ", "/", ":", "@",
		"ghcr.io/acme/app:", "ghcr.io/a__b/c--d/e.f", "LOCALHOST/app", "localhost/app",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReference(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseReference(%q) failed with an empty error", s)
			}
			return
		}
		// The parts are each valid on their own...
		if err := ValidateRegistry(r.Registry); err != nil {
			t.Fatalf("ParseReference(%q) gave an invalid registry: %v", s, err)
		}
		if err := ValidateRepository(r.Repository); err != nil {
			t.Fatalf("ParseReference(%q) gave an invalid repository: %v", s, err)
		}
		if r.Tag != "" {
			if err := ValidateTag(r.Tag); err != nil {
				t.Fatalf("ParseReference(%q) gave an invalid tag: %v", s, err)
			}
		}
		// ...and String is a fixed point: it parses back to the same reference and text.
		text := r.String()
		again, err := ParseReference(text)
		if err != nil {
			t.Fatalf("ParseReference(%q).String() = %q does not parse: %v", s, text, err)
		}
		if again != r {
			t.Fatalf("ParseReference(%q) = %+v, but its String %q parses to %+v", s, r, text, again)
		}
		if again.String() != text {
			t.Fatalf("String is not stable: %q then %q", text, again.String())
		}
		if r.Pinned() != strings.HasPrefix(r.Digest, "sha256:") {
			t.Fatalf("ParseReference(%q): Pinned() = %v with digest %q", s, r.Pinned(), r.Digest)
		}
	})
}

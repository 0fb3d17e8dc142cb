//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// registryHost is the local registry the engine pushes to: $E2E_REGISTRY, or the shared engine
// tool's registry on this machine's docker0 bridge, port 5000.
func registryHost(t *testing.T) string {
	t.Helper()
	if r := os.Getenv("E2E_REGISTRY"); r != "" {
		return r
	}
	bridge, err := net.InterfaceByName("docker0")
	if err != nil {
		t.Fatalf("no docker0 bridge (%v): set E2E_REGISTRY to a registry the engine can push to", err)
	}
	addrs, err := bridge.Addrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil {
			return ip.IP.String() + ":5000"
		}
	}
	t.Fatal("docker0 has no IPv4 address: set E2E_REGISTRY")
	return ""
}

var pinnedRef = regexp.MustCompile(`(?m)^(\S+)@(sha256:[0-9a-f]{64})\s*$`)

func testPublish(t *testing.T, w *workspace) {
	registry := registryHost(t)
	repository := fmt.Sprintf("e2e/service-%d", time.Now().UnixNano())
	publish := func(t *testing.T) (string, string) {
		t.Helper()
		r := w.mustCall(t, "call", "publish", "--registry="+registry, "--repository="+repository)
		m := pinnedRef.FindStringSubmatch(r.stdout)
		if m == nil || m[1] != registry+"/"+repository {
			t.Fatalf("publish printed %q, want %s/%s@sha256:…", r.stdout, registry, repository)
		}
		return m[1], m[2]
	}

	_, digest := publish(t)
	short := w.head(t)[:12]
	wantTags(t, registry, repository, []string{"sha-" + short})
	if got := manifestDigest(t, registry, repository, digest); got != digest {
		t.Errorf("the printed reference does not pull: registry answers %q for %s", got, digest)
	}
	if got := manifestDigest(t, registry, repository, "sha-"+short); got != digest {
		t.Errorf("tag sha-%s names %s, want the printed digest %s", short, got, digest)
	}

	// A release: HEAD carries v1.5.0.
	w.git(t, "tag", "v1.5.0")
	defer w.git(t, "tag", "-d", "v1.5.0")
	_, released := publish(t)
	wantTags(t, registry, repository, []string{"sha-" + short, "v1.5", "v1.5.0"})
	if got := manifestDigest(t, registry, repository, "v1.5.0"); got != released {
		t.Errorf("v1.5.0 names %s, want %s", got, released)
	}

	// A pre-release on the next commit gets only its own tag and its commit's.
	w.commit(t, "release candidate")
	defer w.git(t, "reset", "-q", "--hard", "HEAD~1")
	w.git(t, "tag", "v1.6.0-rc.1")
	defer w.git(t, "tag", "-d", "v1.6.0-rc.1")
	publish(t)
	wantTags(t, registry, repository, []string{"sha-" + short, "sha-" + w.head(t)[:12], "v1.5", "v1.5.0", "v1.6.0-rc.1"})
}

func wantTags(t *testing.T, registry, repository string, want []string) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://%s/v2/%s/tags/list", registry, repository))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct{ Tags []string }
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	slices.Sort(list.Tags)
	slices.Sort(want)
	if !slices.Equal(list.Tags, want) {
		t.Errorf("%s/%s has tags %v, want exactly %v (never latest)", registry, repository, list.Tags, want)
	}
}

// manifestDigest is the digest the registry serves for a tag or digest.
func manifestDigest(t *testing.T, registry, repository, ref string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodHead, fmt.Sprintf("http://%s/v2/%s/manifests/%s", registry, repository, ref), nil)
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
	}, ", "))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

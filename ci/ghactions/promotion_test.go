package ghactions

import (
	"path/filepath"
	"strings"
	"testing"

	"dagger/pipeline/environments"
)

// A release must ship what staging ran, not a rebuild of it: the environment a release deploys
// promotes the one a push to main deploys, and its workflow passes no image of its own.
func TestReleaseDeployPromotesWhatStagingRan(t *testing.T) {
	cfg, err := environments.LoadFile(filepath.Join(repoRoot, "ci", "environments.json"))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := cfg.ForEvent("release", "refs/tags/v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	staging, err := cfg.ForEvent("push", "refs/heads/main")
	if err != nil {
		t.Fatal(err)
	}
	if prod.PromoteFrom != staging.Name {
		t.Errorf("environments.json: %s (deployed on release) has promoteFrom %q; want %q, the environment a push to main deploys, so that a release ships the digest it ran",
			prod.Name, prod.PromoteFrom, staging.Name)
	}
	wf := readRepoFile(t, ".github/workflows/deploy-prod.yml")
	for _, rebuild := range []string{"--image", "dagger call publish", "docker build"} {
		if strings.Contains(wf, rebuild) {
			t.Errorf("deploy-prod.yml contains %q: the deploy must resolve staging's digest itself, not take or build another image", rebuild)
		}
	}
}

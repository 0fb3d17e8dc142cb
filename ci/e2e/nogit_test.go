//go:build e2e

package e2e

import (
	"path/filepath"
	"testing"
)

// testWithoutGit runs the pipeline on a source tree with no .git, as from a source archive or
// CodePipeline's default zip: it builds as 0.0.0-dev and says why, and refuses to publish.
func testWithoutGit(t *testing.T) {
	w := newWorkspace(t, t.TempDir(), false, nil)
	out := filepath.Join(t.TempDir(), "service")
	r := w.mustCall(t, "call", "build", "export", "--path="+out)
	wantIn(t, r, "the source has no .git directory", "0.0.0-dev")
	if v := runVersion(t, out); v["version"] != "0.0.0-dev" || v["commit"] != "unknown" {
		t.Errorf("the binary built without git says %v, want version 0.0.0-dev and commit unknown", v)
	}
	r = w.mustFail(t, "call", "publish", "--registry="+registryHost(t), "--repository=e2e/untracked")
	wantIn(t, r, "publish needs the commit", "full clone")
}

package ghactions

import (
	"os/exec"
	"strings"
	"testing"
)

// ghactions is the GitHub Actions I/O and nothing more, so that anything of ours may use it and
// it stays as small to build as the runner-side report needs: the standard library and
// go-githubactions, nothing of this module.
func TestDependsOnNothingOfOurs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "dagger/pipeline/ghactions" {
		t.Fatalf("go list -deps does not end with ghactions: is this its package?\n%s", out)
	}
	for _, dep := range deps {
		if dep != "dagger/pipeline/ghactions" && dep != "github.com/sethvargo/go-githubactions" {
			t.Errorf("ghactions depends on %s", dep)
		}
	}
}

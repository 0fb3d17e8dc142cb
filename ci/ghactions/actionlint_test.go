package ghactions

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// actionlintModule is the pinned linter; `go run` fetches it through the Go
// module proxy, so no binary has to be installed.
const actionlintModule = "github.com/rhysd/actionlint"
const actionlintVersion = "v1.7.12"

// offlineSignals are what the go command prints when the module proxy cannot be reached.
var offlineSignals = []string{"dial tcp", "no such host", "i/o timeout", "connection refused", "network is unreachable", "proxyconnect", "TLS handshake timeout"}

func TestWorkflowsPassActionlint(t *testing.T) {
	workflows, err := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	if err != nil || len(workflows) < 3 {
		t.Fatalf("want ci.yml, deploy-staging.yml and deploy-prod.yml in .github/workflows, found %v (%v)", workflows, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// GOFLAGS of the surrounding `go test` (-count, -v, -mod) mean nothing to these commands.
	env := append(os.Environ(), "GOFLAGS=")

	download := exec.CommandContext(ctx, "go", "mod", "download", actionlintModule+"@"+actionlintVersion)
	download.Env = env
	if out, err := download.CombinedOutput(); err != nil {
		for _, signal := range offlineSignals {
			if strings.Contains(string(out), signal) {
				t.Skipf("Go module proxy unreachable, cannot fetch actionlint %s; run `go run %s/cmd/actionlint@%s .github/workflows/*.yml` when online:\n%s",
					actionlintVersion, actionlintModule, actionlintVersion, out)
			}
		}
		t.Fatalf("go mod download %s@%s failed: %v\n%s", actionlintModule, actionlintVersion, err, out)
	}

	args := append([]string{"run", actionlintModule + "/cmd/actionlint@" + actionlintVersion, "-color=false"}, workflows...)
	lint := exec.CommandContext(ctx, "go", args...)
	lint.Env = env
	if out, err := lint.CombinedOutput(); err != nil {
		t.Fatalf("actionlint rejects the workflows (%v):\n%s", err, out)
	}
}

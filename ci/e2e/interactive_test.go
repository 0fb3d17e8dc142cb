//go:build e2e

package e2e

import (
	"os"
	"strings"
	"testing"
	"time"
)

// probe is typed into a shell; only a shell that ran it prints its result.
const (
	probe       = "echo E2E-$((40+2)) $(pwd); exit\r"
	probeResult = `E2E-42 /src`
)

func testInteractive(t *testing.T, w *workspace) {
	t.Run("a failing step opens a shell in its container", func(t *testing.T) {
		failing := w.path("app/e2e_failing_test.go")
		writeFile(t, failing, "package main\n\nimport \"testing\"\n\nfunc TestE2EDeliberateFailure(t *testing.T) {\n\tt.Fatal(\"this test fails on purpose\")\n}\n", 0o644)
		defer os.Remove(failing)
		term := w.startTerminal(t, "call", "--interactive", "test")
		term.waitFor(`Exec failed, attaching terminal`, 10*time.Minute, "", 0)
		// The shell is in the failed container: the failing test file is there.
		term.waitFor(probeResult, 2*time.Minute, "ls app/e2e_failing_test.go; "+probe, 5*time.Second)
		if code := term.wait(2 * time.Minute); code == 0 {
			t.Errorf("dagger call --interactive test exited 0 after the shell; the step failed, so the call must fail")
		}
		if !strings.Contains(term.text(), "app/e2e_failing_test.go") {
			t.Errorf("the shell did not see the failing test file")
		}
	})

	t.Run("dev terminal", func(t *testing.T) {
		term := w.startTerminal(t, "call", "dev", "terminal")
		term.waitFor(probeResult, 10*time.Minute, probe, 5*time.Second)
		if code := term.wait(2 * time.Minute); code != 0 {
			t.Errorf("dagger call dev terminal exited %d after the shell exited 0", code)
		}
	})

	t.Run("container terminal", func(t *testing.T) {
		// distroless has no shell; the README says to open the image's own command instead.
		term := w.startTerminal(t, "call", "container", "terminal", "--cmd=/app/service,version")
		term.waitFor(`"version":"`+wantVersion(t, w), 10*time.Minute, "", 0)
		term.typeKeys("\r")
		term.wait(2 * time.Minute)
	})
}

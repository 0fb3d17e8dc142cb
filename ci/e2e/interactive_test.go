//go:build e2e

package e2e

import (
	"os"
	"testing"
	"time"
)

// probe is typed into a shell; only a shell that ran it prints its result.
const (
	probe       = "echo e2e-$((40+2)) $(pwd)\r"
	probeResult = `e2e-42 /src`
	// shellPrompt is the prompt of the shell Dagger opens in a container: dagger WORKDIR $.
	shellPrompt = `dagger /\S* \$`
)

func testInteractive(t *testing.T, w *workspace) {
	t.Run("a failing step opens a shell in its container", func(t *testing.T) {
		failing := w.path("app/e2e_failing_test.go")
		writeFile(t, failing, "package main\n\nimport \"testing\"\n\nfunc TestE2EDeliberateFailure(t *testing.T) {\n\tt.Fatal(\"this test fails on purpose\")\n}\n", 0o644)
		defer os.Remove(failing)
		term := w.startTerminal(t, "call", "--interactive", "check")
		term.waitFor(`Exec failed, attaching terminal`, 10*time.Minute)
		// The shell is in the failed container: the failing test file is there. Typed keys are
		// lower case: before the shell attaches, Dagger's view reads some capitals as commands.
		term.typeUntil(`e2e-failing-42`, "test -f app/e2e_failing_test.go && echo e2e-failing-$((6*7))\r", 2*time.Minute)
		term.typeKeys("exit\r")
		if code := term.wait(2 * time.Minute); code == 0 {
			t.Errorf("dagger call --interactive check exited 0 after the shell; a step failed, so the call must fail")
		}
	})

	t.Run("dev terminal", func(t *testing.T) {
		term := w.startTerminal(t, "call", "dev", "terminal")
		term.waitFor(shellPrompt, 10*time.Minute)
		term.typeUntil(probeResult, probe, time.Minute)
		term.typeKeys("exit\r")
		if code := term.wait(2 * time.Minute); code != 0 {
			t.Errorf("dagger call dev terminal exited %d after the shell exited 0", code)
		}
	})

	t.Run("container terminal", func(t *testing.T) {
		// distroless has no shell: the README opens the image's files in the toolchain's shell.
		term := w.startTerminal(t, "call", "container", "directory", "--path=/", "terminal", "--container="+goImage)
		term.waitFor(shellPrompt, 10*time.Minute)
		// Only a shell that sees the image's binary prints e2e-2-service; the typed line says $((1+1)).
		term.typeUntil(`e2e-2-service`, "test -x $(pwd)/app/service && echo e2e-$((1+1))-service\r", time.Minute)
		term.typeKeys("exit\r")
		if code := term.wait(2 * time.Minute); code != 0 {
			t.Errorf("the terminal on the image's files exited %d after the shell exited 0", code)
		}
	})
}

// goImage is the toolchain image, the one shell the engine can pull here.
const goImage = "golang:1.26"

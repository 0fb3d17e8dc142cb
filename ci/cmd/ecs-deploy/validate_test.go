package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runIn runs the real command in dir, as a person does from there; it needs no AWS endpoint.
func runIn(t *testing.T, dir string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := command(ctx, buildCLI(t), "http://127.0.0.1:1", args...)
	cmd.Dir = dir
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func TestCLIValidate(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the shipped file, from the repository root", func(t *testing.T) {
		r := runIn(t, root, "validate")
		r.want(t, 0)
		if want := "ci/environments.json: 4 environments, all valid: dev, local, prod, staging\n"; r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
	})
	t.Run("the shipped file, from ci/ with --file", func(t *testing.T) {
		runIn(t, filepath.Join(root, "ci"), "validate", "--file", "environments.json").want(t, 0, "4 environments, all valid")
	})
	t.Run("from elsewhere, without --file", func(t *testing.T) {
		runIn(t, t.TempDir(), "validate").want(t, 2, "cannot read the environments file", "run from the repository root, or give its path with --file")
	})
	t.Run("an argument instead of --file", func(t *testing.T) {
		runIn(t, root, "validate", "ci/environments.json").want(t, 2, "unexpected arguments [ci/environments.json]; give the file with --file")
	})
	t.Run("--help", func(t *testing.T) {
		runIn(t, root, "validate", "--help").want(t, 0, "usage: ", "validate [--file ci/environments.json]", "-root")
	})
	t.Run("--root says where task definitions are", func(t *testing.T) {
		// The invalid file's task definitions, looked up in the repository instead: prod's is
		// still missing, and staging's is missing too now.
		r := runIn(t, root, "validate", "--file", "ci/cmd/ecs-deploy/testdata/invalid/ci/environments.json", "--root", root)
		r.want(t, 2, `"deploy/staging.json" is not in the repository`, `"deploy/prod.json" is not in the repository`)
	})
}

// The README's sample is the real output: of the file in testdata/invalid, run from there.
func TestCLIValidateREADMESample(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "    $ ecs-deploy validate\n    ci/environments.json has "
	i := strings.Index(string(readme), prompt)
	if i < 0 {
		t.Fatalf("README.md has no sample of a failed validation (%q)", prompt)
	}
	var want strings.Builder
	for _, line := range strings.Split(string(readme[i+len("    $ ecs-deploy validate\n"):]), "\n") {
		if !strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "    $ ") {
			break
		}
		want.WriteString(strings.TrimPrefix(line, "    ") + "\n")
	}
	r := runIn(t, "testdata/invalid", "validate")
	r.want(t, 2)
	if r.stderr != want.String() {
		t.Errorf("README.md's sample differs from the real output; update it.\nREADME:\n%s\nreal:\n%s", want.String(), r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing: the problems go to stderr", r.stdout)
	}
}

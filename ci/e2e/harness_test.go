//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// callTimeout bounds one dagger call; the first check on a fresh engine takes a few minutes.
const callTimeout = 15 * time.Minute

var repoRoot = filepath.Join("..", "..")

// daggerCLI is the dagger command the suite drives: $DAGGER_CLI, or dagger on PATH.
func daggerCLI(t *testing.T) string {
	t.Helper()
	if cli := os.Getenv("DAGGER_CLI"); cli != "" {
		abs, err := filepath.Abs(cli)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	cli, err := exec.LookPath("dagger")
	if err != nil {
		t.Fatal("no dagger CLI: set DAGGER_CLI (e.g. ../shared/tools/dagger-engine/dagger after its start) or put dagger v0.21.8 on PATH")
	}
	return cli
}

// workspace is a copy of the repository with a git history of its own, where the suite runs
// dagger as a user would.
type workspace struct {
	dir string
	cli string
	env []string // added to the CLI's environment
}

// newWorkspace copies the repository's files (tracked and untracked, not ignored) into dir.
// With history, it makes a git repository whose first commit is tagged v1.4.0 and whose HEAD is
// one commit later, so the build is versioned 1.4.1-dev.1+<12 hex>.
func newWorkspace(t *testing.T, dir string, history bool, edit func(t *testing.T, dir string)) *workspace {
	t.Helper()
	out := gitOut(t, repoRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, rel := range strings.Split(strings.TrimRight(out, "\x00"), "\x00") {
		src := filepath.Join(repoRoot, rel)
		info, err := os.Lstat(src)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or not a file
		}
		copyFile(t, src, filepath.Join(dir, rel), info.Mode().Perm())
	}
	w := &workspace{dir: dir, cli: daggerCLI(t)}
	if history {
		w.git(t, "init", "-q", "-b", "main")
		w.git(t, "remote", "add", "origin", "https://github.com/acme/service.git")
		w.commit(t, "the service at its last release")
		w.git(t, "tag", "v1.4.0")
	}
	if edit != nil {
		edit(t, dir)
	}
	if history {
		w.commit(t, "a change after the release")
	}
	return w
}

func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(data), perm)
}

func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com",
		"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func (w *workspace) git(t *testing.T, args ...string) string {
	t.Helper()
	return strings.TrimSpace(gitOut(t, w.dir, args...))
}

func (w *workspace) commit(t *testing.T, message string) {
	t.Helper()
	w.git(t, "add", "-A")
	w.git(t, "commit", "-q", "--allow-empty", "-m", message)
}

// head is the full commit hash of HEAD.
func (w *workspace) head(t *testing.T) string { return w.git(t, "rev-parse", "HEAD") }

func (w *workspace) path(rel string) string { return filepath.Join(w.dir, rel) }

// result is one finished dagger call.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

// output is everything the call printed.
func (r result) output() string { return r.stdout + "\n" + r.stderr }

func (r result) String() string {
	tail := r.output()
	if len(tail) > 6000 {
		tail = "…" + tail[len(tail)-6000:]
	}
	return fmt.Sprintf("dagger %s: exit %d after %s\n%s", strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond), tail)
}

// call runs `dagger --progress=plain ARGS` in the workspace.
func (w *workspace) call(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	args = append([]string{"--progress=plain"}, args...)
	cmd := exec.CommandContext(ctx, w.cli, args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), w.env...)
	// Ctrl-C, as a person would, when the call outlives its timeout.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("dagger %s: %v", strings.Join(args, " "), err)
		}
		r.code = exit.ExitCode()
	}
	return r
}

// mustCall runs a call that must succeed.
func (w *workspace) mustCall(t *testing.T, args ...string) result {
	t.Helper()
	r := w.call(t, args...)
	if r.code != 0 {
		t.Fatalf("want success, got %v", r)
	}
	return r
}

// mustFail runs a call that must fail.
func (w *workspace) mustFail(t *testing.T, args ...string) result {
	t.Helper()
	r := w.call(t, args...)
	if r.code == 0 {
		t.Fatalf("want a failure, got %v", r)
	}
	return r
}

// wantIn fails the test for each piece that out lacks.
func wantIn(t *testing.T, r result, pieces ...string) {
	t.Helper()
	out := r.output()
	for _, p := range pieces {
		if !strings.Contains(out, p) {
			t.Errorf("the output of dagger %s lacks %q", strings.Join(r.args, " "), p)
		}
	}
	if t.Failed() {
		t.Logf("%v", r)
	}
}

// figures are the measurements the suite prints at the end (and writes to $E2E_FIGURES).
var figures struct {
	mu    sync.Mutex
	lines []string
}

func figure(t *testing.T, name, format string, args ...any) {
	line := fmt.Sprintf("figure: %s: %s", name, fmt.Sprintf(format, args...))
	t.Log(line)
	figures.mu.Lock()
	defer figures.mu.Unlock()
	figures.lines = append(figures.lines, line)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func TestMain(m *testing.M) {
	code := m.Run()
	figures.mu.Lock()
	out := strings.Join(figures.lines, "\n")
	figures.mu.Unlock()
	if out != "" {
		fmt.Println(out)
		if path := os.Getenv("E2E_FIGURES"); path != "" {
			if err := os.WriteFile(path, []byte(out+"\n"), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "writing figures:", err)
			}
		}
	}
	os.Exit(code)
}

// editJSON rewrites a JSON file of the workspace through change.
func editJSON(t *testing.T, path string, change func(doc map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(out)+"\n", 0o644)
}

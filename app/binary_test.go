package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Values the test links into the binary, as the pipeline does.
const (
	linkedVersion   = "1.2.3-test"
	linkedCommit    = "0123456789abcdef0123456789abcdef01234567"
	linkedBuildTime = "2025-01-02T03:04:05Z"
)

// buildBinary compiles the service with the pipeline's -ldflags (stripped, stamped) into a
// temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH (%v); the test builds the real binary and needs it", err)
	}
	binary := filepath.Join(t.TempDir(), "service")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ldflags := "-s -w -X main.version=" + linkedVersion + " -X main.commit=" + linkedCommit + " -X main.buildTime=" + linkedBuildTime
	build := exec.CommandContext(ctx, goTool, "build", "-ldflags", ldflags, "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", ldflags, err, out)
	}
	return binary
}

// process is a started binary; err is valid once exited is closed.
type process struct {
	cmd    *exec.Cmd
	logs   *logRecorder
	stderr *bytes.Buffer
	exited chan struct{}
	err    error
}

// startBinary runs the built service with env on top of the test's environment.
func startBinary(t *testing.T, binary string, env map[string]string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	p := &process{
		cmd:    exec.CommandContext(ctx, binary, args...),
		logs:   newLogRecorder(),
		stderr: &bytes.Buffer{},
		exited: make(chan struct{}),
	}
	p.cmd.Env = os.Environ()
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v) // later entries win over inherited ones
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		defer close(p.exited)
		p.err = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // fails harmlessly once the process has exited
		<-p.exited
	})
	return p
}

// exitCode waits for the process and returns its exit code.
func (p *process) exitCode(t *testing.T) int {
	t.Helper()
	waitFor(t, p.exited, "the process to exit")
	err := p.err
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	default:
		t.Fatalf("waiting for the process: %v", err)
		return -1
	}
}

func TestBinary(t *testing.T) {
	// Beside the other tests: it builds the binary and waits out a deregistration grace.
	t.Parallel()
	binary := buildBinary(t)

	t.Run("version prints the linked metadata", func(t *testing.T) {
		p := startBinary(t, binary, map[string]string{envPort: "not-a-port"}, "version")
		if code := p.exitCode(t); code != 0 {
			t.Fatalf("service version exited %d; stderr:\n%s", code, p.stderr)
		}
		lines := p.logs.all()
		if len(lines) != 1 {
			t.Fatalf("service version printed %d lines, want one JSON line:\n%s", len(lines), p.logs.dump())
		}
		got := lines[0]
		for key, want := range map[string]string{"version": linkedVersion, "commit": linkedCommit, "buildTime": linkedBuildTime} {
			if got[key] != want {
				t.Errorf("service version %s = %q, want %q from -ldflags (even with a bad PORT: it reads no configuration)", key, got[key], want)
			}
		}
	})

	t.Run("SIGTERM drains and exits 0", func(t *testing.T) {
		// The grace only has to outlast one loopback request made right after the "draining" line.
		service := startBinary(t, binary, map[string]string{
			envHost: "127.0.0.1", envPort: "0", envDrainTimeout: "10s", envDeregistrationGrace: "1s",
		})
		logs := service.logs
		started := logs.waitFor(t, withMsg("started"), `"started"`)
		addr, _ := started["addr"].(string)
		baseURL := "http://" + addr
		client := newTestClient()

		got := decodeJSON[map[string]string](t, do(t, client, http.MethodGet, baseURL+"/version"))
		want := map[string]string{"version": linkedVersion, "commit": linkedCommit, "buildTime": linkedBuildTime}
		for key, value := range want {
			if got[key] != value {
				t.Errorf("GET /version %s = %q, want %q from -ldflags", key, got[key], value)
			}
		}
		if started["version"] != linkedVersion || started["commit"] != linkedCommit {
			t.Errorf("started line = %v, want the linked version and commit", started)
		}
		if resp := do(t, client, http.MethodGet, baseURL+"/health"); resp.status != http.StatusOK {
			t.Fatalf("GET /health = %d, want 200", resp.status)
		}

		// The same binary is the container health check command.
		port := addr[strings.LastIndex(addr, ":")+1:]
		probe := startBinary(t, binary, map[string]string{envHost: "127.0.0.1", envPort: port}, "healthcheck")
		if code := probe.exitCode(t); code != 0 {
			t.Errorf("service healthcheck against a healthy instance exited %d, want 0; output:\n%s", code, probe.logs.dump())
		}

		if err := service.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("send SIGTERM: %v", err)
		}
		draining := logs.waitFor(t, withMsg("draining"), `"draining"`)
		if draining["reason"] != "terminated signal received" {
			t.Errorf("draining reason = %v, want the SIGTERM", draining["reason"])
		}
		resp := do(t, client, http.MethodGet, baseURL+"/health")
		if resp.status != http.StatusServiceUnavailable {
			t.Fatalf("GET /health after SIGTERM = %d %s, want 503", resp.status, resp.body)
		}
		if got := decodeJSON[healthStatus](t, resp); got.Status != "draining" {
			t.Errorf("GET /health after SIGTERM status = %q, want draining", got.Status)
		}

		if code := service.exitCode(t); code != 0 {
			t.Fatalf("exit code after SIGTERM = %d, want 0; stderr:\n%s\nlogs:\n%s", code, service.stderr, logs.dump())
		}
		logs.waitFor(t, withMsg("stopped"), `"stopped"`)
		if service.stderr.Len() != 0 {
			t.Errorf("stderr = %q, want every line on stdout as JSON", service.stderr)
		}
		for _, e := range logs.all() {
			if e["msg"] == "NOT JSON" {
				t.Errorf("a log line is not JSON: %v", e)
			}
		}
	})

	t.Run("migrate exits 0, migrate --fail exits 1 with the reason", func(t *testing.T) {
		ok := startBinary(t, binary, map[string]string{envPort: "not-a-port"}, "migrate")
		if code := ok.exitCode(t); code != 0 {
			t.Fatalf("service migrate exited %d; logs:\n%s", code, ok.logs.dump())
		}
		ok.logs.waitFor(t, withMsg("migration finished"), `"migration finished"`)
		failing := startBinary(t, binary, nil, "migrate", "--fail")
		if code := failing.exitCode(t); code != 1 {
			t.Fatalf("service migrate --fail exited %d, want 1", code)
		}
		failed := failing.logs.waitFor(t, withMsg("service failed"), `"service failed"`)
		if msg, _ := failed["error"].(string); !strings.Contains(msg, "asked to fail (--fail)") {
			t.Errorf("failure line = %v, want the reason", failed)
		}
	})

	t.Run("invalid configuration exits 1 with a JSON error", func(t *testing.T) {
		service := startBinary(t, binary, map[string]string{envPort: "eighty", envDrainTimeout: "20s"})
		if code := service.exitCode(t); code != 1 {
			t.Fatalf("exit code with PORT=eighty = %d, want 1", code)
		}
		failed := service.logs.waitFor(t, withMsg("service failed"), `"service failed"`)
		if msg, _ := failed["error"].(string); !strings.Contains(msg, `PORT="eighty" is not a TCP port`) || failed["level"] != "ERROR" {
			t.Errorf("failure line = %v, want an ERROR naming PORT", failed)
		}
	})
}

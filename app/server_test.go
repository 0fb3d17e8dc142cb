package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/acme/service/app/internal/respond"
)

// runResult is the outcome of a run started by startRun; err is valid once done is closed.
type runResult struct {
	done chan struct{}
	err  error
}

// wait waits for run to return and gives its error.
func (r *runResult) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-timeAfterWait():
		t.Fatalf("run did not return within %s of shutdown", waitTimeout)
		return nil
	}
}

// startRun runs the real service in-process on a free loopback port, as main does, and returns its
// base URL, its logs, a cancel that plays SIGTERM, and run's result.
func startRun(t *testing.T, extraEnv map[string]string) (baseURL string, logs *logRecorder, stop context.CancelFunc, result *runResult) {
	t.Helper()
	env := map[string]string{envHost: "127.0.0.1", envPort: "0", envDeregistrationGrace: "0s"}
	for k, v := range extraEnv {
		env[k] = v
	}
	logs = newLogRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	result = &runResult{done: make(chan struct{})}
	go func() {
		defer close(result.done)
		result.err = run(ctx, nil, envMap(env), logs)
	}()
	t.Cleanup(func() {
		cancel()
		_ = result.wait(t)
	})

	started := logs.waitFor(t, withMsg("started"), `"started"`)
	addr, ok := started["addr"].(string)
	if !ok || addr == "" {
		t.Fatalf("started line has no addr: %v", started)
	}
	return "http://" + addr, logs, cancel, result
}

func TestRunServesEndpoints(t *testing.T) {
	baseURL, logs, stop, result := startRun(t, nil)
	client := newTestClient()

	t.Run("greeting", func(t *testing.T) {
		resp := do(t, client, http.MethodGet, baseURL+"/")
		if resp.status != http.StatusOK {
			t.Fatalf("GET / = %d %s, want 200", resp.status, resp.body)
		}
		body := decodeJSON[greeting](t, resp)
		if body.Message == "" || body.Version != currentBuildInfo().Version {
			t.Errorf("GET / body = %+v, want a message and version %q", body, currentBuildInfo().Version)
		}
	})

	t.Run("health", func(t *testing.T) {
		resp := do(t, client, http.MethodGet, baseURL+"/health")
		if resp.status != http.StatusOK {
			t.Fatalf("GET /health = %d %s, want 200", resp.status, resp.body)
		}
		if got := decodeJSON[healthStatus](t, resp); got.Status != "ok" {
			t.Errorf("GET /health status = %q, want ok", got.Status)
		}
		if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store so no proxy caches health", cc)
		}
	})

	t.Run("health HEAD", func(t *testing.T) {
		resp := do(t, client, http.MethodHead, baseURL+"/health")
		if resp.status != http.StatusOK || len(resp.body) != 0 {
			t.Errorf("HEAD /health = %d with %d body bytes, want 200 and no body", resp.status, len(resp.body))
		}
	})

	t.Run("version defaults without ldflags", func(t *testing.T) {
		resp := do(t, client, http.MethodGet, baseURL+"/version")
		if resp.status != http.StatusOK {
			t.Fatalf("GET /version = %d %s, want 200", resp.status, resp.body)
		}
		got := decodeJSON[map[string]string](t, resp)
		// A test binary is linked without -X flags and without VCS stamping.
		want := map[string]string{"version": "dev", "commit": "unknown", "buildTime": "unknown"}
		for key, value := range want {
			if got[key] != value {
				t.Errorf("GET /version %s = %q, want %q (body %s)", key, got[key], value, resp.body)
			}
		}
		if !strings.HasPrefix(got["goVersion"], "go") {
			t.Errorf("GET /version goVersion = %q, want the toolchain version", got["goVersion"])
		}
	})

	t.Run("unknown path", func(t *testing.T) {
		resp := do(t, client, http.MethodGet, baseURL+"/nope")
		if resp.status != http.StatusNotFound {
			t.Fatalf("GET /nope = %d, want 404", resp.status)
		}
		if got := decodeJSON[respond.Error](t, resp); got.Error != "not found" {
			t.Errorf("GET /nope body = %+v, want error \"not found\"", got)
		}
	})

	t.Run("wrong method", func(t *testing.T) {
		resp := do(t, client, http.MethodPost, baseURL+"/health")
		if resp.status != http.StatusMethodNotAllowed {
			t.Fatalf("POST /health = %d, want 405", resp.status)
		}
		if allow := resp.header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("Allow = %q, want \"GET, HEAD\"", allow)
		}
		got := decodeJSON[respond.Error](t, resp)
		if got.Error != "method not allowed" || strings.Join(got.Allowed, ",") != "GET,HEAD" {
			t.Errorf("POST /health body = %+v, want method not allowed with GET, HEAD", got)
		}
	})

	t.Run("request log lines", func(t *testing.T) {
		resp := do(t, client, http.MethodGet, baseURL+"/version?token=s3cr3t")
		line := logs.waitFor(t, requestLine(http.MethodGet, "/version", http.StatusOK), "for GET /version?token=")
		for _, key := range []string{"time", "level", "msg", "method", "path", "status", "duration_ms", "bytes"} {
			if _, ok := line[key]; !ok {
				t.Errorf("request line lacks %q: %v", key, line)
			}
		}
		if line["level"] != "INFO" {
			t.Errorf("request line level = %v, want INFO", line["level"])
		}
		if ms, ok := line["duration_ms"].(float64); !ok || ms < 0 {
			t.Errorf("duration_ms = %v, want a non-negative number", line["duration_ms"])
		}
		if line["bytes"] != float64(len(resp.body)) {
			t.Errorf("bytes = %v, want %d, the body size the client received", line["bytes"], len(resp.body))
		}
		notFound := logs.waitFor(t, requestLine(http.MethodGet, "/nope", http.StatusNotFound), "for GET /nope")
		if notFound["bytes"] == float64(0) {
			t.Errorf("404 line logs 0 bytes, want the JSON error body's size: %v", notFound)
		}
		logs.waitFor(t, requestLine(http.MethodPost, "/health", http.StatusMethodNotAllowed), "for POST /health")
		head := logs.waitFor(t, requestLine(http.MethodHead, "/health", http.StatusOK), "for HEAD /health")
		if head["bytes"] != float64(0) {
			t.Errorf("HEAD line logs %v bytes, want 0: no body is sent", head["bytes"])
		}
		if strings.Contains(logs.dump(), "s3cr3t") {
			t.Errorf("a query string reached the logs:\n%s", logs.dump())
		}
	})

	stop()
	if err := result.wait(t); err != nil {
		t.Fatalf("run after shutdown = %v, want nil", err)
	}
	for _, msg := range []string{"started", "draining", "shutting down", "stopped"} {
		logs.waitFor(t, withMsg(msg), "\""+msg+"\"")
	}
	for _, e := range logs.all() {
		if e["msg"] == "NOT JSON" {
			t.Errorf("a log line is not JSON: %v", e)
		}
	}
}

func TestRunRejectsInvalidConfigurationBeforeListening(t *testing.T) {
	logs := newLogRecorder()
	err := run(context.Background(), nil, envMap(map[string]string{envPort: "http"}), logs)
	if err == nil || !strings.Contains(err.Error(), `PORT="http" is not a TCP port`) {
		t.Fatalf("run with PORT=http = %v, want the PORT error", err)
	}
	if len(logs.all()) != 0 {
		t.Errorf("run logged %d lines before failing validation, want none (it must not start)", len(logs.all()))
	}
}

func TestRunRejectsUnexpectedArguments(t *testing.T) {
	err := run(context.Background(), []string{"--port", "80"}, envMap(nil), newLogRecorder())
	if err == nil || !strings.Contains(err.Error(), "unexpected arguments") || !strings.Contains(err.Error(), "PORT") {
		t.Fatalf("run with flags = %v, want an error pointing to the environment variables", err)
	}
}

func TestRunReportsBusyPort(t *testing.T) {
	baseURL, _, _, _ := startRun(t, nil)
	port := baseURL[strings.LastIndex(baseURL, ":")+1:]
	err := run(context.Background(), nil, envMap(map[string]string{envHost: "127.0.0.1", envPort: port}), newLogRecorder())
	if err == nil || !strings.Contains(err.Error(), "cannot listen on 127.0.0.1:"+port) {
		t.Fatalf("run on a busy port = %v, want a listen error naming the address", err)
	}
}

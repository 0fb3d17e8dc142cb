package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A service that fails its first health checks, then recovers: smoke waits for the threshold of
// consecutive successes, then smoke-tests the other path.
func TestRunWaitsForConsecutiveSuccessesThenSmokeTests(t *testing.T) {
	var healthChecks, smokeChecks atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			if healthChecks.Add(1) <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{"status":"ok"}`))
		case "/":
			smokeChecks.Add(1)
			w.Write([]byte(`{"message":"hello"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-base", srv.URL, "-health-path", "/health",
		"-healthy-threshold", "3", "-interval", "10ms", "-deadline", "10s"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	if got := healthChecks.Load(); got != 5 {
		t.Errorf("health checks = %d, want 5 (2 failures, then 3 in a row)", got)
	}
	if got := smokeChecks.Load(); got != 1 {
		t.Errorf("smoke checks = %d, want 1", got)
	}
	if !strings.Contains(stdout.String(), "passed 3 checks in a row") || !strings.Contains(stdout.String(), "answered 200") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}

func TestRunFailsWhenNeverHealthy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-base", srv.URL, "-healthy-threshold", "2",
		"-interval", "10ms", "-deadline", (200 * time.Millisecond).String()}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "503") {
		t.Errorf("stderr does not name the last status:\n%s", stderr.String())
	}
}

func TestRunRejectsMissingBase(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), nil, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-base") {
		t.Errorf("stderr does not say what to pass:\n%s", stderr.String())
	}
}

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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
	// Each check's timeout is half the interval: at 10 ms, a check slowed past 5 ms by a loaded
	// machine (-race) counted as a failure, restarted the streak and made 8 checks instead of 5.
	code := run(context.Background(), []string{"-base", srv.URL, "-health-path", "/health",
		"-healthy-threshold", "3", "-interval", "250ms", "-deadline", "10s"}, &stdout, &stderr)
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

// countingServer answers every request healthy and counts them.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Write([]byte(`{"status":"ok"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

// watchWriter collects output and closes seen once it holds want.
type watchWriter struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if w.seen != nil && strings.Contains(w.b.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// With only -base, smoke applies an ALB's defaults (5 in a row, 30 s apart) and a deadline
// long enough for them: it starts checking instead of refusing its own defaults.
func TestDefaultsCanPass(t *testing.T) {
	srv, _ := countingServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	seen := make(chan struct{})
	stderr := &watchWriter{want: "(1/5 in a row)", seen: seen}
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"-base", srv.URL}, &stdout, stderr) }()
	select {
	case <-seen:
	case c := <-code:
		t.Fatalf("smoke with its defaults exited %d before its first check:\n%s", c, stderr.String())
	}
	cancel() // a passing streak takes 2 minutes; that it started is the point
	if c := <-code; c != 1 || !strings.Contains(stderr.String(), "(1 of 5 successes in a row)") {
		t.Errorf("exit code %d, stderr:\n%s\nwant an interrupted check of the default policy", c, stderr.String())
	}
}

// Flags that can never pass are refused before the first request, with exit code 2 and why.
func TestImpossibleFlagsAreRefusedUpFront(t *testing.T) {
	srv, requests := countingServer(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-deadline", "10s"}, "deadline 10s is too short to ever see 5 successes in a row 30s apart (at least 2m5s)"},
		{[]string{"-interval", "3s", "-healthy-threshold", "10", "-deadline", "20s"}, "deadline 20s is too short"},
		{[]string{"-healthy-threshold", "-1"}, "negative value"},
		{[]string{"-health-path", "health"}, `must start with "/"`},
		{[]string{"-interval", "5"}, `"5" has no unit; add one`},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"-base", srv.URL}, c.args...)
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit code %d, want 2", c.args, code)
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr\n%s\nwant %q", c.args, stderr.String(), c.want)
		}
	}
	for _, base := range []string{"ftp://app", "app:8080", "http://app:8080/?x=1"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-base", base}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "smoke: -base: ") {
			t.Errorf("-base %s: exit code %d, stderr:\n%s", base, code, stderr.String())
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests; impossible flags must make none", n)
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	for _, want := range []string{"usage: smoke -base URL", "-deadline duration", "2 × healthy-threshold × interval"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
}

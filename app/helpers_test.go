package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait in the tests; generous because it only matters when something hangs.
const waitTimeout = 10 * time.Second

// logRecorder is an io.Writer that collects the service's JSON log lines and lets a test wait for one.
type logRecorder struct {
	mu      sync.Mutex
	partial []byte
	entries []map[string]any
	changed chan struct{} // closed and replaced on every new entry
}

func newLogRecorder() *logRecorder {
	return &logRecorder{changed: make(chan struct{})}
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := l.partial[:i]
		var entry map[string]any
		if err := json.Unmarshal(line, &entry); err != nil {
			// Every line the service writes must be one JSON object; record the breach as an entry
			// so the test that owns the recorder fails on it.
			entry = map[string]any{"msg": "NOT JSON", "line": string(line), "error": err.Error()}
		}
		l.entries = append(l.entries, entry)
		l.partial = l.partial[i+1:]
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

// waitFor returns the first entry that matches, waiting for it up to waitTimeout.
func (l *logRecorder) waitFor(t *testing.T, match func(map[string]any) bool, what string) map[string]any {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		l.mu.Lock()
		for _, e := range l.entries {
			if match(e) {
				l.mu.Unlock()
				return e
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line %s within %s; lines so far:\n%s", what, waitTimeout, l.dump())
			return nil
		}
	}
}

// all returns a copy of the entries so far.
func (l *logRecorder) all() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.entries...)
}

func (l *logRecorder) dump() string {
	var b strings.Builder
	for _, e := range l.all() {
		line, _ := json.Marshal(e)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// withMsg matches the log line with the given message.
func withMsg(msg string) func(map[string]any) bool {
	return func(e map[string]any) bool { return e["msg"] == msg }
}

// requestLine matches the request log line of method and path with the given status.
func requestLine(method, path string, status int) func(map[string]any) bool {
	return func(e map[string]any) bool {
		return e["msg"] == "request" && e["method"] == method && e["path"] == path && e["status"] == float64(status)
	}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
	// closed reports that the server announced it would close the connection (Connection: close).
	closed bool
}

// newTestClient returns a client that never reuses connections, so each request shows what a new
// load balancer connection would see, and that gives up after waitTimeout.
func newTestClient() *http.Client {
	return &http.Client{
		Timeout:   waitTimeout,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
}

// do sends a request and reads the whole answer, failing the test on transport errors.
func do(t *testing.T, client *http.Client, method, url string) response {
	t.Helper()
	resp, err := doErr(client, method, url)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp
}

func doErr(client *http.Client, method, url string) (response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return response{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body, closed: resp.Close}, nil
}

// decodeJSON decodes a response body, failing the test when it is not the expected JSON.
func decodeJSON[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", ct)
	}
	return v
}

// envMap turns a map into a getenv function.
func envMap(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

// timeAfterWait is the deadline channel of one wait.
func timeAfterWait() <-chan time.Time {
	return time.After(waitTimeout)
}

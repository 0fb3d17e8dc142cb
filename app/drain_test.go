package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/service/app/internal/respond"
)

// blockingHandler is a test-only endpoint that stays in flight until the test releases it.
type blockingHandler struct {
	entered     chan struct{} // closed when the first request arrives
	release     chan struct{} // closed by finish to let requests complete
	enteredOnce sync.Once
	releaseOnce sync.Once
}

func newBlockingHandler(t *testing.T) *blockingHandler {
	h := &blockingHandler{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(h.finish)
	return h
}

// finish lets every held request complete.
func (h *blockingHandler) finish() {
	h.releaseOnce.Do(func() { close(h.release) })
}

func (h *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.enteredOnce.Do(func() { close(h.entered) })
	select {
	case <-h.release:
		respond.JSON(w, http.StatusOK, map[string]string{"slow": "finished"})
	case <-r.Context().Done():
	}
}

// startService serves s on a free loopback port and returns its address, a cancel that plays SIGTERM
// and serve's result.
func startService(t *testing.T, s *service) (addr string, stop context.CancelFunc, result *runResult) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	result = &runResult{done: make(chan struct{})}
	go func() {
		defer close(result.done)
		result.err = s.serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		_ = result.wait(t)
	})
	return ln.Addr().String(), cancel, result
}

// asyncGet sends a GET in the background; its answer or error arrives on the returned channel.
func asyncGet(client *http.Client, url string) <-chan responseOrError {
	out := make(chan responseOrError, 1)
	go func() {
		resp, err := doErr(client, http.MethodGet, url)
		out <- responseOrError{resp, err}
	}()
	return out
}

type responseOrError struct {
	resp response
	err  error
}

// waitClosed waits until addr refuses connections, i.e. the listener has closed. Polling is the only
// way to observe that from outside the process.
func waitClosed(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		_ = conn.Close()
		time.Sleep(5 * time.Millisecond) // poll interval, not synchronisation
	}
	t.Fatalf("%s still accepts connections %s after shutdown began", addr, waitTimeout)
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-timeAfterWait():
		t.Fatalf("timed out after %s waiting for %s", waitTimeout, what)
		var zero T
		return zero
	}
}

func TestDrainFailsHealthThenFinishesInFlightRequests(t *testing.T) {
	t.Parallel() // it waits on timers: beside the other tests
	const drainTimeout, grace = 10 * time.Second, 5 * time.Second
	logs := newLogRecorder()
	s := newService(config{drainTimeout: drainTimeout, deregistrationGrace: grace}, newLogger(logs), buildInfo{Version: "test"})
	graceRequested := make(chan time.Duration, 1)
	graceOver := make(chan time.Time)
	s.afterGrace = func(d time.Duration) <-chan time.Time {
		graceRequested <- d
		return graceOver
	}
	slow := newBlockingHandler(t)
	s.routes.handle(http.MethodGet, "/test/slow", slow)
	addr, stop, result := startService(t, s)
	var graceOverOnce sync.Once
	endGrace := func() { graceOverOnce.Do(func() { close(graceOver) }) }
	// Runs before startService's cleanup, so a test that fails half-way still shuts down promptly.
	t.Cleanup(func() { endGrace(); slow.finish() })
	baseURL := "http://" + addr
	client := newTestClient()
	port := addr[strings.LastIndex(addr, ":")+1:]
	probeEnv := envMap(map[string]string{envHost: "127.0.0.1", envPort: port})

	if resp := do(t, client, http.MethodGet, baseURL+"/health"); resp.status != http.StatusOK {
		t.Fatalf("GET /health before shutdown = %d, want 200", resp.status)
	}
	if err := run(context.Background(), []string{"healthcheck"}, probeEnv, newLogRecorder()); err != nil {
		t.Fatalf("healthcheck against a serving instance = %v, want nil", err)
	}

	inFlight := asyncGet(client, baseURL+"/test/slow")
	waitFor(t, slow.entered, "the slow request to reach its handler")

	stopped := time.Now()
	stop()
	if got := waitFor(t, graceRequested, "the deregistration grace to start"); got != grace {
		t.Errorf("grace waited = %s, want DEREGISTRATION_GRACE %s", got, grace)
	}

	// During the grace period: unhealthy for the load balancer, but still serving everything else.
	resp := do(t, client, http.MethodGet, baseURL+"/health")
	if resp.status != http.StatusServiceUnavailable {
		t.Fatalf("GET /health while draining = %d %s, want 503", resp.status, resp.body)
	}
	if got := decodeJSON[healthStatus](t, resp); got.Status != "draining" {
		t.Errorf("GET /health while draining status = %q, want draining", got.Status)
	}
	keepAliveClient := &http.Client{Timeout: waitTimeout}
	resp = do(t, keepAliveClient, http.MethodGet, baseURL+"/")
	if resp.status != http.StatusOK {
		t.Errorf("GET / during the grace period = %d, want 200: requests are still served", resp.status)
	}
	if !resp.closed {
		t.Errorf("answer while draining lacks Connection: close, want it so clients reconnect to a healthy target")
	}
	err := run(context.Background(), []string{"healthcheck"}, probeEnv, newLogRecorder())
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("healthcheck while draining = %v, want an error reporting the 503", err)
	}

	// After the grace: the listener closes, but the in-flight request holds the shutdown open.
	endGrace()
	logs.waitFor(t, withMsg("shutting down"), `"shutting down"`)
	waitClosed(t, addr)
	select {
	case <-result.done:
		t.Fatalf("serve returned (%v) while a request was still in flight", result.err)
	case got := <-inFlight:
		t.Fatalf("the slow request ended (%+v) before it was released", got)
	default:
	}

	slow.finish()
	finished := waitFor(t, inFlight, "the slow request to finish")
	if finished.err != nil || finished.resp.status != http.StatusOK || !strings.Contains(string(finished.resp.body), "finished") {
		t.Fatalf("in-flight request during shutdown = %d %q (err %v), want 200 finished",
			finished.resp.status, finished.resp.body, finished.err)
	}
	if err := result.wait(t); err != nil {
		t.Fatalf("serve after a clean drain = %v, want nil", err)
	}
	if elapsed := time.Since(stopped); elapsed >= drainTimeout {
		t.Errorf("serve returned %s after shutdown began, want within DRAIN_TIMEOUT %s", elapsed, drainTimeout)
	}
	if err := run(context.Background(), []string{"healthcheck"}, probeEnv, newLogRecorder()); err == nil ||
		!strings.Contains(err.Error(), "unreachable") {
		t.Errorf("healthcheck after exit = %v, want an unreachable error", err)
	}

	logs.waitFor(t, requestLine(http.MethodGet, "/test/slow", http.StatusOK), "for the slow request")
	logs.waitFor(t, requestLine(http.MethodGet, "/health", http.StatusServiceUnavailable), "for the draining health check")
	draining := logs.waitFor(t, withMsg("draining"), `"draining"`)
	if draining["deregistration_grace"] != grace.String() || draining["drain_timeout"] != drainTimeout.String() {
		t.Errorf("draining line = %v, want the grace and drain timeout", draining)
	}
	logs.waitFor(t, withMsg("stopped"), `"stopped"`)
}

func TestDrainCutsOffRequestsThatOutliveTheDrainTimeout(t *testing.T) {
	t.Parallel() // it waits on timers: beside the other tests
	const drainTimeout = 300 * time.Millisecond
	logs := newLogRecorder()
	s := newService(config{drainTimeout: drainTimeout}, newLogger(logs), buildInfo{})
	slow := newBlockingHandler(t)
	s.routes.handle(http.MethodGet, "/test/slow", slow)
	addr, stop, result := startService(t, s)

	inFlight := asyncGet(newTestClient(), "http://"+addr+"/test/slow")
	waitFor(t, slow.entered, "the slow request to reach its handler")
	stopped := time.Now()
	stop()

	err := result.wait(t)
	if err == nil || !strings.Contains(err.Error(), "DRAIN_TIMEOUT") || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("serve with a request outliving the drain = %v, want an error naming DRAIN_TIMEOUT", err)
	}
	// The deadline is set after shutdown begins, so serve cannot have given up earlier.
	if elapsed := time.Since(stopped); elapsed < drainTimeout {
		t.Errorf("serve gave up after %s, want it to wait the whole DRAIN_TIMEOUT %s", elapsed, drainTimeout)
	}
	if got := waitFor(t, inFlight, "the cut-off request to end"); got.err == nil {
		t.Errorf("cut-off request = %d %q, want a connection error", got.resp.status, got.resp.body)
	}
	logs.waitFor(t, withMsg("drain timed out"), `"drain timed out"`)
}

func TestPanickingHandlerAnswers500AndServiceKeepsServing(t *testing.T) {
	logs := newLogRecorder()
	s := newService(config{drainTimeout: time.Second}, newLogger(logs), buildInfo{})
	s.routes.handle(http.MethodGet, "/test/panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	addr, _, _ := startService(t, s)
	client := newTestClient()

	resp := do(t, client, http.MethodGet, "http://"+addr+"/test/panic")
	if resp.status != http.StatusInternalServerError {
		t.Fatalf("GET /test/panic = %d, want 500", resp.status)
	}
	if got := decodeJSON[respond.Error](t, resp); got.Error != "internal server error" {
		t.Errorf("500 body = %+v, want the generic error, never the panic value", got)
	}
	panicked := logs.waitFor(t, withMsg("handler panicked"), `"handler panicked"`)
	if panicked["panic"] != "boom" || panicked["level"] != "ERROR" {
		t.Errorf("panic line = %v, want level ERROR and panic boom", panicked)
	}
	logs.waitFor(t, requestLine(http.MethodGet, "/test/panic", http.StatusInternalServerError), "for the panicking request")
	if resp := do(t, client, http.MethodGet, "http://"+addr+"/health"); resp.status != http.StatusOK {
		t.Errorf("GET /health after a panic = %d, want 200", resp.status)
	}
}

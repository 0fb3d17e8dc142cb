package smoke

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// Policies for tests: intervals are short, but timeouts stay generous so that a busy machine
// does not turn a healthy answer into a timeout and change the number of checks.
var (
	exact = Policy{Path: "/healthz", Interval: 100 * time.Millisecond, Timeout: 90 * time.Millisecond, Deadline: 5 * time.Second}
	quick = Policy{Path: "/healthz", Interval: 40 * time.Millisecond, Timeout: 30 * time.Millisecond, HealthyThreshold: 2, Deadline: 300 * time.Millisecond}
)

// scripted is a real HTTP server on a loopback port whose answer depends on the request's
// number (1, 2, …), counted on the server.
type scripted struct {
	*httptest.Server
	requests atomic.Int64
	wrong    atomic.Int64 // requests for another path or without the smoke user agent
}

func serve(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *scripted {
	t.Helper()
	s := &scripted{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || r.Header.Get("User-Agent") != userAgent {
			s.wrong.Add(1)
		}
		answer(int(s.requests.Add(1)), w, r)
	}))
	t.Cleanup(func() {
		// Closing the connections cancels the requests of hanging handlers, so Close can finish.
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

// statuses answers the n-th request with codes[n-1], and the last code after that.
func statuses(codes ...int) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[min(n, len(codes))-1])
	}
}

// hang answers only when the client gives up or the test ends.
func hang(t *testing.T) func(http.ResponseWriter, *http.Request) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

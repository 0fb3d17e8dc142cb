package smoke

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWaitHealthyCountsChecksLikeAnALB(t *testing.T) {
	tests := []struct {
		name      string
		threshold int
		codes     []int
		requests  int // checks until healthy
		best      int
	}{
		{"healthy at once", 3, []int{200}, 3, 3},
		{"healthy after warm-up", 2, []int{503, 503, 502, 404, 200}, 6, 2},
		{"flapping restarts the count", 3, []int{200, 200, 503, 200, 500, 200, 200, 200}, 8, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, statuses(tt.codes...))
			p := exact
			p.HealthyThreshold = tt.threshold
			var progress bytes.Buffer
			report, err := WaitHealthy(context.Background(), srv.Client(), srv.URL+"/", p, &progress)
			if err != nil {
				t.Fatalf("WaitHealthy: %v\nprogress:\n%s", err, progress.String())
			}
			if !report.Healthy || report.Requests != tt.requests || report.Consecutive != tt.threshold || report.BestStreak != tt.best || report.LastStatus != 200 {
				t.Errorf("report = %+v; want healthy after %d checks, %d in a row", report, tt.requests, tt.threshold)
			}
			if got := srv.requests.Load(); got != int64(tt.requests) {
				t.Errorf("the server saw %d requests, want exactly %d", got, tt.requests)
			}
			if srv.wrong.Load() != 0 {
				t.Errorf("%d requests went to another path than /healthz or lacked the user agent", srv.wrong.Load())
			}
			if lines := strings.Count(progress.String(), "\n"); lines != tt.requests {
				t.Errorf("progress has %d lines, want one per check (%d):\n%s", lines, tt.requests, progress.String())
			}
			if want := "smoke: GET " + srv.URL + "/healthz → HTTP 200 in "; !strings.Contains(progress.String(), want) {
				t.Errorf("progress lacks %q:\n%s", want, progress.String())
			}
		})
	}
}

func TestWaitHealthyGivesUpAtTheDeadlineAndSaysWhy(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "database\tunreachable\n")
	})
	report, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, quick, nil)
	if !errors.Is(err, ErrUnhealthy) {
		t.Fatalf("err = %v, want ErrUnhealthy", err)
	}
	for _, want := range []string{srv.URL + "/healthz", `HTTP 503 "database unreachable"`, "at best 0 in a row", "did not pass 2 checks in a row within 300ms", "want status 200"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if report.Healthy || report.Requests < 2 || report.LastStatus != 503 || report.BestStreak != 0 || report.Elapsed < quick.Deadline {
		t.Errorf("report = %+v", report)
	}
	if seen := srv.requests.Load(); seen < int64(report.Requests) {
		t.Errorf("report counts %d checks, but the server saw only %d", report.Requests, seen)
	}
}

func TestWaitHealthyReportsTheBestStreakWhenFlappingNeverReachesTheThreshold(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n%2 == 1 {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	_, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, quick, nil)
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "at best 1 in a row") {
		t.Fatalf("err = %v, want ErrUnhealthy with the best streak of 1", err)
	}
}

func TestWaitHealthyCountsSlowAnswersAsFailures(t *testing.T) {
	t.Parallel()
	slowHeaders := hang(t)
	slowBody := hang(t)
	srv := serve(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1: // no answer within the timeout
			slowHeaders(w, r)
		case 2: // the status in time, the body not
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			slowBody(w, r)
		}
	})
	p := exact
	p.HealthyThreshold = 2
	var progress bytes.Buffer
	report, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, p, &progress)
	if err != nil {
		t.Fatalf("WaitHealthy: %v\n%s", err, progress.String())
	}
	if report.Requests != 4 || srv.requests.Load() != 4 {
		t.Errorf("%d checks (server saw %d), want 2 slow failures then 2 successes\n%s", report.Requests, srv.requests.Load(), progress.String())
	}
	if got := strings.Count(progress.String(), "no complete response within the timeout of 90ms"); got != 2 {
		t.Errorf("progress names the timeout %d times, want 2:\n%s", got, progress.String())
	}
}

func TestWaitHealthyNamesTheTimeoutWhenNeverFastEnough(t *testing.T) {
	t.Parallel()
	slow := hang(t)
	srv := serve(t, func(_ int, w http.ResponseWriter, r *http.Request) { slow(w, r) })
	report, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, quick, nil)
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "no complete response within the timeout of 30ms") {
		t.Fatalf("err = %v, want ErrUnhealthy naming the timeout", err)
	}
	if report.LastStatus != 0 {
		t.Errorf("LastStatus = %d, want 0 (no response)", report.LastStatus)
	}
}

func TestWaitHealthyStopsWhenTheContextIsCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := hang(t)
	srv := serve(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 2 {
			cancel()
			slow(w, r) // the cancelled check never completes, so it is not counted
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	p := exact
	p.HealthyThreshold = 5
	report, err := WaitHealthy(ctx, srv.Client(), srv.URL, p, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnhealthy) {
		t.Fatalf("err = %v, want context.Canceled and not ErrUnhealthy", err)
	}
	if !strings.Contains(err.Error(), "stopped after 1 checks (1 of 5 successes in a row)") || report.Requests != 1 {
		t.Errorf("err = %v, report = %+v; want 1 counted check", err, report)
	}
}

func TestWaitHealthyJudgesRedirectsByTheirStatus(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	})
	if _, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, quick, nil); !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "HTTP 302") {
		t.Fatalf("err = %v, want the 302 to fail matcher 200", err)
	}
	seen := srv.requests.Load()
	// A passing policy ends at its second check: a deadline and timeouts far beyond it only
	// keep a slow, loaded machine from failing it.
	p := Policy{Path: quick.Path, Interval: 200 * time.Millisecond, Timeout: 150 * time.Millisecond, HealthyThreshold: 2, Deadline: 10 * time.Second}
	p.ExpectStatus = "200-399"
	report, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, p, nil)
	if err != nil || report.Requests != 2 {
		t.Fatalf("matcher 200-399: report %+v, err %v; want healthy after 2 checks", report, err)
	}
	if srv.requests.Load() != seen+2 || srv.wrong.Load() != 0 {
		t.Errorf("the redirect was followed: server saw %d more requests, %d elsewhere", srv.requests.Load()-seen, srv.wrong.Load())
	}
}

func TestWaitHealthyReportsUnreachableServers(t *testing.T) {
	t.Parallel()
	srv := serve(t, statuses(200))
	url := srv.URL
	srv.Close()
	_, err := WaitHealthy(context.Background(), nil, url, quick, nil)
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want ErrUnhealthy with connection refused", err)
	}
}

func TestWaitHealthyNeverPrintsAPasswordInTheURL(t *testing.T) {
	t.Parallel()
	srv := serve(t, statuses(503))
	withPassword := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)
	var progress bytes.Buffer
	report, err := WaitHealthy(context.Background(), srv.Client(), withPassword, quick, &progress)
	if err == nil {
		t.Fatal("WaitHealthy succeeded against a 503")
	}
	for what, text := range map[string]string{"error": err.Error(), "progress": progress.String(), "report": report.URL} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("%s shows the password: %s", what, text)
		}
	}
	for _, bad := range []string{"http://user:hunter2@[::1", "ftp://user:hunter2@host/", "https://user:hunter2@host/?x=1"} {
		_, err := WaitHealthy(context.Background(), nil, bad, quick, nil)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("WaitHealthy(%q): err = %v, want an error without the password", bad, err)
		}
	}
}

func TestWaitHealthyRejectsBadPoliciesBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv := serve(t, statuses(200))
	tests := []struct {
		policy Policy
		want   string
	}{
		{Policy{Path: "healthz"}, `path "healthz" must start with "/"`},
		{Policy{Interval: time.Second, Timeout: time.Second}, "timeout 1s must be shorter than the interval 1s"},
		{Policy{Interval: -time.Second}, "negative value"},
		{Policy{Interval: 10 * time.Second, HealthyThreshold: 3, Deadline: 20 * time.Second}, "deadline 20s is too short to ever see 3 successes in a row 10s apart (at least 25s)"},
		{Policy{ExpectStatus: "2xx"}, `expected status "2xx" is not an ALB matcher`},
	}
	for _, tt := range tests {
		_, err := WaitHealthy(context.Background(), srv.Client(), srv.URL, tt.policy, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("policy %+v: err = %v, want %q", tt.policy, err, tt.want)
		}
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("the server saw %d requests for invalid policies", n)
	}
}

package smoke

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCheckPassesOn2xxAfterRedirects(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/healthz", http.StatusMovedPermanently)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	res, err := Check(context.Background(), srv.Client(), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Body != "ok" || res.URL != srv.URL+"/" || srv.requests.Load() != 2 {
		t.Fatalf("Check = %+v after %d requests; want 200 ok via the redirect", res, srv.requests.Load())
	}
}

func TestCheckFailsOnOtherStatusesWithTheBody(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "template missing", http.StatusInternalServerError)
	})
	res, err := Check(context.Background(), srv.Client(), srv.URL+"/healthz?full=1")
	if err == nil || res.Status != 500 {
		t.Fatalf("Check = %+v, %v; want a failure with status 500", res, err)
	}
	for _, want := range []string{"GET " + srv.URL + "/healthz?full=1", `HTTP 500 "template missing"`, "want a 2xx status"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestCheckHonoursTheContext(t *testing.T) {
	t.Parallel()
	slow := hang(t)
	srv := serve(t, func(_ int, w http.ResponseWriter, r *http.Request) { slow(w, r) })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Check(ctx, srv.Client(), srv.URL+"/healthz")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestCheckRejectsWhatIsNotAnHTTPURL(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "app.example.com", "ftp://app.example.com", "http://"} {
		if _, err := Check(context.Background(), nil, bad); err == nil || !strings.Contains(err.Error(), "http(s)://HOST") {
			t.Errorf("Check(%q): err = %v, want the URL form explained", bad, err)
		}
	}
}

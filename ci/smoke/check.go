package smoke

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// CheckTimeout bounds Check, response body included.
const CheckTimeout = 10 * time.Second

// Result is what one Check saw.
type Result struct {
	URL     string        // the checked URL (password redacted)
	Status  int           // the final status, after the client's redirect policy; 0 without response
	Body    string        // the start of the body, printable, for messages
	Elapsed time.Duration // time to the end of the body
}

// Check is a one-shot smoke test: a GET of url that must answer 2xx within CheckTimeout (or
// ctx's earlier deadline). Unlike WaitHealthy it follows redirects as client does (nil means
// http.DefaultClient), because it checks what a user would get.
func Check(ctx context.Context, client *http.Client, url string) (Result, error) {
	u, err := parseHTTPURL(url)
	if err != nil {
		return Result{}, err
	}
	target, shown := u.String(), u.Redacted()
	if client == nil {
		client = http.DefaultClient
	}
	r := get(ctx, client, target, CheckTimeout)
	res := Result{URL: shown, Status: r.status, Body: r.snippet, Elapsed: r.elapsed}
	if r.err != nil {
		return res, fmt.Errorf("smoke check GET %s: %w", shown, r.err)
	}
	if r.status < 200 || r.status > 299 {
		return res, fmt.Errorf("smoke check GET %s answered %s, want a 2xx status; check the service's logs", shown, r.describe())
	}
	return res, nil
}

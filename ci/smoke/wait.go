package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrUnhealthy is wrapped by WaitHealthy's error when the deadline passed first.
var ErrUnhealthy = errors.New("not healthy")

// Report is what WaitHealthy saw.
type Report struct {
	URL         string        // the checked URL (password redacted)
	Healthy     bool          // HealthyThreshold checks in a row succeeded
	Requests    int           // checks made
	Consecutive int           // successes in a row at the end
	BestStreak  int           // most successes in a row at any time
	LastStatus  int           // status of the last response; 0 when the last check got none
	LastResult  string        // the last check's outcome: "HTTP 503 \"body…\"" or the error
	Elapsed     time.Duration // from the first check to the end
}

// WaitHealthy checks baseURL+p.Path every p.Interval until p.HealthyThreshold checks in a row
// succeed (Report.Healthy), p.Deadline passes (an error wrapping ErrUnhealthy that names the
// URL, the last status or error, and the longest streak), or ctx ends (an error wrapping ctx's).
// A check succeeds when a response with a status in p.ExpectStatus arrives, body included,
// within p.Timeout; redirects are not followed. Each check is written as a line to progress,
// which may be nil. client nil means http.DefaultClient's transport.
func WaitHealthy(ctx context.Context, client *http.Client, baseURL string, p Policy, progress io.Writer) (Report, error) {
	p = p.withDefaults()
	matcher, err := p.validate()
	if err != nil {
		return Report{}, err
	}
	target, shown, err := joinURL(baseURL, p.Path)
	if err != nil {
		return Report{}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	client = noRedirects(client)
	report := Report{URL: shown}

	deadlineCtx, cancel := context.WithTimeout(ctx, p.Deadline)
	defer cancel()
	ticker := time.NewTicker(p.Interval)
	defer ticker.Stop()
	start := time.Now()
	for {
		result := get(deadlineCtx, client, target, p.Timeout)
		if deadlineCtx.Err() != nil && result.err != nil {
			// Cut short by the deadline or by ctx: not the service's verdict, so not counted.
			return giveUp(ctx, report, p, time.Since(start))
		}
		report.Requests++
		report.LastStatus, report.LastResult = result.status, result.describe()
		if result.err == nil && matcher.matches(result.status) {
			report.Consecutive++
			report.BestStreak = max(report.BestStreak, report.Consecutive)
		} else {
			report.Consecutive = 0
		}
		fmt.Fprintf(progress, "smoke: GET %s → %s in %s (%d/%d in a row)\n", report.URL, result.describe(), result.elapsed.Round(time.Millisecond), report.Consecutive, p.HealthyThreshold)
		if report.Consecutive >= p.HealthyThreshold {
			report.Healthy = true
			report.Elapsed = time.Since(start)
			return report, nil
		}
		select {
		case <-deadlineCtx.Done():
			return giveUp(ctx, report, p, time.Since(start))
		case <-ticker.C:
		}
	}
}

// giveUp explains why WaitHealthy stopped: ctx ended, or the deadline passed.
func giveUp(ctx context.Context, report Report, p Policy, elapsed time.Duration) (Report, error) {
	report.Elapsed = elapsed
	if err := ctx.Err(); err != nil {
		return report, fmt.Errorf("smoke check of %s stopped after %d checks (%d of %d successes in a row): %w", report.URL, report.Requests, report.Consecutive, p.HealthyThreshold, err)
	}
	last := report.LastResult
	if report.Requests == 0 {
		last = "no check completed"
	}
	return report, fmt.Errorf("%w: %s did not pass %d checks in a row within %s: %d checks, at best %d in a row, last: %s (want status %s); check the service's logs and that it serves this path",
		ErrUnhealthy, report.URL, p.HealthyThreshold, p.Deadline, report.Requests, report.BestStreak, last, p.ExpectStatus)
}

// joinURL appends path to baseURL and returns it with a version safe to print.
func joinURL(baseURL, path string) (target, shown string, err error) {
	u, err := parseHTTPURL(baseURL)
	if err != nil {
		return "", "", err
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("smoke check URL %q has a query or fragment; pass the base URL and put the query in the policy's path", u.Redacted())
	}
	base := strings.TrimRight(u.String(), "/")
	shownBase := strings.TrimRight(u.Redacted(), "/")
	return base + path, shownBase + path, nil
}

// parseHTTPURL parses an http(s) URL; its errors never show a password the URL may hold.
func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("smoke check URL is not a URL (%v); pass http(s)://HOST[:PORT][/PATH], e.g. https://app.example.com", redactParseError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("smoke check URL %q must be http(s)://HOST[:PORT][/PATH], e.g. https://app.example.com or http://my-alb-123.eu-west-1.elb.amazonaws.com", u.Redacted())
	}
	return u, nil
}

// redactParseError drops the URL from url.Parse's error, since it may hold a password.
func redactParseError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// noRedirects returns a client like c that, as an ALB health check, judges a redirect by its own
// status instead of following it.
func noRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	copied := *c
	copied.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &copied
}

package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// userAgent tells the service's access logs what these requests are.
const userAgent = "dagger-pipeline-smoke/1"

const (
	// snippetBytes is how much of a response body goes into reports, enough for an error message.
	snippetBytes = 160
	// drainBytes is how much body is read so the connection can be reused; more is discarded.
	drainBytes = 64 << 10
)

// probeResult is the outcome of one GET.
type probeResult struct {
	status  int           // 0 when there was no response
	snippet string        // the start of the body, printable
	err     error         // transport error or timeout; nil when a response arrived in time
	elapsed time.Duration // time to the end of the body
}

// describe says what happened, for progress lines and errors.
func (r probeResult) describe() string {
	if r.err != nil {
		return r.err.Error()
	}
	s := fmt.Sprintf("HTTP %d", r.status)
	if r.snippet != "" {
		s += fmt.Sprintf(" %q", r.snippet)
	}
	return s
}

// get requests url once, the response body included within timeout.
func get(parent context.Context, client *http.Client, url string, timeout time.Duration) probeResult {
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return probeResult{err: err}
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(req)
	if err != nil {
		return probeResult{err: explain(parent, ctx, timeout, err), elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	head := make([]byte, snippetBytes)
	n, err := io.ReadFull(resp.Body, head)
	if err == nil {
		_, err = io.CopyN(io.Discard, resp.Body, drainBytes)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return probeResult{status: resp.StatusCode, err: explain(parent, ctx, timeout, fmt.Errorf("HTTP %d, reading the body: %w", resp.StatusCode, err)), elapsed: time.Since(start)}
	}
	return probeResult{status: resp.StatusCode, snippet: printable(head[:n]), elapsed: time.Since(start)}
}

// explain turns the check's own "context deadline exceeded" into what it means here; when the
// parent ended instead, err stays as it is.
func explain(parent, ctx context.Context, timeout time.Duration, err error) error {
	if parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete response within the timeout of %s: %w", timeout, err)
	}
	return err
}

// printable makes a body snippet safe for one log line.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "�")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

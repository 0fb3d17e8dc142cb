package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The command serves the named scenario on the address it prints, until its context ends.
func TestServesTheScenarioUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-scenario", "crashloop", "-unit", "10ms"}, w)
		w.Close()
	}()
	first, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, out)
	m := regexp.MustCompile(`serving CrashLoop on (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q does not name the scenario and address", first)
	}
	req, _ := http.NewRequest(http.MethodPost, m[1], strings.NewReader(`{"cluster":"demo","services":["web"]}`))
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"serviceName":"web"`) {
		t.Fatalf("DescribeServices answered %d %s", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after interrupt, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestUnknownScenarioListsTheKnownOnes(t *testing.T) {
	err := run(context.Background(), []string{"-scenario", "nope"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "HealthyRollout") || !strings.Contains(err.Error(), "CircuitBreakerRollback") {
		t.Fatalf("err = %v, want the list of scenarios", err)
	}
}

func TestFallbackMustBeAnEndpointURL(t *testing.T) {
	err := run(context.Background(), []string{"-fallback", "127.0.0.1:5000"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "http://") {
		t.Fatalf("err = %v, want a message that asks for an endpoint URL", err)
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
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
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-scenario", "crashloop", "-unit", "10ms"}, w, io.Discard)
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
	case code := <-done:
		if code != 0 {
			t.Fatalf("run exited %d after interrupt, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

// refused runs the command with args, which it must refuse with exit code 2, and returns what
// it said.
func refused(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
		t.Fatalf("%v: exit code %d, want 2; stdout:\n%s", args, code, stdout.String())
	}
	if strings.Contains(stdout.String(), "serving") {
		t.Errorf("%v: served anyway:\n%s", args, stdout.String())
	}
	return stderr.String()
}

func TestUnknownScenarioListsTheKnownOnes(t *testing.T) {
	if msg := refused(t, "-scenario", "nope"); !strings.Contains(msg, "HealthyRollout") || !strings.Contains(msg, "CircuitBreakerRollback") {
		t.Fatalf("%s: want the list of scenarios", msg)
	}
}

func TestFallbackMustBeAnEndpointURL(t *testing.T) {
	if msg := refused(t, "-fallback", "127.0.0.1:5000"); !strings.Contains(msg, "http://") {
		t.Fatalf("%s: want a message that asks for an endpoint URL", msg)
	}
}

// The fake accepts any credentials: it serves beyond this machine only when told to.
func TestServesOnlyLoopbackUnlessPublic(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.10:4566", "example.com:4566"} {
		if msg := refused(t, "-addr", addr); !strings.Contains(msg, "is not a loopback address") || !strings.Contains(msg, "-public") {
			t.Errorf("-addr %s: %s; want it refused, naming -public", addr, msg)
		}
	}
	if msg := refused(t, "-addr", "4566"); !strings.Contains(msg, "is not HOST:PORT") {
		t.Errorf("-addr 4566: %s", msg)
	}
	for addr, want := range map[string]string{
		":0":          `serving HealthyRollout on http://127\.0\.0\.1:\d+ `, // an empty host is loopback, not every interface
		"[::1]:0":     `serving HealthyRollout on http://\[::1\]:\d+ `,
		"localhost:0": `serving HealthyRollout on http://127\.0\.0\.1:\d+ `,
	} {
		if addr == "[::1]:0" && !hasIPv6Loopback() {
			continue
		}
		if first := firstLine(t, "-addr", addr); !regexp.MustCompile(want).MatchString(first) {
			t.Errorf("-addr %s: first line %q, want %s", addr, first, want)
		}
	}
	if first := firstLine(t, "-addr", "0.0.0.0:0", "-public"); !regexp.MustCompile(`serving HealthyRollout on http://(0\.0\.0\.0|\[::\]):\d+ `).MatchString(first) {
		t.Errorf("-public -addr 0.0.0.0:0: first line %q", first)
	}
}

// firstLine starts the command with args, returns the first line it prints and stops it.
func firstLine(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, w, io.Discard)
		w.Close()
	}()
	first, _ := bufio.NewReader(out).ReadString('\n')
	go io.Copy(io.Discard, out)
	cancel()
	<-done
	return first
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestRejectsExtraArguments(t *testing.T) {
	if msg := refused(t, "CrashLoop"); !strings.Contains(msg, `unexpected arguments ["CrashLoop"]`) || !strings.Contains(msg, "-scenario CrashLoop") {
		t.Errorf("%s: want the argument named and the flag to use", msg)
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, arg := range []string{"-help", "--help", "-h"} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), []string{arg}, &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit code %d, want 0", arg, code)
		}
		if !strings.Contains(stdout.String(), "usage: fakeaws") || !strings.Contains(stdout.String(), "-public") {
			t.Errorf("%s: stdout lacks the usage:\n%s", arg, stdout.String())
		}
	}
}

// -also adds services without a load balancer, each playing its scenario, which DescribeServices
// answers for together with the main one.
func TestAlsoAddsWorkersToTheCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-also", "worker=crash-loop,mailer", "-also", "cron=SlowStart", "-unit", "10ms"}, w, io.Discard)
		w.Close()
	}()
	r := bufio.NewReader(out)
	var lines []string
	for len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "image to deploy:") {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		lines = append(lines, strings.TrimSuffix(line, "\n"))
	}
	go io.Copy(io.Discard, out)
	m := regexp.MustCompile(`serving HealthyRollout on (http://127\.0\.0\.1:\d+) \(cluster demo, service web, container app\)`).FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("first line %q does not name the main service", lines[0])
	}
	want := []string{
		"also serving CrashLoop (service worker, container worker, no load balancer)",
		"also serving HealthyRollout (service mailer, container mailer, no load balancer)",
		"also serving SlowStart (service cron, container cron, no load balancer)",
	}
	if len(lines) != 5 || strings.Join(lines[1:4], "\n") != strings.Join(want, "\n") {
		t.Errorf("lines = %q, want the main service, then\n%s", lines, strings.Join(want, "\n"))
	}
	req, _ := http.NewRequest(http.MethodPost, m[1], strings.NewReader(`{"cluster":"demo","services":["web","worker","mailer","cron"]}`))
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeServices")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Services []struct {
			ServiceName    string
			TaskDefinition string
			LoadBalancers  []any
		}
		Failures []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("DescribeServices answered %d: %v", resp.StatusCode, err)
	}
	if len(got.Services) != 4 || len(got.Failures) != 0 {
		t.Fatalf("DescribeServices = %+v", got)
	}
	for i, name := range []string{"web", "worker", "mailer", "cron"} {
		s := got.Services[i]
		if s.ServiceName != name || !strings.HasSuffix(s.TaskDefinition, ":task-definition/"+name+":1") || (len(s.LoadBalancers) == 0) != (name != "web") {
			t.Errorf("service %d = %+v, want %s on its family's revision 1, with a load balancer only for web", i, s, name)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("run exited %d", code)
	}
}

func TestAlsoRefusesWhatItCannotServe(t *testing.T) {
	for spec, want := range map[string]string{
		"worker=nope":         `unknown scenario "nope"`,
		"web=CrashLoop":       "already has a service web",
		"worker,worker":       "already has a service worker",
		"=CrashLoop":          "is not a service name",
		"my worker=CrashLoop": "is not a service name",
		"worker,":             "is not a service name",
	} {
		if msg := refused(t, "-also", spec); !strings.Contains(msg, want) {
			t.Errorf("-also %s: %s; want %q", spec, msg, want)
		}
	}
}

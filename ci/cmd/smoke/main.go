// Command smoke waits until a service passes the health policy an ALB applies (N consecutive
// successes, an interval apart), then smoke-tests one path. `dagger call deploy --env=local` runs
// it next to the service; it works against any URL.
//
//	smoke -base http://app:8080 [-health-path /health] [-smoke-path /] [-healthy-threshold 5] [-interval 30s] [-deadline D]
//
// The defaults are an ALB's: 5 checks in a row, 30 s apart; the deadline defaults to twice what
// such a streak takes. A combination that can never pass is refused before the first request.
//
// Exit codes: 0 healthy and smoke test passed, 1 not healthy or smoke test failed, 2 bad flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"dagger/pipeline/internal/cliflag"
	"dagger/pipeline/smoke"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the service's base `URL`, e.g. http://app:8080 (required)")
	healthPath := fs.String("health-path", smoke.DefaultPath, "the health-check `path`")
	smokePath := fs.String("smoke-path", "/", "the `path` smoke-tested once the service is healthy")
	threshold := fs.Int("healthy-threshold", smoke.DefaultHealthyThreshold, "consecutive successes that make the service healthy")
	interval := cliflag.Duration(fs, "interval", smoke.DefaultInterval, "`duration` between health checks")
	deadline := cliflag.Duration(fs, "deadline", 0, "give up after this `duration` (default: 2 × healthy-threshold × interval, enough for one broken streak)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: smoke -base URL [flags]\n\nWaits until URL passes an ALB's health policy, then smoke-tests one path.\n\nflags:\n")
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args, stdout, "(smoke -help lists the flags)")
	if help {
		return 0
	}
	if err != nil {
		return 2
	}
	if *base == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "smoke: pass -base with the service's URL, e.g. -base http://app:8080, and no other arguments")
		return 2
	}
	if err := smoke.CheckBaseURL(*base); err != nil {
		fmt.Fprintf(stderr, "smoke: -base: %v\n", err)
		return 2
	}
	policy := smoke.Policy{Path: *healthPath, Interval: *interval, HealthyThreshold: *threshold, Deadline: *deadline}
	if *interval > 0 && *interval <= smoke.DefaultTimeout {
		// An ALB requires the timeout to be shorter than the interval.
		policy.Timeout = *interval / 2
	}
	// An impossible policy is bad flags, told now: not a service that was never healthy.
	if policy, err = policy.Check(); err != nil {
		fmt.Fprintf(stderr, "smoke: %v\n", err)
		return 2
	}
	report, err := smoke.WaitHealthy(ctx, nil, *base, policy, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "smoke: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "healthy: %s passed %d checks in a row (%d requests, %s)\n",
		report.URL, report.Consecutive, report.Requests, report.Elapsed.Round(time.Millisecond))
	result, err := smoke.Check(ctx, nil, strings.TrimRight(*base, "/")+*smokePath)
	if err != nil {
		fmt.Fprintf(stderr, "smoke: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "smoke test: GET %s answered %d in %s\n", result.URL, result.Status, result.Elapsed.Round(time.Millisecond))
	return 0
}

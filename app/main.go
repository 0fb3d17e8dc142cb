// Command service is the sample HTTP service that the pipeline in ci/ builds, tests and deploys to
// Amazon ECS behind an Application Load Balancer.
//
// Configuration comes from the environment (see config.go): PORT, HOST, DRAIN_TIMEOUT and
// DEREGISTRATION_GRACE. On SIGTERM or SIGINT the service reports itself unhealthy, keeps serving for
// the deregistration grace, then stops accepting connections and lets in-flight requests finish
// within DRAIN_TIMEOUT.
//
// Run with the single argument "healthcheck", the binary probes a running instance's /health and exits
// 0 when it is healthy: the runtime image has no shell or curl, so this is what an ECS container
// health check can call. With the single argument "version" it prints the version, commit and build
// time stamped into it, as GET /version does. With "migrate" it applies the service's migrations
// (the sample only logs them) and exits: 0 when they applied, 1 when one failed ("migrate --fail"
// fails on purpose).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	go func() {
		// Once draining has begun, restore the default signal behaviour so that a second Ctrl-C
		// (or SIGTERM) kills a process that is taking too long to drain.
		<-ctx.Done()
		stop()
	}()

	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		newLogger(os.Stdout).Error("service failed", "error", err.Error())
		os.Exit(1)
	}
}

// run is main without process globals, so tests can start the real service in-process: cancelling
// ctx plays the part of SIGTERM, getenv supplies the configuration and logs go to stdout.
// It returns nil after a clean shutdown.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 1 && args[0] == versionCommand {
		return printVersion(stdout, currentBuildInfo())
	}
	if len(args) >= 1 && args[0] == migrateCommand {
		return migrate(ctx, args[1:], stdout)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}

	switch {
	case len(args) == 0:
		return serveFromConfig(ctx, cfg, newLogger(stdout))
	case len(args) == 1 && args[0] == healthcheckCommand:
		return probeHealth(ctx, cfg)
	default:
		return fmt.Errorf("unexpected arguments %q: the service is configured through environment variables "+
			"(PORT, HOST, DRAIN_TIMEOUT, DEREGISTRATION_GRACE) and accepts only one of the arguments %q, %q or %q; "+
			"remove the other arguments", args, healthcheckCommand, versionCommand, migrateCommand)
	}
}

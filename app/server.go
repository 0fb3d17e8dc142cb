package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// HTTP server timeouts. Idle keep-alive connections outlive the ALB's default 60 s idle timeout, as AWS
// recommends, so the load balancer, not the target, closes them and never reuses a closed connection.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 75 * time.Second
)

// service is the HTTP service: its routes, its drain state and its shutdown sequence.
type service struct {
	cfg    config
	logger *slog.Logger
	build  buildInfo
	drain  drainState
	routes *router
	// afterGrace returns a channel that fires when the deregistration grace has passed. It is
	// time.After; tests replace it to hold the service in its grace period without sleeping.
	afterGrace func(time.Duration) <-chan time.Time
}

// newService returns the service with its public routes registered.
func newService(cfg config, logger *slog.Logger, build buildInfo) *service {
	s := &service{
		cfg:        cfg,
		logger:     logger,
		build:      build,
		routes:     newRouter(),
		afterGrace: time.After,
	}
	s.routes.handle(http.MethodGet, "/", handleRoot(build))
	s.routes.handle(http.MethodGet, "/health", handleHealth(&s.drain))
	s.routes.handle(http.MethodGet, "/version", handleVersion(build))
	return s
}

// serveFromConfig listens on the configured address and serves until ctx is cancelled.
func serveFromConfig(ctx context.Context, cfg config, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.listenAddr())
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w; check %s and %s (another process may hold the port)",
			cfg.listenAddr(), err, envHost, envPort)
	}
	return newService(cfg, logger, currentBuildInfo()).serve(ctx, ln)
}

// serve answers requests on ln until ctx is cancelled, then drains:
//
//  1. /health turns 503 and keep-alives stop, while every request is still served, for the
//     deregistration grace, so the load balancer notices and stops routing here;
//  2. the listener closes and in-flight requests get the rest of the drain period to finish;
//  3. whatever is still running when the drain period ends is cut off and serve returns an error.
//
// serve takes ownership of ln and returns nil after a clean drain.
func (s *service) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           logRequests(s.logger, s.routes),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	s.logger.Info("started",
		"addr", ln.Addr().String(),
		"version", s.build.Version,
		"commit", s.build.Commit,
		"build_time", s.build.BuildTime,
		"drain_timeout", s.cfg.drainTimeout.String(),
		"deregistration_grace", s.cfg.deregistrationGrace.String(),
	)

	select {
	case err := <-served:
		return fmt.Errorf("server stopped unexpectedly: %w", err)
	case <-ctx.Done():
	}

	drainDeadline := time.Now().Add(s.cfg.drainTimeout)
	s.drain.begin()
	// Connection: close on every answer from now on, so clients and the load balancer reconnect,
	// and reach a healthy target, instead of reusing a connection to this one.
	srv.SetKeepAlivesEnabled(false)
	s.logger.Info("draining",
		"reason", context.Cause(ctx).Error(),
		"deregistration_grace", s.cfg.deregistrationGrace.String(),
		"drain_timeout", s.cfg.drainTimeout.String(),
	)

	if s.cfg.deregistrationGrace > 0 {
		select {
		case <-s.afterGrace(s.cfg.deregistrationGrace):
		case err := <-served:
			return fmt.Errorf("server stopped unexpectedly while draining: %w", err)
		}
	}

	s.logger.Info("shutting down", "remaining", time.Until(drainDeadline).Round(time.Millisecond).String())
	shutdownCtx, cancel := context.WithDeadline(context.Background(), drainDeadline)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Close cuts the remaining connections, so no handler outlives the process' drain budget.
		closeErr := srv.Close()
		<-served
		s.logger.Error("drain timed out", "drain_timeout", s.cfg.drainTimeout.String())
		return errors.Join(fmt.Errorf("requests were still running when %s (%s) ran out and were cut off: %w; "+
			"raise %s (keeping it below the ECS stopTimeout) or make the slow requests finish sooner",
			envDrainTimeout, s.cfg.drainTimeout, err, envDrainTimeout), closeErr)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server stopped with an error during shutdown: %w", err)
	}
	s.logger.Info("stopped")
	return nil
}

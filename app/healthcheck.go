package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// healthcheckCommand is the argument that turns the binary into a probe of a running instance, for
// an ECS container health check: ["CMD", "/service", "healthcheck"].
const healthcheckCommand = "healthcheck"

// probeTimeout keeps the probe below ECS's shortest health check timeout (2 s).
const probeTimeout = 2 * time.Second

// probeHealth asks the instance listening on the configured port, in the same container, for /health
// and returns nil only on a 200.
func probeHealth(ctx context.Context, cfg config) error {
	host := cfg.host
	if host == "" || host == "0.0.0.0" || host == "::" {
		// The server listens on every interface; loopback is one of them and needs no DNS.
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(cfg.port)) + "/health"

	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health check: cannot build the request for %s: %w; check %s and %s", url, err, envHost, envPort)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %s is unreachable: %w; is the service running with the same %s and %s?",
			url, err, envHost, envPort)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s answered %s, want 200 OK (503 means the service is draining)", url, resp.Status)
	}
	return nil
}

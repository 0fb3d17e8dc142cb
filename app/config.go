package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Environment variables the service reads, with their defaults.
const (
	envPort                = "PORT"
	envHost                = "HOST"
	envDrainTimeout        = "DRAIN_TIMEOUT"
	envDeregistrationGrace = "DEREGISTRATION_GRACE"

	defaultPort = 8080
	// 20 s leaves headroom below ECS's default stopTimeout of 30 s, after which ECS sends SIGKILL.
	defaultDrainTimeout = 20 * time.Second
	// Long enough for a load balancer polling /health every few seconds to see the 503 before the
	// listener closes, short enough to leave most of the drain period to in-flight requests.
	defaultDeregistrationGrace = 5 * time.Second

	// ECS caps a container's stopTimeout at 120 s: a longer drain could never finish before SIGKILL.
	maxDrainTimeout = 120 * time.Second
)

// config is the validated runtime configuration.
type config struct {
	// host is the interface to listen on; empty means all interfaces, which a container needs.
	host string
	// port is the TCP port; 0 lets the kernel pick a free one (tests use it).
	port int
	// drainTimeout bounds the whole shutdown after SIGTERM: grace plus in-flight requests.
	drainTimeout time.Duration
	// deregistrationGrace is how long the service keeps serving, with /health at 503, before it
	// stops accepting connections.
	deregistrationGrace time.Duration
}

// listenAddr is the host:port to listen on.
func (c config) listenAddr() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

// loadConfig reads and validates the configuration. It reports every invalid variable at once, so a
// misconfigured task definition is fixed in one deploy rather than one variable per deploy.
func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		host:                getenv(envHost),
		port:                defaultPort,
		drainTimeout:        defaultDrainTimeout,
		deregistrationGrace: defaultDeregistrationGrace,
	}
	var problems []error

	if raw := getenv(envPort); raw != "" {
		port, err := strconv.Atoi(raw)
		if err != nil || port < 0 || port > 65535 {
			problems = append(problems, fmt.Errorf("%s=%q is not a TCP port: it must be a whole number from 0 to 65535 "+
				"(0 picks a free port); set it to the container port the load balancer targets, e.g. %s=%d",
				envPort, raw, envPort, defaultPort))
		} else {
			cfg.port = port
		}
	}

	drainValid := true
	if raw := getenv(envDrainTimeout); raw != "" {
		d, err := time.ParseDuration(raw)
		switch {
		case err != nil:
			drainValid = false
			problems = append(problems, fmt.Errorf("%s=%q is not a Go duration (%v): write a number with a unit, e.g. %s=20s",
				envDrainTimeout, raw, err, envDrainTimeout))
		case d <= 0:
			drainValid = false
			problems = append(problems, fmt.Errorf("%s=%q must be greater than zero: in-flight requests need time to finish "+
				"after SIGTERM; use a value below the ECS stopTimeout (30s by default), e.g. %s=20s",
				envDrainTimeout, raw, envDrainTimeout))
		case d > maxDrainTimeout:
			drainValid = false
			problems = append(problems, fmt.Errorf("%s=%q exceeds %s, the largest ECS stopTimeout: ECS would kill the task "+
				"before the drain ends; use a value below the task's stopTimeout, e.g. %s=20s",
				envDrainTimeout, raw, maxDrainTimeout, envDrainTimeout))
		default:
			cfg.drainTimeout = d
		}
	}

	graceValid, graceSource := true, "the default"
	if raw := getenv(envDeregistrationGrace); raw != "" {
		graceSource = "set"
		d, err := time.ParseDuration(raw)
		switch {
		case err != nil:
			graceValid = false
			problems = append(problems, fmt.Errorf("%s=%q is not a Go duration (%v): write a number with a unit, "+
				"e.g. %s=5s, or %s=0s to stop accepting connections as soon as SIGTERM arrives",
				envDeregistrationGrace, raw, err, envDeregistrationGrace, envDeregistrationGrace))
		case d < 0:
			graceValid = false
			problems = append(problems, fmt.Errorf("%s=%q is negative: use 0s for no grace or a positive value, e.g. %s=5s",
				envDeregistrationGrace, raw, envDeregistrationGrace))
		default:
			cfg.deregistrationGrace = d
		}
	}

	// The grace is spent inside the drain period, so it must leave time for in-flight requests.
	if drainValid && graceValid && cfg.deregistrationGrace >= cfg.drainTimeout {
		problems = append(problems, fmt.Errorf("%s (%s, %s) must be shorter than %s (%s): the grace is part of the drain "+
			"period and in-flight requests need the rest of it; lower %s or raise %s",
			envDeregistrationGrace, cfg.deregistrationGrace, graceSource, envDrainTimeout, cfg.drainTimeout,
			envDeregistrationGrace, envDrainTimeout))
	}

	if len(problems) > 0 {
		return config{}, fmt.Errorf("invalid configuration: %w", errors.Join(problems...))
	}
	return cfg, nil
}

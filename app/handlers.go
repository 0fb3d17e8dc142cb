package main

import (
	"net/http"

	"github.com/acme/service/app/internal/respond"
)

// greeting is the body of GET /, the endpoint smoke tests hit after a deploy.
type greeting struct {
	Message string `json:"message"`
	Version string `json:"version"`
}

// healthStatus is the body of GET /health.
type healthStatus struct {
	Status string `json:"status"`
}

const (
	healthOK       = "ok"
	healthDraining = "draining"
)

func handleRoot(build buildInfo) http.HandlerFunc {
	body := greeting{Message: "hello from acme service", Version: build.Version}
	return func(w http.ResponseWriter, _ *http.Request) {
		respond.JSON(w, http.StatusOK, body)
	}
}

// handleHealth answers 503 once draining has begun so the load balancer marks the target unhealthy
// and stops routing new requests to it before the listener closes.
func handleHealth(drain *drainState) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if drain.active() {
			respond.JSON(w, http.StatusServiceUnavailable, healthStatus{Status: healthDraining})
			return
		}
		respond.JSON(w, http.StatusOK, healthStatus{Status: healthOK})
	}
}

func handleVersion(build buildInfo) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		respond.JSON(w, http.StatusOK, build)
	}
}

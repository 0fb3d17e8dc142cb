// Package respond writes the service's JSON answers. It is a package of its own, besides what it
// shares, so that the module has more than one package: `go build ./...` at the root then only
// compiles, instead of writing a binary named "app" where the directory app/ is.
package respond

import (
	"encoding/json"
	"net/http"
)

// Error is the body of every error answer, so clients parse one shape.
type Error struct {
	Error string `json:"error"`
	// Allowed lists the methods the path accepts; only set on 405.
	Allowed []string `json:"allowed,omitempty"`
}

// JSON sends body as JSON with the given status. Health and version answers must never be
// served from a cache, and no answer of this service is cacheable, so it always sets no-store.
func JSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		// Only reachable through a programming error (an unencodable type); fail loudly but safely.
		status = http.StatusInternalServerError
		encoded = []byte(`{"error":"internal server error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(encoded, '\n'))
}

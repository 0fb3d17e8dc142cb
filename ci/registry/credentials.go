package registry

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Credentials log in to one registry, as `docker login -u Username -p Password Registry` would.
//
// Password is a bearer token. Credentials print without it in every form (fmt verbs, JSON,
// slog), but fmt cannot call these methods on a Credentials held in an unexported struct field,
// so keep Credentials in exported fields or variables, and hand Password to a secret store (such
// as dagger's SetSecret) as soon as possible.
type Credentials struct {
	Registry  string    // the registry host, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com
	Username  string    // "AWS" for ECR
	Password  string    // the token; never printed
	ExpiresAt time.Time // when the registry stops accepting Password; zero when unknown
}

// String describes the credentials without the password.
func (c Credentials) String() string {
	s := "ecr login for " + c.Registry + " as " + c.Username
	if c.Password == "" {
		s += " (no password)"
	}
	if !c.ExpiresAt.IsZero() {
		s += " (expires " + c.ExpiresAt.UTC().Format(time.RFC3339) + ")"
	}
	return s
}

// GoString is String, so that %#v cannot print the password either.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q, %x, …), so that no verb reaches
// the password through fmt's default struct printing.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = f.Write([]byte(strconv.Quote(c.String())))
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// MarshalJSON writes the credentials without the password.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Registry  string    `json:"registry"`
		Username  string    `json:"username"`
		Password  string    `json:"password"`
		ExpiresAt time.Time `json:"expiresAt,omitzero"`
	}{c.Registry, c.Username, redacted, c.ExpiresAt})
}

// LogValue logs the credentials without the password.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("registry", c.Registry),
		slog.String("username", c.Username),
		slog.String("password", redacted),
		slog.Time("expiresAt", c.ExpiresAt),
	)
}

const redacted = "[REDACTED]"

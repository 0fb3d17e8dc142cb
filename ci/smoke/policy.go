// Package smoke checks that a deployed HTTP service answers, the way an Application Load
// Balancer's target-group health check decides that a target is healthy: a GET of one path at a
// fixed interval, each answer within a timeout and with an expected status, HealthyThreshold
// times in a row.
package smoke

import (
	"fmt"
	"strings"
	"time"
)

// ALB's target-group defaults, which Policy's zero fields take.
const (
	DefaultPath             = "/"
	DefaultInterval         = 30 * time.Second
	DefaultTimeout          = 5 * time.Second
	DefaultHealthyThreshold = 5
	DefaultExpectStatus     = "200"
)

// Policy is a health-check policy. Zero fields take ALB's defaults (see the Default constants),
// and Deadline defaults to 2 × HealthyThreshold × Interval, enough for one broken streak.
type Policy struct {
	// Path is the request path, starting with "/" (may carry a query).
	Path string
	// Interval is the time between the starts of two checks.
	Interval time.Duration
	// Timeout bounds each check, response body included. As on an ALB, it must be shorter than
	// Interval.
	Timeout time.Duration
	// HealthyThreshold is how many checks in a row must succeed; any failure restarts the count.
	HealthyThreshold int
	// Deadline is when to give up, counted from the first check.
	Deadline time.Duration
	// ExpectStatus is the HTTP status codes that count as healthy, in the syntax of an ALB
	// matcher: "200", "200,202", "200-299", or a mix such as "200-299,302". As on an ALB,
	// redirects are not followed: a 301 is judged as a 301.
	ExpectStatus string
}

// withDefaults fills in the zero fields.
func (p Policy) withDefaults() Policy {
	if p.Path == "" {
		p.Path = DefaultPath
	}
	if p.Interval == 0 {
		p.Interval = DefaultInterval
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	if p.HealthyThreshold == 0 {
		p.HealthyThreshold = DefaultHealthyThreshold
	}
	if p.ExpectStatus == "" {
		p.ExpectStatus = DefaultExpectStatus
	}
	if p.Deadline == 0 {
		p.Deadline = 2 * time.Duration(p.HealthyThreshold) * p.Interval
	}
	return p
}

// validate checks a policy whose defaults are filled in and parses its status matcher.
func (p Policy) validate() (statusMatcher, error) {
	if !strings.HasPrefix(p.Path, "/") {
		return nil, fmt.Errorf("health-check path %q must start with \"/\", e.g. /healthz", p.Path)
	}
	if p.Interval < 0 || p.Timeout < 0 || p.Deadline < 0 || p.HealthyThreshold < 0 {
		return nil, fmt.Errorf("health-check policy has a negative value (interval %s, timeout %s, healthy threshold %d, deadline %s); use positive values, or zero for the ALB default", p.Interval, p.Timeout, p.HealthyThreshold, p.Deadline)
	}
	if p.Timeout >= p.Interval {
		return nil, fmt.Errorf("health-check timeout %s must be shorter than the interval %s, as an ALB requires; lower the timeout or raise the interval", p.Timeout, p.Interval)
	}
	// The last of HealthyThreshold checks starts (HealthyThreshold-1) intervals after the first
	// and may take up to Timeout.
	if least := time.Duration(p.HealthyThreshold-1)*p.Interval + p.Timeout; p.Deadline < least {
		return nil, fmt.Errorf("health-check deadline %s is too short to ever see %d successes in a row %s apart (at least %s); raise the deadline or lower the healthy threshold", p.Deadline, p.HealthyThreshold, p.Interval, least)
	}
	m, err := parseStatusMatcher(p.ExpectStatus)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Check returns p with its zero fields filled in, or why it can never be met (a deadline too
// short for the streak it asks for, a timeout as long as the interval, ...). WaitHealthy checks
// the same before its first request; Check lets a caller refuse such a policy before it starts
// anything.
func (p Policy) Check() (Policy, error) {
	p = p.withDefaults()
	_, err := p.validate()
	return p, err
}

// CheckBaseURL tells why baseURL cannot be smoke-tested (not http(s), no host, a query), with an
// example; a password it holds never appears in the message.
func CheckBaseURL(baseURL string) error {
	_, _, err := joinURL(baseURL, "/")
	return err
}

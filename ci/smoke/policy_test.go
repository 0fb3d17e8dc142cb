package smoke

import (
	"testing"
	"time"
)

func TestZeroPolicyTakesALBDefaults(t *testing.T) {
	got := Policy{}.withDefaults()
	want := Policy{Path: "/", Interval: 30 * time.Second, Timeout: 5 * time.Second, HealthyThreshold: 5, Deadline: 5 * time.Minute, ExpectStatus: "200"}
	if got != want {
		t.Fatalf("defaults = %+v, want %+v", got, want)
	}
	if _, err := got.validate(); err != nil {
		t.Fatalf("the default policy is invalid: %v", err)
	}
}

func TestStatusMatcherReadsALBSyntax(t *testing.T) {
	tests := []struct {
		matcher string
		yes, no []int
	}{
		{"200", []int{200}, []int{199, 201, 302}},
		{"200,202", []int{200, 202}, []int{201, 204}},
		{"200-299", []int{200, 250, 299}, []int{199, 300}},
		{"200-299, 302", []int{204, 302}, []int{301, 303}},
	}
	for _, tt := range tests {
		m, err := parseStatusMatcher(tt.matcher)
		if err != nil {
			t.Errorf("parseStatusMatcher(%q): %v", tt.matcher, err)
			continue
		}
		for _, s := range tt.yes {
			if !m.matches(s) {
				t.Errorf("%q does not match %d", tt.matcher, s)
			}
		}
		for _, s := range tt.no {
			if m.matches(s) {
				t.Errorf("%q matches %d", tt.matcher, s)
			}
		}
	}
	for _, bad := range []string{"", "2xx", "299-200", "200-", "99", "600", "200,,201", "ok"} {
		if _, err := parseStatusMatcher(bad); err == nil {
			t.Errorf("parseStatusMatcher(%q) accepted it", bad)
		}
	}
}

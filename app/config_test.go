package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(envMap(nil))
	if err != nil {
		t.Fatalf("loadConfig with no environment = %v, want defaults", err)
	}
	want := config{host: "", port: 8080, drainTimeout: 20 * time.Second, deregistrationGrace: 5 * time.Second}
	if cfg != want {
		t.Errorf("defaults = %+v, want %+v", cfg, want)
	}
	if cfg.listenAddr() != ":8080" {
		t.Errorf("default listen address = %q, want :8080 (all interfaces, as a container needs)", cfg.listenAddr())
	}
}

func TestLoadConfigAcceptsValidValues(t *testing.T) {
	cfg, err := loadConfig(envMap(map[string]string{
		envHost: "127.0.0.1", envPort: "9090", envDrainTimeout: "25s", envDeregistrationGrace: "0s",
	}))
	if err != nil {
		t.Fatalf("loadConfig = %v, want success", err)
	}
	want := config{host: "127.0.0.1", port: 9090, drainTimeout: 25 * time.Second, deregistrationGrace: 0}
	if cfg != want {
		t.Errorf("config = %+v, want %+v", cfg, want)
	}
}

func TestLoadConfigRejectsInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		// every fragment must appear: what is wrong, why, and what to do
		want []string
	}{
		{"port not a number", map[string]string{envPort: "http"},
			[]string{`PORT="http" is not a TCP port`, "0 to 65535", "e.g. PORT=8080"}},
		{"port out of range", map[string]string{envPort: "70000"},
			[]string{`PORT="70000" is not a TCP port`}},
		{"port negative", map[string]string{envPort: "-1"},
			[]string{`PORT="-1" is not a TCP port`}},
		{"drain without unit", map[string]string{envDrainTimeout: "20"},
			[]string{`DRAIN_TIMEOUT="20" is not a Go duration`, "missing unit", "e.g. DRAIN_TIMEOUT=20s"}},
		{"drain zero", map[string]string{envDrainTimeout: "0s"},
			[]string{`DRAIN_TIMEOUT="0s" must be greater than zero`, "stopTimeout"}},
		{"drain beyond ECS maximum", map[string]string{envDrainTimeout: "3m"},
			[]string{`DRAIN_TIMEOUT="3m" exceeds 2m0s`, "ECS would kill the task"}},
		{"grace not a duration", map[string]string{envDeregistrationGrace: "soon"},
			[]string{`DEREGISTRATION_GRACE="soon" is not a Go duration`, "DEREGISTRATION_GRACE=0s"}},
		{"grace negative", map[string]string{envDeregistrationGrace: "-1s"},
			[]string{`DEREGISTRATION_GRACE="-1s" is negative`}},
		{"grace fills the drain", map[string]string{envDrainTimeout: "10s", envDeregistrationGrace: "10s"},
			[]string{"DEREGISTRATION_GRACE (10s, set) must be shorter than DRAIN_TIMEOUT (10s)", "lower DEREGISTRATION_GRACE or raise DRAIN_TIMEOUT"}},
		{"default grace exceeds a short drain", map[string]string{envDrainTimeout: "3s"},
			[]string{"DEREGISTRATION_GRACE (5s, the default) must be shorter than DRAIN_TIMEOUT (3s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(envMap(tc.env))
			if err == nil {
				t.Fatalf("loadConfig(%v) succeeded, want an error", tc.env)
			}
			for _, fragment := range tc.want {
				if !strings.Contains(err.Error(), fragment) {
					t.Errorf("error %q lacks %q", err, fragment)
				}
			}
		})
	}
}

func TestLoadConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := loadConfig(envMap(map[string]string{envPort: "x", envDrainTimeout: "y", envDeregistrationGrace: "z"}))
	if err == nil {
		t.Fatal("loadConfig with three bad variables succeeded")
	}
	for _, name := range []string{`PORT="x"`, `DRAIN_TIMEOUT="y"`, `DEREGISTRATION_GRACE="z"`} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
	// An invalid value must not also produce a misleading comparison against the other variable.
	if strings.Contains(err.Error(), "must be shorter than") {
		t.Errorf("error %q compares durations that failed to parse", err)
	}
}

func TestListenAddrJoinsHostAndPort(t *testing.T) {
	for _, tc := range []struct {
		cfg  config
		want string
	}{
		{config{port: 8080}, ":8080"},
		{config{host: "127.0.0.1", port: 0}, "127.0.0.1:0"},
		{config{host: "::1", port: 9000}, "[::1]:9000"},
	} {
		if got := tc.cfg.listenAddr(); got != tc.want {
			t.Errorf("%+v.listenAddr() = %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

package main

import (
	"strings"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

// doctor reads the service's settings and advises; after a slow-drain deploy, the deploy's own
// timeline and the doctor both name the deregistration delay. doctor changes nothing.
func TestCLIDoctor(t *testing.T) {
	bin := buildCLI(t)
	fake, url := serveFake(t, fakeaws.SlowDrain(50*time.Millisecond))
	target := []string{"--cluster", fakeaws.DefaultCluster, "--service", fakeaws.DefaultService}

	before := runCLI(t, bin, url, append([]string{"doctor"}, target...)...)
	before.want(t, 0, "doctor: demo/web on web:1\n", "deregistration delay     5m0s  target group web-tg",
		"every deploy waits for old targets to drain; set target group web-tg's deregistration delay (300 s) to 30 s")
	const seeded = "last deployment: 5m0s (SUCCESSFUL)" // the fake's history: web:1 deployed in 5 minutes
	if !strings.Contains(before.stdout, seeded) {
		t.Errorf("doctor does not tell the last deployment, %q:\n%s", seeded, before.stdout)
	}
	if n := len(fake.UpdateServiceRequests()); n != 0 {
		t.Errorf("doctor made %d UpdateService calls", n)
	}

	deployed := runCLI(t, bin, url, fakeDeployArgs()...)
	// The CLI polls at its default pace, slower than this scenario: which phase the drain counts
	// in depends on when it looked (the engine's test, polling fast, checks the phases).
	deployed.want(t, 0, "outcome=succeeded", "timeline:\n  revision registered", "  old tasks drained", "  total ",
		"deregistration delay     5m0s  target group web-tg")
	_, rendered, _ := strings.Cut(deployed.stderr, "\ndeploy: succeeded\n")

	after := runCLI(t, bin, url, append([]string{"doctor"}, target...)...)
	after.want(t, 0, "doctor: demo/web on web:2\n", "last deployment: ", "(SUCCESSFUL)")
	if strings.Contains(after.stdout, seeded) {
		t.Errorf("doctor tells the fake's seeded deployment, not ours:\n%s", after.stdout)
	}
	for _, out := range []string{before.stdout, rendered, after.stdout} {
		for line := range strings.Lines(out) {
			if len(line) > 161 {
				t.Errorf("line of %d characters: %q", len(line), line)
			}
		}
	}
	runCLI(t, bin, url, "doctor", "--cluster", "demo").want(t, 2, "missing service")
	runCLI(t, bin, url, "doctor", "--help").want(t, 0, "-service string")
}

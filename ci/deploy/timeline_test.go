package deploy_test

import (
	"strings"
	"testing"
	"time"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
)

// The timeline's phases follow one another and add up to the deploy's measured duration; each
// phase of the scenario is seen, in order, at about the time the scenario sets.
func TestTimelineAddsUpToTheDeploy(t *testing.T) {
	run := runDeploy(t, fakeaws.Config{Scenario: fakeaws.SlowDrain(scenarioUnit)}, nil)
	defer run.logOnFailure(t)
	run.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)
	tl := run.res.Timeline
	if tl == nil {
		t.Fatal("no timeline")
	}
	took := run.res.Finished.Sub(run.res.Started)
	if diff := tl.Total() - took; diff > time.Second || diff < -time.Second {
		t.Errorf("the phases add up to %s, the deploy took %s", tl.Total(), took)
	}
	var names []string
	for _, p := range tl.Phases {
		names = append(names, p.Name)
		if p.Unseen || p.Duration < 0 {
			t.Errorf("phase %+v: want it seen, with a duration", p)
		}
	}
	want := []string{report.PhaseRegistered, report.PhasePlaced, report.PhasePulled, report.PhaseStarted, report.PhaseHealthy, report.PhaseDrained}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("phases %q, want %q", names, want)
	}
	// SlowDrain: the targets are healthy at 3 units and the old ones drain for 10 more.
	if p, _ := tl.Phase(report.PhaseDrained); p.Duration < 9*scenarioUnit {
		t.Errorf("old tasks drained in %s, want at least %s", p.Duration, 9*scenarioUnit)
	}
	if p, _ := tl.Phase(report.PhasePlaced); tl.Share(p) > 50 {
		t.Errorf("tasks placed took %d %%: the scenario places them at 1 unit of 13", tl.Share(p))
	}
	advice := strings.Join(tl.Advice, "\n")
	if !strings.Contains(advice, "deregistration delay (300 s) to 30 s") || !strings.Contains(advice, "old targets drained for") {
		t.Errorf("advice %q does not name the deregistration delay", advice)
	}
	var b strings.Builder
	if err := report.Render(&b, "deploy", run.res, report.Plain); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(b.String()) {
		if len(line) > 161 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	if !strings.Contains(b.String(), "timeline:\n  revision registered") {
		t.Errorf("Render shows no timeline:\n%s", b.String())
	}
}

// A failed deploy's last phase is the rest of the deploy, not a drain, and no drain advice.
func TestTimelineOfAFailedDeploy(t *testing.T) {
	run := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, nil)
	defer run.logOnFailure(t)
	tl := run.res.Timeline
	if tl == nil {
		t.Fatal("no timeline")
	}
	if last := tl.Phases[len(tl.Phases)-1]; last.Name != report.PhaseRest {
		t.Errorf("last phase %q, want %q", last.Name, report.PhaseRest)
	}
	if p, ok := tl.Phase(report.PhaseHealthy); !ok || !p.Unseen {
		t.Errorf("targets healthy: %+v, want unseen (the tasks crash)", p)
	}
	if diff := tl.Total() - run.res.Finished.Sub(run.res.Started); diff > time.Millisecond || diff < -time.Millisecond {
		t.Errorf("the phases add up to %s, %s off the deploy's duration", tl.Total(), diff)
	}
}

// A rollback is a deploy of an older revision: it ends with its timeline too, adding up to its
// duration, with what the service's settings impose.
func TestTimelineOfARollback(t *testing.T) {
	t.Parallel()
	_, back, err := rollbackAfterDeploy(t, fakeaws.HealthyRollout(scenarioUnit))
	if err != nil || back.Outcome != deploy.Succeeded {
		t.Fatalf("Rollback = %+v, %v", back, err)
	}
	tl := back.Timeline
	if tl == nil {
		t.Fatal("the rollback has no timeline")
	}
	if diff := tl.Total() - back.Finished.Sub(back.Started); diff > time.Millisecond || diff < -time.Millisecond {
		t.Errorf("the phases add up to %s, %s off the rollback's duration", tl.Total(), diff)
	}
	if healthy, ok := tl.Phase(report.PhaseHealthy); !ok || healthy.Unseen {
		t.Errorf("the rollback's targets were watched healthy, yet its timeline says %+v", tl.Phases)
	}
	if len(tl.Floor) == 0 {
		t.Error("the rollback's timeline says nothing of the settings")
	}
}

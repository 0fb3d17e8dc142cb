package main

import (
	"testing"
	"time"

	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

// The deploy's timeline travels in the result line and shows in the step summary as a table,
// with what the settings impose and the advice.
func TestSummaryShowsTheTimeline(t *testing.T) {
	tl := &report.Timeline{
		Phases: []report.Phase{
			{Name: report.PhaseRegistered, Duration: 2 * time.Second},
			{Name: report.PhaseHealthy, Duration: 38 * time.Second},
			{Name: report.PhaseDrained, Duration: 60 * time.Second, Unseen: false},
		},
		Floor:  []report.Floor{{Setting: "deregistration delay", Duration: 300 * time.Second, Detail: "target group web-tg: old targets drain"}},
		Advice: []string{"old targets drained for 60 s, 60 % of this deploy"},
	}
	r := newRunner(t, resultline.Line(resultline.Result{Environment: "dev", Outcome: "succeeded", Timeline: tl})+"\n")
	delete(r.env, "GITHUB_ACTIONS")
	if code := r.run("--log", r.log); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	want := "### Deploy to `dev`: succeeded\n\n| | |\n| --- | --- |\n| Environment | `dev` |\n| Outcome | succeeded |\n\n" +
		"**Timeline**\n\n" +
		"| Phase | Took | Share |\n| --- | ---: | ---: |\n" +
		"| revision registered | 2s | 2 % |\n" +
		"| targets healthy | 38s | 38 % |\n" +
		"| old tasks drained | 1m0s | 60 % |\n" +
		"| **total** | **1m40s** | |\n\n" +
		"What the service's settings impose:\n\n" +
		"- deregistration delay 5m0s: target group web-tg: old targets drain\n\n" +
		"Advice:\n\n" +
		"- old targets drained for 60 s, 60 % of this deploy\n"
	r.check(t, want, "", "")
}

// A deploy's migration travels in the result line and shows as a row of the step summary.
func TestSummaryShowsTheMigration(t *testing.T) {
	exit := int32(3)
	res := resultline.Result{Environment: "dev", Outcome: "failed", Migration: &resultline.Migration{
		Command: []string{"/app/service", "migrate"}, TaskID: "e7c08de7", ExitCode: &exit, DurationSeconds: 2}}
	r := newRunner(t, resultline.Line(res)+"\n")
	delete(r.env, "GITHUB_ACTIONS")
	if code := r.run("--log", r.log); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	want := "### Deploy to `dev`: failed\n\n| | |\n| --- | --- |\n| Environment | `dev` |\n" +
		"| Migration | /app/service migrate, task e7c08de7, exit code 3 after 2s |\n| Outcome | failed |\n"
	r.check(t, want, "", "")
}

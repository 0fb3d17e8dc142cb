package main

import (
	"strings"
	"testing"

	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

// callerNames words commands as a caller of the engine would, to tell its words from the
// workflow's.
type callerNames struct{}

func (callerNames) Command(s report.Step) string {
	return "caller " + string(s.Action) + " " + s.Revision
}

func (callerNames) Inputs(...report.Field) string { return "" }

func TestWorkflowFromEnv(t *testing.T) {
	env := map[string]string{
		"GITHUB_WORKFLOW": "deploy-prod", "GITHUB_SERVER_URL": "https://github.com/",
		"GITHUB_REPOSITORY": "acme/service", "GITHUB_RUN_ID": "4242",
	}
	got := WorkflowFromEnv(func(k string) string { return env[k] })
	if want := (Workflow{Name: "deploy-prod", RunURL: "https://github.com/acme/service/actions/runs/4242"}); got != want {
		t.Errorf("WorkflowFromEnv = %+v, want %+v", got, want)
	}
	if got := WorkflowFromEnv(func(string) string { return "" }); got != (Workflow{}) {
		t.Errorf("outside Actions: %+v, want the zero Workflow", got)
	}
}

// In the report of a run, deploying again is re-running that workflow; every other step is
// the deploy's caller's command.
func TestWorkflowNamesSayWhichWorkflowToRerun(t *testing.T) {
	w := Workflow{Name: "deploy-prod", RunURL: "https://github.com/acme/service/actions/runs/4242"}
	n := w.Names(callerNames{})
	for _, c := range []struct {
		step report.Step
		want string
	}{
		{report.Step{Note: "fix the cause above, then deploy again", Action: report.Deploy},
			`fix the cause above, then deploy again: re-run the workflow "deploy-prod" (https://github.com/acme/service/actions/runs/4242)`},
		// Another image than the run's: re-running the workflow would not deploy it.
		{report.Step{Note: "deploy that image instead", Action: report.Deploy, Image: "sha256:44"}, "deploy that image instead: caller deploy "},
		{report.Step{Note: "to roll back", Action: report.Rollback, Revision: "web:1"}, "to roll back: caller rollback web:1"},
		{report.Step{Action: report.Status}, "caller status "},
	} {
		if got := report.StepLine(c.step, n); got != c.want {
			t.Errorf("StepLine(%+v) = %q, want %q", c.step, got, c.want)
		}
	}
	if got := report.StepLine(report.Step{Action: report.Deploy}, Workflow{Name: "deploy-staging"}.Names(callerNames{})); got != `re-run the workflow "deploy-staging"` {
		t.Errorf("without a run URL: %q", got)
	}
	if got := report.StepLine(report.Step{Action: report.Deploy}, Workflow{}.Names(callerNames{})); got != "caller deploy " {
		t.Errorf("outside Actions the caller's command stays: %q", got)
	}
}

// The summary words the result line's actions as the report's; a result line of an older deploy,
// with worded next steps only, keeps its words; an error without a diagnosis still says what to do.
func TestSummaryWordsTheStepsItsOwnWay(t *testing.T) {
	n := Workflow{Name: "deploy-staging"}.Names(callerNames{})
	res := resultline.FromDeploy("staging", &report.Result{
		Outcome: report.RolledBack,
		Diagnosis: &report.Diagnosis{
			Summary: "task 1a2b stopped",
			NextSteps: []report.Step{
				{Note: "rolled back to service:41; fix the cause above, then deploy again", Action: report.Deploy},
				{Action: report.Rollback, Revision: "service:40"},
			},
		},
	}, report.Plain)
	if got := res.Summary(n).Diagnosis; !strings.Contains(got, `then deploy again: re-run the workflow "deploy-staging"`) ||
		!strings.Contains(got, "  - caller rollback service:40\n") {
		t.Errorf("diagnosis:\n%s", got)
	}
	res.Diagnosis.Steps = nil
	if got := res.Summary(n).Diagnosis; !strings.Contains(got, "  - roll back to service:40\n") || strings.Contains(got, "re-run") {
		t.Errorf("a result line without actions must keep its own words:\n%s", got)
	}
	failed := resultline.Result{Environment: "staging", Outcome: "failed", Error: "AccessDenied"}
	if got, want := failed.Summary(n).Diagnosis, "error: AccessDenied\nnext step: fix the error, then deploy again: re-run the workflow \"deploy-staging\"\n"; got != want {
		t.Errorf("error only:\n%s\nwant\n%s", got, want)
	}
}

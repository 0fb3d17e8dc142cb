package report

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// testNames words commands the way a caller does, so a test can tell them from the plain words.
type testNames struct{}

func (testNames) Command(s Step) string {
	return strings.TrimSpace(fmt.Sprintf("tool %s %s%s", s.Action, s.Revision, s.Image))
}

func (testNames) Inputs(fields ...Field) string {
	var flags []string
	for _, f := range fields {
		flags = append(flags, "--"+strings.ReplaceAll(string(f), " ", "-"))
	}
	return strings.Join(flags, ", ")
}

func rolledBack() *Result {
	started := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	return &Result{
		Outcome: RolledBack, Cluster: "prod", Service: "app",
		Image:                  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:2222",
		PreviousTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:41",
		TaskDefinition:         "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:42",
		DeploymentID:           "ecs-svc/7391",
		Started:                started, Finished: started.Add(83*time.Second + 400*time.Millisecond), APICalls: 40,
		Diagnosis: &Diagnosis{
			Summary:      "task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1",
			Evidence:     []string{"task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1"},
			ServiceState: "service app is set to app:41: 2/2 running",
			NextSteps: []Step{
				{Note: "rolled back by the deploy to app:41; fix the cause above, then deploy again", Action: Deploy},
				{Note: "the failed revision app:42 was deregistered"},
				{Action: Status},
				{Note: "or go further back", Action: Rollback, Revision: "app:40"},
			},
		},
	}
}

func TestRender(t *testing.T) {
	var b strings.Builder
	if err := Render(&b, "deploy to prod", rolledBack(), testNames{}); err != nil {
		t.Fatal(err)
	}
	want := `deploy to prod: rolled-back
  service:    prod/app
  image:      123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:2222
  revision:   app:41 -> app:42
  deployment: ecs-svc/7391
  took:       1m23s (40 AWS calls)
task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1
evidence:
  - task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1
service now: service app is set to app:41: 2/2 running
next steps:
  - rolled back by the deploy to app:41; fix the cause above, then deploy again: tool deploy
  - the failed revision app:42 was deregistered
  - tool status
  - or go further back: tool rollback app:40
`
	if got := b.String(); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
}

func TestRenderLeavesOutWhatIsNotKnown(t *testing.T) {
	var b strings.Builder
	_ = Render(&b, "rollback of prod", &Result{Outcome: Unchanged, Cluster: "prod", Service: "app",
		PreviousTaskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/app:41", TaskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/app:41"}, testNames{})
	if want := "rollback of prod: unchanged\n  service:    prod/app\n  revision:   app:41\n"; b.String() != want {
		t.Errorf("Render =\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	_ = Render(&b, "deploy to prod", nil, testNames{})
	if want := "deploy to prod: nothing changed\n"; b.String() != want {
		t.Errorf("Render(nil) = %q, want %q", b.String(), want)
	}
}

// Without a caller's commands, the engine's own words say each action: no flag, no command.
func TestDiagnosisStringSaysActionsInWords(t *testing.T) {
	got := rolledBack().Diagnosis.String()
	for _, want := range []string{
		"  - rolled back by the deploy to app:41; fix the cause above, then deploy again: deploy again\n",
		"  - look at the service's status\n",
		"  - or go further back: roll back to app:40\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("String() lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--") || strings.Contains(got, "tool") {
		t.Errorf("String() names a command or a flag:\n%s", got)
	}
	if (*Diagnosis)(nil).String() != "" {
		t.Error("a nil diagnosis renders empty")
	}
}

type fault struct {
	fields []Field
	next   *Step
}

func (fault) Error() string                          { return "service \"web\" not found; check the service's name" }
func (f fault) Faults() (fields []Field, next *Step) { return f.fields, f.next }

func TestExplainAddsTheCallersWords(t *testing.T) {
	err := fmt.Errorf("rollback of prod: %w", fault{fields: []Field{FieldService, FieldRegion},
		next: &Step{Note: "deploy that image instead", Action: Deploy, Image: "sha256:44"}})
	want := `rollback of prod: service "web" not found; check the service's name (--service, --region); deploy that image instead: tool deploy sha256:44`
	if got := Explain(err, testNames{}); got != want {
		t.Errorf("Explain =\n%s\nwant\n%s", got, want)
	}
	if got := Explain(errors.New("AccessDenied"), testNames{}); got != "AccessDenied" {
		t.Errorf("an error about no input is told as is: %q", got)
	}
	if Explain(nil, testNames{}) != "" {
		t.Error("no error, no words")
	}
}

func TestOutcomeOK(t *testing.T) {
	for outcome, want := range map[Outcome]bool{
		Succeeded: true, Unchanged: true, Started: true,
		RolledBack: false, Failed: false, Superseded: false, Interrupted: false, "": false,
	} {
		if got := outcome.OK(); got != want {
			t.Errorf("%q.OK() = %v, want %v", outcome, got, want)
		}
	}
}

func TestRevision(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:ecs:eu-west-1:123456789012:task-definition/service:42": "service:42",
		"service:42": "service:42",
		"":           "",
		"arn:aws:ecs:eu-west-1:123456789012:service/acme/service": "arn:aws:ecs:eu-west-1:123456789012:service/acme/service",
	} {
		if got := Revision(in); got != want {
			t.Errorf("Revision(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderShowsTheMigration(t *testing.T) {
	code := int32(3)
	res := &Result{Outcome: Failed, Cluster: "prod", Service: "app",
		PreviousTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:41",
		TaskDefinition:         "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:42",
		Migration:              &Migration{Command: []string{"/app/service", "migrate"}, TaskID: "0123abcd", ExitCode: &code, Duration: 4200 * time.Millisecond}}
	var b strings.Builder
	if err := Render(&b, "deploy", res, Plain); err != nil {
		t.Fatal(err)
	}
	if want := "  migration:  /app/service migrate, task 0123abcd, exit code 3 after 4s\n"; !strings.Contains(b.String(), want) {
		t.Errorf("Render lacks %q:\n%s", want, b.String())
	}
	res.Migration.ExitCode = nil // timed out, then stopped: no exit code of its own
	b.Reset()
	_ = Render(&b, "deploy", res, Plain)
	if want := "  migration:  /app/service migrate, task 0123abcd, no exit code after 4s\n"; !strings.Contains(b.String(), want) {
		t.Errorf("Render lacks %q:\n%s", want, b.String())
	}
}

func TestRenderOfSeveralServicesLeadsWithTheReleaseThenEachService(t *testing.T) {
	web := *rolledBack()
	web.Diagnosis = &Diagnosis{Summary: "taken back with the rest of the release: worker failed (task 9f8e stopped)",
		ServiceState: "service app is set to app:41: 2/2 running",
		NextSteps:    []Step{{Note: "web's own step", Action: Status}}}
	worker := Result{Outcome: RolledBack, Cluster: "prod", Service: "worker",
		PreviousTaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:7",
		TaskDefinition:         "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:8", DeploymentID: "ecs-svc/8812",
		Diagnosis: &Diagnosis{Summary: "task 9f8e (worker:8) stopped: container worker exit code 3",
			Evidence: []string{"task 9f8e (worker:8) stopped: container worker exit code 3"}}}
	release := web
	release.Services = []Result{web, worker}
	release.Diagnosis = &Diagnosis{Summary: "worker: task 9f8e (worker:8) stopped: container worker exit code 3",
		ServiceState: "app rolled-back (on app:41); worker rolled-back (on worker:7)",
		NextSteps:    []Step{{Note: "fix the cause above, then deploy again", Action: Deploy}}}

	var b strings.Builder
	if err := Render(&b, "deploy to prod", &release, testNames{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"deploy to prod: rolled-back\n  services:   prod/app, prod/worker\n",
		"worker: task 9f8e (worker:8) stopped: container worker exit code 3\n",
		"next steps:\n  - fix the cause above, then deploy again: tool deploy\n",
		"\nservice app: rolled-back\n  revision:   app:41 -> app:42\n  deployment: ecs-svc/7391\ntaken back with the rest of the release",
		"\nservice worker: rolled-back\n  revision:   worker:7 -> worker:8\n",
		"evidence:\n  - task 9f8e (worker:8) stopped: container worker exit code 3\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the rendering lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "web's own step") || strings.Count(out, "next steps:") != 1 {
		t.Errorf("the next steps must be the release's, once:\n%s", out)
	}
}

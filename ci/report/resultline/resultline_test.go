package resultline

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/ghactions"
	"dagger/pipeline/report"
)

const (
	testImage   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testOldARN  = "arn:aws:ecs:eu-west-1:123456789012:task-definition/service:41"
	testNewARN  = "arn:aws:ecs:eu-west-1:123456789012:task-definition/service:42"
	testStarted = "2026-03-02T12:00:00Z"
)

func rolledBackDeploy(t *testing.T) *report.Result {
	t.Helper()
	started, err := time.Parse(time.RFC3339, testStarted)
	if err != nil {
		t.Fatal(err)
	}
	return &report.Result{
		Outcome:                report.RolledBack,
		Cluster:                "acme",
		Service:                "service",
		Image:                  testImage,
		PreviousTaskDefinition: testOldARN,
		TaskDefinition:         testNewARN,
		DeploymentID:           "ecs-svc/1234567890",
		Diagnosis: &report.Diagnosis{
			Summary:      `task 1a2b stopped: Essential container in task exited (exit code 1) <"web">`,
			Evidence:     []string{"task 1a2b: exit code 1, reason: Essential container in task exited", "multi\nline & tab\tevidence"},
			ServiceState: "back on service:41, 2/2 running",
			NextSteps: []report.Step{
				{Note: "read the logs of task 1a2b"},
				{Note: "rolled back to service:41; fix the cause above, then deploy again", Action: report.Deploy},
				{Action: report.Rollback, Revision: "service:40"},
			},
		},
		Started:  started,
		Finished: started.Add(2*time.Minute + 13*time.Second + 456*time.Millisecond),
		APICalls: 37,
	}
}

// callerNames words commands as a caller of the engine would, to tell its words from others'.
type callerNames struct{}

func (callerNames) Command(s report.Step) string {
	return "caller " + string(s.Action) + " " + s.Revision
}

func (callerNames) Inputs(fields ...report.Field) string { return "" }

func TestFromDeploy(t *testing.T) {
	got := FromDeploy("staging", rolledBackDeploy(t), callerNames{})
	want := Result{
		Environment:            "staging",
		Outcome:                "rolled-back",
		Cluster:                "acme",
		Service:                "service",
		Image:                  testImage,
		PreviousTaskDefinition: testOldARN,
		TaskDefinition:         testNewARN,
		DeploymentID:           "ecs-svc/1234567890",
		DurationSeconds:        133.456,
		APICalls:               37,
		Diagnosis: &Diagnosis{
			Summary:      `task 1a2b stopped: Essential container in task exited (exit code 1) <"web">`,
			Evidence:     []string{"task 1a2b: exit code 1, reason: Essential container in task exited", "multi\nline & tab\tevidence"},
			ServiceState: "back on service:41, 2/2 running",
			NextSteps: []string{
				"read the logs of task 1a2b",
				"rolled back to service:41; fix the cause above, then deploy again: caller deploy ",
				"caller rollback service:40",
			},
			Steps: rolledBackDeploy(t).Diagnosis.NextSteps,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromDeploy:\n got %#v\nwant %#v", got, want)
	}

	if got := FromDeploy("dev", nil, callerNames{}); got.Environment != "dev" || got.Outcome != "failed" || got.Succeeded() {
		t.Errorf("a deploy without a result failed before changing anything, got %#v", got)
	}
	noTiming := &report.Result{Outcome: report.Succeeded}
	if got := FromDeploy("dev", noTiming, callerNames{}); got.DurationSeconds != 0 || got.Diagnosis != nil {
		t.Errorf("no timing, no diagnosis: got %#v", got)
	}
}

func TestResultLineIsOneLineOfStableJSON(t *testing.T) {
	line := Line(Result{
		Environment:            "staging",
		Outcome:                "succeeded",
		Cluster:                "acme",
		Service:                "service",
		Image:                  "repo@sha256:ab",
		PreviousTaskDefinition: "arn:old",
		TaskDefinition:         "arn:new",
		DeploymentID:           "ecs-svc/1",
		DurationSeconds:        61.5,
		APICalls:               12,
	})
	// The field names are the contract with the reporter on the runner.
	want := `ecs-deploy-result: {"environment":"staging","outcome":"succeeded","cluster":"acme","service":"service",` +
		`"image":"repo@sha256:ab","previousTaskDefinition":"arn:old","taskDefinition":"arn:new","deploymentId":"ecs-svc/1",` +
		`"durationSeconds":61.5,"apiCalls":12}`
	if line != want {
		t.Errorf("Line:\n got %s\nwant %s", line, want)
	}

	withDiagnosis := Line(FromDeploy("staging", rolledBackDeploy(t), callerNames{}))
	if strings.ContainsAny(withDiagnosis, "\r\n") || !strings.HasPrefix(withDiagnosis, Marker+"{") {
		t.Errorf("Line must be one line starting with the marker: %q", withDiagnosis)
	}
	for _, field := range []string{`"diagnosis":{"summary":`, `"evidence":[`, `"serviceState":`, `"nextSteps":[`, `"steps":[{"note":"read the logs of task 1a2b"},`, `{"action":"rollback","revision":"service:40"}`, `<\"web\">`, `multi\nline & tab\tevidence`} {
		if !strings.Contains(withDiagnosis, field) {
			t.Errorf("Line lacks %s: %s", field, withDiagnosis)
		}
	}

	if got := Line(Result{Outcome: "failed", DurationSeconds: math.NaN()}); !strings.Contains(got, `"durationSeconds":0`) {
		t.Errorf("a NaN duration must not lose the result: %s", got)
	}
}

func TestResultLineRoundTrips(t *testing.T) {
	want := FromDeploy("staging", rolledBackDeploy(t), callerNames{})
	want.Error = "smoke test failed after the rollout: GET http://alb/healthz: 503"
	got, found, err := Find(strings.NewReader(Line(want)))
	if err != nil || !found {
		t.Fatalf("Find: found=%v err=%v", found, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
	}
}

func TestSucceeded(t *testing.T) {
	for outcome, want := range map[report.Outcome]bool{
		report.Succeeded: true, report.Unchanged: true, report.Started: true,
		report.RolledBack: false, report.Failed: false, report.Superseded: false, report.Interrupted: false, "": false,
	} {
		if got := (Result{Outcome: string(outcome)}).Succeeded(); got != want {
			t.Errorf("outcome %q: Succeeded() = %v, want %v", outcome, got, want)
		}
	}
	if (Result{Outcome: "succeeded", Error: "smoke test failed"}).Succeeded() {
		t.Error("a good rollout whose smoke test failed is not a success")
	}
}

func TestResultSummary(t *testing.T) {
	res := FromDeploy("staging", rolledBackDeploy(t), callerNames{})
	res.Error = "deploy to staging: rolled back"
	got := res.Summary(report.Plain)
	want := ghactions.DeploySummary{
		Environment: "staging",
		Service:     "acme/service",
		Image:       "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0",
		Digest:      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		OldRevision: "service:41",
		NewRevision: "service:42",
		Duration:    "2m13s",
		Outcome:     "rolled-back",
		APICalls:    "37",
		Diagnosis: `task 1a2b stopped: Essential container in task exited (exit code 1) <"web">` + "\n" +
			"evidence:\n" +
			"  - task 1a2b: exit code 1, reason: Essential container in task exited\n" +
			"  - multi\nline & tab\tevidence\n" +
			"service now: back on service:41, 2/2 running\n" +
			"next steps:\n" +
			"  - read the logs of task 1a2b\n" +
			"  - rolled back to service:41; fix the cause above, then deploy again: deploy again\n" +
			"  - roll back to service:40\n" +
			"\n" +
			"error: deploy to staging: rolled back\n",
	}
	if got != want {
		t.Errorf("Summary:\n got %#v\nwant %#v", got, want)
	}

	unchanged := Result{Environment: "dev", Outcome: "unchanged", Image: "repo:1", PreviousTaskDefinition: testOldARN, TaskDefinition: testOldARN, DurationSeconds: 0.25}
	if s := unchanged.Summary(report.Plain); s.OldRevision != "service:41" || s.NewRevision != "" || s.Digest != "" || s.Image != "repo:1" || s.Duration != "250ms" || s.APICalls != "" || s.Diagnosis != "" {
		t.Errorf("unchanged deploy: %#v", s)
	}

	// The digest gets a row of its own only when the image is a reference that carries one; the
	// image is then shown fully qualified, as deploys compare it.
	digest := "sha256:" + strings.Repeat("ab", 32)
	for image, want := range map[string][2]string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@" + digest: {"123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", digest},
		"web:v1@" + digest:          {"docker.io/library/web:v1", digest},
		"not a reference@" + digest: {"not a reference@" + digest, ""},
	} {
		s := Result{Image: image}.Summary(report.Plain)
		if [2]string{s.Image, s.Digest} != want {
			t.Errorf("image %q: Image, Digest = %q, %q; want %q, %q", image, s.Image, s.Digest, want[0], want[1])
		}
	}
}

func TestLineCarriesTheMigration(t *testing.T) {
	code := int32(2)
	res := &report.Result{Outcome: report.Failed, Migration: &report.Migration{
		Command: []string{"/app/service", "migrate"}, TaskID: "0123abcd", ExitCode: &code, Duration: 1500 * time.Millisecond}}
	line := Line(FromDeploy("staging", res, report.Plain))
	want := `"migration":{"command":["/app/service","migrate"],"taskId":"0123abcd","exitCode":2,"durationSeconds":1.5}`
	if !strings.Contains(line, want) {
		t.Errorf("line lacks %s:\n%s", want, line)
	}
	if line := Line(FromDeploy("staging", &report.Result{Outcome: report.Succeeded}, report.Plain)); strings.Contains(line, "migration") {
		t.Errorf("a deploy without a migration has one in its line: %s", line)
	}
}

func TestResultLineOfSeveralServices(t *testing.T) {
	web := *rolledBackDeploy(t)
	worker := web
	worker.Service = "worker"
	worker.PreviousTaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:7"
	worker.TaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:8"
	worker.Diagnosis = &report.Diagnosis{Summary: "task 9f8e (worker:8) stopped", Evidence: []string{"container worker exit code 3"}}
	release := web
	release.Services = []report.Result{web, worker}

	line := Line(FromDeploy("prod", &release, callerNames{}))
	got, found, err := Find(strings.NewReader("some output\n" + line + "\n"))
	if err != nil || !found {
		t.Fatalf("Find = %v, %v", found, err)
	}
	if len(got.Services) != 2 || got.Services[1].Service != "worker" || got.Services[1].Image != "" || got.Services[1].Diagnosis == nil {
		t.Fatalf("services read back: %+v", got.Services)
	}
	s := got.Summary(callerNames{})
	if want := web.Cluster + "/" + web.Service + " (rolled-back), " + web.Cluster + "/worker (rolled-back)"; s.Service != want {
		t.Errorf("summary service = %q, want %q", s.Service, want)
	}
	if s.OldRevision != report.Revision(web.PreviousTaskDefinition)+", worker:7" || s.NewRevision != report.Revision(web.TaskDefinition)+", worker:8" {
		t.Errorf("summary revisions = %q -> %q", s.OldRevision, s.NewRevision)
	}
	if !strings.Contains(s.Diagnosis, "service worker: task 9f8e (worker:8) stopped\nevidence:\n  - container worker exit code 3") {
		t.Errorf("the summary's diagnosis lacks worker's own:\n%s", s.Diagnosis)
	}
}

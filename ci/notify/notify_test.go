package notify_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/notify"
	"dagger/pipeline/report"
)

const (
	prevTD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41"
	nextTD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42"
	image  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

func result(outcome report.Outcome) *report.Result {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	res := &report.Result{Outcome: outcome, Cluster: "prod", Service: "web", Image: image,
		PreviousTaskDefinition: prevTD, TaskDefinition: nextTD, Started: start, Finished: start.Add(142 * time.Second)}
	if !outcome.OK() {
		res.Diagnosis = &report.Diagnosis{Summary: "task 014e4cea (web:42) stopped: Essential container in task exited; container app exit code 1",
			NextSteps: []report.Step{{Action: report.Rollback, Revision: "web:41"}}}
	}
	return res
}

// release is res deployed together with a worker, both with res's outcome.
func release(res *report.Result) *report.Result {
	worker := *res
	worker.Service = "worker"
	worker.PreviousTaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:7"
	worker.TaskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/worker:8"
	res.Services = []report.Result{*res, worker}
	return res
}

// One message per outcome, each saying what a person reading it on a phone needs.
func TestCompose(t *testing.T) {
	for _, c := range []struct {
		d       notify.Deploy
		subject string
		body    []string
	}{
		{notify.Deploy{Environment: "prod", Result: result(report.Succeeded), RunURL: "https://github.com/acme/service/actions/runs/42"},
			"Deploy to prod: succeeded (web:42)",
			[]string{"Service:     prod/web", "Image:       " + image, "Revision:    web:41 -> web:42", "Duration:    2m22s", "Run: https://github.com/acme/service/actions/runs/42"}},
		{notify.Deploy{Environment: "prod", Result: result(report.RolledBack)},
			"Deploy to prod: failed and rolled back (web:42)",
			[]string{"exit code 1", "Outcome:     failed and rolled back"}},
		{notify.Deploy{Environment: "prod", Result: result(report.Failed)},
			"Deploy to prod: failed, not rolled back (web:42)",
			[]string{"exit code 1", "roll back to web:41"}},
		{notify.Deploy{Environment: "prod", Result: result(report.Interrupted)},
			"Deploy to prod: interrupted (web:42)",
			[]string{"Outcome:     interrupted"}},
		{notify.Deploy{Environment: "prod", Result: forced(result(report.Succeeded))},
			"Deploy to prod: succeeded (web:42, forced redeploy)",
			[]string{"Forced:      a new deployment of the revision that already ran, same image"}},
		{notify.Deploy{Environment: "prod", Result: release(result(report.RolledBack))},
			"Deploy to prod: failed and rolled back (web:42)",
			[]string{"Service:     prod/web: failed and rolled back, web:41 -> web:42\nService:     prod/worker: failed and rolled back, worker:7 -> worker:8\n"}},
		{notify.Deploy{Environment: "staging", Err: errors.New("the credentials belong to account 999999999999, not 123456789012")},
			"Deploy to staging: failed before any change",
			[]string{"failed before anything changed in AWS", "999999999999"}},
	} {
		m := notify.Compose(c.d, report.Plain)
		if m.Subject != c.subject {
			t.Errorf("subject %q, want %q", m.Subject, c.subject)
		}
		for _, want := range c.body {
			if !strings.Contains(m.Body, want) {
				t.Errorf("%s: body lacks %q:\n%s", c.subject, want, m.Body)
			}
		}
		if m.Attributes["environment"] != c.d.Environment || m.Attributes["outcome"] == "" {
			t.Errorf("attributes %v", m.Attributes)
		}
	}
}

// SNS refuses a subject over 100 characters, on several lines or not ASCII, and a body over
// 256 KiB: a message must never be refused for its shape.
func TestComposeKeepsToSNSLimits(t *testing.T) {
	res := result(report.Failed)
	res.Diagnosis.Evidence = []string{strings.Repeat("évidence line\n", 30000)}
	m := notify.Compose(notify.Deploy{Environment: "prod-eu-west-1-blue\nwith é and a very long name that goes on and on and on", Result: res}, report.Plain)
	if len(m.Subject) > 100 || strings.ContainsAny(m.Subject, "\n\r") || strings.ContainsFunc(m.Subject, func(r rune) bool { return r > 0x7e }) {
		t.Errorf("subject breaks SNS's rules: %q", m.Subject)
	}
	if len(m.Body) > 256<<10 || !strings.Contains(m.Body, "the rest is in the deploy's log") {
		t.Errorf("body of %d bytes, want at most 256 KiB and a note that it was cut", len(m.Body))
	}
}

// forced makes res a forced redeploy of its revision.
func forced(res *report.Result) *report.Result {
	res.Forced = true
	res.PreviousTaskDefinition = res.TaskDefinition
	return res
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

func TestParseImageRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	good := map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + digest:        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
		"registry.local:5000/team/app:v1.2.3@" + digest:                     "registry.local:5000/team/app",
		"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@" + digest: "public.ecr.aws/appmesh/aws-appmesh-envoy",
	}
	for in, want := range good {
		got, err := parseImageRef(in)
		if err != nil || got.Name() != want || got.Digest != digest {
			t.Errorf("parseImageRef(%q) = %+v, %v; want %s@%s", in, got, err, want, digest)
		}
	}
	for _, in := range []string{"", "app:v1", "app@sha256:abc", "app@sha256:" + strings.Repeat("AB", 32),
		"App/Thing@" + digest, "app:bad tag@" + digest, "app@md5:" + strings.Repeat("a", 64)} {
		_, err := parseImageRef(in)
		var inputErr *InputError
		if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), "@sha256:") {
			t.Errorf("parseImageRef(%q) = %v; want an InputError that says how to pin", in, err)
		}
	}
	if !sameImage("r.io/app:v1@"+digest, "r.io/app@"+digest) || sameImage("r.io/app@"+digest, "r.io/other@"+digest) {
		t.Error("sameImage must compare repository and digest, ignoring the tag")
	}
}

func TestDeriveTimeout(t *testing.T) {
	svc := &types.Service{DesiredCount: 2, HealthCheckGracePeriodSeconds: aws.Int32(30)}
	groups := map[string]targetGroup{
		"a": {interval: 10 * time.Second, healthyThreshold: 3, healthCheckTimeout: 5 * time.Second, deregistrationDelay: 60 * time.Second},
		"b": {interval: 30 * time.Second, healthyThreshold: 5, healthCheckTimeout: 5 * time.Second, deregistrationDelay: 30 * time.Second},
	}
	// 1 batch × (2m + 30s grace + max(35s, 155s)) + max(60s, 30s) = 120+30+155+60 = 365s
	if got, want := deriveTimeout(svc, groups), 365*time.Second; got != want {
		t.Errorf("deriveTimeout = %s, want %s", got, want)
	}
	// maximumPercent 100 with minimumHealthy 50 on 4 tasks: 2 waves.
	svc = &types.Service{DesiredCount: 4, DeploymentConfiguration: &types.DeploymentConfiguration{MaximumPercent: aws.Int32(100), MinimumHealthyPercent: aws.Int32(50)}}
	if got, want := deriveTimeout(svc, groups), 2*(120+155)*time.Second+60*time.Second; got != want {
		t.Errorf("two waves: deriveTimeout = %s, want %s", got, want)
	}
	if got := deriveTimeout(&types.Service{DesiredCount: 1}, nil); got != minTimeout {
		t.Errorf("no target groups: %s, want the floor %s", got, minTimeout)
	}
	huge := map[string]targetGroup{"a": {interval: 300 * time.Second, healthyThreshold: 10, deregistrationDelay: 3600 * time.Second}}
	if got := deriveTimeout(&types.Service{DesiredCount: 1}, huge); got != maxTimeout {
		t.Errorf("huge settings: %s, want the cap %s", got, maxTimeout)
	}
}

func TestPacerNeverExceedsMaxAndSlowsDownOverBudget(t *testing.T) {
	calls := 0
	start := time.Unix(0, 0)
	p := newPacer(PollPolicy{Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond, CallsPerSecond: 5}, func() int { return calls }, start)
	now := start
	for round := 0; round < 50; round++ {
		calls += 3 // every round costs 3 calls: 30/s at Initial, over budget
		wait := p.next(now, now, true)
		if wait < 100*time.Millisecond || wait > 400*time.Millisecond {
			t.Fatalf("round %d: wait %s outside [Initial, Max]", round, wait)
		}
		if round > 0 && wait != 400*time.Millisecond {
			t.Fatalf("round %d: over budget, wait %s; want Max", round, wait)
		}
		now = now.Add(wait)
	}
	if p.spare(now, 1) {
		t.Error("spare() says an optional call fits while over budget")
	}
	calls = 0
	p = newPacer(PollPolicy{Initial: 100 * time.Millisecond, Max: 400 * time.Millisecond, CallsPerSecond: 5}, func() int { return calls }, start)
	calls = 1
	if d := p.next(start, start, true); d != 100*time.Millisecond || !p.spare(start.Add(time.Second), 4) {
		t.Errorf("within budget: wait %s (want Initial), spare %v", d, p.spare(start.Add(time.Second), 4))
	}
	// One call per round at Initial (10/s against a budget of 5/s) exhausts the head start.
	now = start
	for range 20 {
		calls++
		now = now.Add(p.next(now, now, true))
	}
	if rate := float64(calls) / now.Sub(start).Seconds(); rate > 5+budgetBurst/now.Sub(start).Seconds() {
		t.Errorf("average %.1f calls/s; budget 5/s plus the head start", rate)
	}
	// Quiet rounds back off to Max.
	p = newPacer(PollPolicy{Initial: 100 * time.Millisecond, Max: 300 * time.Millisecond, CallsPerSecond: 1000}, func() int { return 0 }, start)
	var got []time.Duration
	for range 4 {
		got = append(got, p.next(start, start, false))
	}
	if fmt.Sprint(got) != "[150ms 225ms 300ms 300ms]" {
		t.Errorf("quiet intervals = %v", got)
	}
	if d := p.next(start, start, true); d != 100*time.Millisecond {
		t.Errorf("after a change: %s, want Initial", d)
	}
}

func TestExitCode(t *testing.T) {
	input := &InputError{What: "x"}
	cases := []struct {
		res  *Result
		err  error
		want int
	}{
		{&Result{Outcome: Succeeded}, nil, 0},
		{&Result{Outcome: Unchanged}, nil, 0},
		{&Result{Outcome: Started}, nil, 0},
		{&Result{Outcome: RolledBack}, errors.New("failed"), 1},
		{nil, input, 2},
		{nil, fmt.Errorf("wrapped: %w", input), 2},
		{&Result{Outcome: Failed}, errors.New("failed"), 3},
		{&Result{Outcome: Superseded}, errors.New("superseded"), 3},
		{&Result{Outcome: Interrupted}, context.Canceled, 4},
		{nil, context.Canceled, 4},
		{nil, errors.New("AccessDeniedException"), 5},
	}
	for _, c := range cases {
		if got := ExitCode(c.res, c.err); got != c.want {
			t.Errorf("ExitCode(%+v, %v) = %d, want %d", c.res, c.err, got, c.want)
		}
	}
}

func TestDiagnosisString(t *testing.T) {
	d := &Diagnosis{
		Summary:      "task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1",
		Evidence:     []string{"task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1"},
		ServiceState: "service app is set to app:41: 2/2 running",
		NextSteps:    []string{CLICommands("prod", "app").Rollback("app:41")},
	}
	want := `task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1
evidence:
  - task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 1
service now: service app is set to app:41: 2/2 running
next steps:
  - go run ./cmd/ecs-deploy rollback --cluster prod --service app --to app:41
`
	if got := d.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if (*Diagnosis)(nil).String() != "" {
		t.Error("nil diagnosis should render empty")
	}
}

func TestTaskEvidence(t *testing.T) {
	task := types.Task{
		TaskArn:           aws.String("arn:aws:ecs:us-east-1:1:task/prod/0123abcd4567ef890123abcd4567ef89"),
		TaskDefinitionArn: aws.String("arn:aws:ecs:us-east-1:1:task-definition/app:42"),
		StoppedReason:     aws.String("Essential container in task exited"),
		Containers: []types.Container{
			{Name: aws.String("app"), ExitCode: aws.Int32(137), Reason: aws.String("OutOfMemoryError: Container killed due to memory usage")},
			{Name: aws.String("envoy")},
		},
	}
	want := "task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 137 (reason: OutOfMemoryError: Container killed due to memory usage)"
	if got := taskEvidence(task); got != want {
		t.Errorf("taskEvidence =\n%s\nwant\n%s", got, want)
	}
}

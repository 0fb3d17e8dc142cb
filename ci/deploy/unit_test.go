package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
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

// simulate runs a schedule for n ticks: each look costs cost(src) calls, targets are wanted
// on the ticks want says. It returns the source looked at on each tick (-1: idle).
func simulate(s *schedule, calls *int, n int, want func(k int) bool, cost func(source) int) []source {
	var got []source
	for k := 0; k < n; k++ {
		src := s.pick(k, s.at(k), want(k))
		if src >= 0 {
			*calls += cost(src)
			s.looked(src, k)
		}
		got = append(got, src)
	}
	return got
}

func TestScheduleTicks(t *testing.T) {
	start := time.Unix(0, 0)
	for _, c := range []struct {
		policy PollPolicy
		tick   time.Duration
		every  int
	}{
		{PollPolicy{}, time.Second, 2},
		{PollPolicy{Initial: 2 * time.Second, Max: 2 * time.Second}, time.Second, 2},
		{PollPolicy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond}, 20 * time.Millisecond, 2},
		{PollPolicy{Initial: 500 * time.Millisecond, Max: 2 * time.Second}, 500 * time.Millisecond, 4},
	} {
		s := newSchedule(c.policy, newBudget(c.policy, func() int { return 0 }, start), start)
		if s.tick != c.tick || s.every != c.every || time.Duration(s.every)*s.tick > c.policy.withDefaults().Max {
			t.Errorf("%+v: tick %s every %d, want %s every %d", c.policy, s.tick, s.every, c.tick, c.every)
		}
	}
	s := newSchedule(PollPolicy{}, newBudget(PollPolicy{}, func() int { return 0 }, start), start)
	if got := s.nextTick(3, start.Add(3500*time.Millisecond)); got != 4 {
		t.Errorf("next tick after 3 at 3.5s = %d, want 4", got)
	}
	if got := s.nextTick(3, start.Add(6200*time.Millisecond)); got != 7 {
		t.Errorf("a look that overran to 6.2s: next tick %d, want 7 (ticks 4-6 skipped)", got)
	}
}

// The service and the targets alternate: each is looked at every Max, one call per tick.
func TestScheduleAlternatesSourcesWithinBudget(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{}, newBudget(PollPolicy{}, func() int { return calls }, start), start)
	s.looked(lookService, 0) // the UpdateService answer
	got := simulate(s, &calls, 40, func(k int) bool { return k >= 10 && k < 30 }, func(source) int { return 1 })
	last := map[source]int{lookService: 0}
	for k, src := range got {
		if src < 0 {
			continue
		}
		if p, ok := last[src]; ok && (src == lookService || src == lookTargets) && k-p > 2 && k > 1 {
			if src == lookService || (k > 11 && k < 30) {
				t.Errorf("tick %d: %v looked at %d ticks after the previous look, want <= 2", k, src, k-p)
			}
		}
		last[src] = k
		if src == lookTargets && (k < 10 || k >= 30) {
			t.Errorf("tick %d: targets looked at while not wanted", k)
		}
	}
	for k := 11; k < 30; k++ {
		if got[k] < 0 {
			t.Errorf("tick %d idle while both sources are wanted: %v", k, got)
			break
		}
	}
	if rate := float64(calls) / 40; rate > 1 {
		t.Errorf("%d calls in 40 ticks of 1s: %.2f/s, want <= 1", calls, rate)
	}
	// Without targets wanted, every other tick is idle or an optional re-check.
	quiet := 0
	for k := 0; k < 10; k++ {
		if got[k] != lookService {
			quiet++
		}
	}
	if quiet < 5 {
		t.Errorf("ticks 0-9 without targets: %v, want the service every other tick only", got[:10])
	}
}

// Over budget, the targets and the re-checks wait; the service keeps its cadence (nothing else
// tells a rollout's end).
func TestScheduleOverBudgetKeepsOnlyTheService(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{CallsPerSecond: 1}, newBudget(PollPolicy{CallsPerSecond: 1}, func() int { return calls }, start), start)
	got := simulate(s, &calls, 60, func(int) bool { return true }, func(src source) int {
		if src == lookService {
			return 4 // every service look follows up with ListTasks and DescribeTasks
		}
		return 1
	})
	services, lastService := 0, -1
	for k, src := range got {
		if src == lookService {
			if lastService >= 0 && k-lastService > 2 {
				t.Errorf("tick %d: service looked at %d ticks after the previous look", k, k-lastService)
			}
			services++
			lastService = k
		}
		if src == recheckTasks {
			t.Errorf("tick %d: optional re-check while over budget", k)
		}
	}
	if services != 30 {
		t.Errorf("service looks = %d in 60 ticks, want 30", services)
	}
	// The targets got only what the budget left: 60 s × 1/s + burst − 4 × 30.
	if targets := calls - 4*services; targets > 0 && float64(calls) > budgetBurst+60+4*30 {
		t.Errorf("targets looked at %d times over budget", targets)
	}
	if s.budget.spare(s.at(60), 1, 1) {
		t.Error("spare() says a call fits while over budget")
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

func TestAPIJSONKeepsSetZerosAndUserKeys(t *testing.T) {
	in := &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name:         aws.String("app"),
			Cpu:          0,               // not a pointer: unset, left out
			Memory:       aws.Int32(0),    // a pointer: set to 0 on purpose, kept
			Essential:    aws.Bool(false), // likewise
			DockerLabels: map[string]string{"com.Example.Team": "payments"},
			Environment:  []types.KeyValuePair{},
		}},
	}
	got, err := apiJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "containerDefinitions": [
    {
      "dockerLabels": {
        "com.Example.Team": "payments"
      },
      "essential": false,
      "memory": 0,
      "name": "app"
    }
  ],
  "family": "app"
}`
	if string(got) != want {
		t.Errorf("apiJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestHistoryUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "UnknownOperationException"}, true},
		{&smithy.GenericAPIError{Code: "InvalidAction"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, false},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{errors.New("connection reset"), false},
	} {
		if got := historyUnavailable(c.err); got != c.want {
			t.Errorf("historyUnavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A look that meets throttling or a 5xx backs the schedule off: the next look (at any source)
// comes one tick later for the first two failures in a row, then only every Max; a look that
// succeeds ends the back-off.
func TestScheduleBacksOffAfterFailedLooks(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{}, newBudget(PollPolicy{}, func() int { return calls }, start), start)
	s.looked(lookService, 0) // the UpdateService answer
	pick := func(k int) source { return s.pick(k, s.at(k), true) }

	if got := pick(2); got != lookService {
		t.Fatalf("tick 2: %v, want the service", got)
	}
	// Ticks at which the next look is allowed after each failure in a row.
	k := 2
	for i, wantNext := range []int{3, 4, 6, 8, 10} {
		s.failed(k)
		for j := k + 1; j < wantNext; j++ {
			if got := pick(j); got >= 0 {
				t.Fatalf("failure %d at tick %d: tick %d looks at %v, want nothing (backing off)", i+1, k, j, got)
			}
		}
		if got := pick(wantNext); got != lookService {
			t.Fatalf("failure %d at tick %d: tick %d looks at %v, want the service again", i+1, k, wantNext, got)
		}
		k = wantNext
	}
	// A success ends the back-off: the targets (wanted, due) take the next tick, and a new
	// failure is retried on the next tick again.
	s.looked(lookService, k)
	if got := pick(k + 1); got != lookTargets {
		t.Fatalf("after a successful look at tick %d: tick %d looks at %v, want the targets", k, k+1, got)
	}
	s.failed(k + 1)
	if got := pick(k + 2); got != lookService {
		t.Fatalf("a first failure after a success: tick %d looks at %v, want the service (due) at once", k+2, got)
	}
}

func TestIsImageTag(t *testing.T) {
	for to, want := range map[string]bool{
		"v1.4.2": true, "sha-3f2a9c41d0b7": true, "1.4": true, "latest": true,
		"": false, "42": false, "app:41": false, "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:41": false,
	} {
		if got := IsImageTag(to); got != want {
			t.Errorf("IsImageTag(%q) = %v, want %v", to, got, want)
		}
	}
}

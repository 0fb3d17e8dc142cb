package deploy_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
)

// scenarioUnit makes each scenario last about a second.
const scenarioUnit = 100 * time.Millisecond

// fastPoll lets the watcher keep up with scenarioUnit; the call budget is
// raised in proportion so pacing does not dominate.
var fastPoll = deploy.PollPolicy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond, CallsPerSecond: 200}

// syncBuffer collects Progress lines from the engine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type deployRun struct {
	fake     *fakeaws.Fake
	res      *deploy.Result
	err      error
	progress string
}

// fakeClients serves fake on a loopback port and returns engine clients aimed at it.
func fakeClients(t testing.TB, fake *fakeaws.Fake) deploy.Clients {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return deploy.NewClients(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
}

func defaultOptions() deploy.Options {
	return deploy.Options{
		Target:  deploy.Target{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Container: fakeaws.DefaultContainer},
		Image:   fakeaws.NewImage,
		Timeout: 20 * time.Second,
		Poll:    fastPoll,
	}
}

// runDeploy runs deploy.Deploy against a fresh fake playing cfg's scenario.
func runDeploy(t *testing.T, cfg fakeaws.Config, edit func(*deploy.Options)) deployRun {
	t.Helper()
	fake := fakeaws.New(cfg)
	clients := fakeClients(t, fake)
	var progress syncBuffer
	opts := defaultOptions()
	opts.Progress = &progress
	if edit != nil {
		edit(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := deploy.Deploy(ctx, clients, opts)
	return deployRun{fake: fake, res: res, err: err, progress: progress.String()}
}

func (r deployRun) diagnosis() string {
	if r.res == nil || r.res.Diagnosis == nil {
		return ""
	}
	return r.res.Diagnosis.String()
}

func (r deployRun) logOnFailure(t *testing.T) {
	t.Helper()
	if t.Failed() {
		t.Logf("err: %v\ndiagnosis:\n%s\nprogress:\n%s\ncalls: %d", r.err, r.diagnosis(), r.progress, len(r.fake.Calls()))
	}
}

// wantOutcome checks the outcome, the error that goes with it, and the exit code.
func (r deployRun) wantOutcome(t *testing.T, want deploy.Outcome, exitCode int) {
	t.Helper()
	if r.res == nil {
		t.Fatalf("Deploy returned no Result (err %v), want outcome %s", r.err, want)
	}
	if r.res.Outcome != want {
		t.Errorf("outcome = %s, want %s", r.res.Outcome, want)
	}
	succeeded := want == deploy.Succeeded || want == deploy.Unchanged
	if succeeded != (r.err == nil) {
		t.Errorf("err = %v for outcome %s", r.err, want)
	}
	if succeeded != (r.res.Diagnosis == nil) {
		t.Errorf("diagnosis = %v for outcome %s", r.res.Diagnosis, want)
	}
	if got := deploy.ExitCode(r.res, r.err); got != exitCode {
		t.Errorf("ExitCode = %d, want %d", got, exitCode)
	}
}

// wantServiceOn checks the revision the fake's service ends on and which
// UpdateService calls the engine made (rollback or not).
func (r deployRun) wantServiceOn(t *testing.T, rev int, updates ...int) {
	t.Helper()
	if got := r.fake.ServiceTaskDefinition(); got != r.fake.TaskDefinitionArn(rev) {
		t.Errorf("service ends on %s, want revision %d", got, rev)
	}
	got := r.fake.UpdateServiceRequests()
	if len(got) != len(updates) {
		t.Errorf("UpdateService calls = %v, want to revisions %v", got, updates)
		return
	}
	for i, rev := range updates {
		if !refersTo(got[i], rev) {
			t.Errorf("UpdateService #%d went to %q, want revision %d", i+1, got[i], rev)
		}
	}
}

// refersTo reports whether a task definition reference (family:rev or ARN) names revision rev.
func refersTo(ref string, rev int) bool {
	return strings.HasSuffix(ref, fakeaws.DefaultFamily+":"+strconv.Itoa(rev))
}

func (r deployRun) wantDiagnosis(t *testing.T, parts ...string) {
	t.Helper()
	d := r.diagnosis()
	for _, p := range parts {
		if !strings.Contains(d, p) {
			t.Errorf("diagnosis lacks %q", p)
		}
	}
}

// stoppedTaskMentioned reports whether the diagnosis names one of the tasks the
// failing deployment ran (by a prefix of at least 8 characters of its ID).
func (r deployRun) stoppedTaskMentioned() bool {
	d := r.diagnosis()
	for _, id := range r.fake.TaskIDs() {
		if strings.Contains(d, id[:8]) {
			return true
		}
	}
	return false
}

// wantNoPrematureSuccess: a success may only be reported once the fake got there.
func (r deployRun) wantNoPrematureSuccess(t *testing.T) {
	t.Helper()
	final := r.fake.FinalStateAt()
	if final.IsZero() || r.res.Finished.Before(final) {
		t.Errorf("Deploy finished at %v, before the final state (%v)", r.res.Finished, final)
	}
}

func TestScenarioHealthyRollout(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 2, 2)
	r.wantNoPrematureSuccess(t)
	if r.res.TaskDefinition != r.fake.TaskDefinitionArn(2) || r.res.PreviousTaskDefinition != r.fake.TaskDefinitionArn(1) {
		t.Errorf("result revisions = %s (previous %s)", r.res.TaskDefinition, r.res.PreviousTaskDefinition)
	}
	deps := r.fake.Deployments()
	if r.res.DeploymentID != deps[len(deps)-1].ID {
		t.Errorf("DeploymentID = %s, want the one UpdateService created, %s", r.res.DeploymentID, deps[len(deps)-1].ID)
	}
	// The clone keeps every field of the live revision: only the image changes.
	live, _ := r.fake.TaskDefinitionInput(1)
	registered, _ := r.fake.TaskDefinitionInput(2)
	live["containerDefinitions"].([]any)[0].(map[string]any)["image"] = fakeaws.NewImage
	if !reflect.DeepEqual(live, registered) {
		t.Errorf("registered revision differs from the live one beyond the image:\n live: %v\n  got: %v", live, registered)
	}
	if r.res.APICalls == 0 || r.res.APICalls > len(r.fake.Calls()) {
		t.Errorf("Result.APICalls = %d, fake saw %d", r.res.APICalls, len(r.fake.Calls()))
	}
}

func TestScenarioSlowStartIsPatience(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.SlowStart(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 2, 2)
	r.wantNoPrematureSuccess(t)
}

func TestScenarioCrashLoopRollsBack(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	r.wantServiceOn(t, 1, 2, 1)
	r.wantDiagnosis(t, "exit code 1", "Essential container in task exited", fakeaws.DefaultContainer)
	if !r.stoppedTaskMentioned() {
		t.Errorf("diagnosis names none of the crashed tasks")
	}
}

func TestScenarioCrashLoopNoRollbackTellsHow(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, func(o *deploy.Options) { o.NoRollback = true })
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, 3)
	r.wantServiceOn(t, 2, 2)
	r.wantDiagnosis(t, "exit code 1")
	if !nextStepRollsBackTo(r.res, 1) {
		t.Errorf("NextSteps give no rollback command to revision 1: %+v", r.res.Diagnosis.NextSteps)
	}
}

func TestScenarioCrashLoopDeregistersFailedRevision(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, func(o *deploy.Options) { o.DeregisterFailed = true })
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	if got := r.fake.TaskDefinitionStatus(2); got != "INACTIVE" {
		t.Errorf("failed revision status = %s, want INACTIVE", got)
	}
	if got := r.fake.TaskDefinitionStatus(1); got != "ACTIVE" {
		t.Errorf("previous revision status = %s, want ACTIVE", got)
	}
}

func TestScenarioUnhealthyTargetsRollsBack(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.UnhealthyTargets(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	r.wantServiceOn(t, 1, 2, 1)
	r.wantDiagnosis(t, ":8080")
	// Targets report ResponseCodeMismatch for 2 units, then FailedHealthChecks:
	// either is the health check's own reason, which is what must reach the user.
	d := r.diagnosis()
	if !strings.Contains(d, fakeaws.ReasonResponseCodeMismatch+": "+fakeaws.DescResponseCodeMismatch) &&
		!strings.Contains(d, fakeaws.ReasonFailedHealthChecks) {
		t.Errorf("diagnosis has no health-check reason code")
	}
}

func TestScenarioCircuitBreakerFailedWeRollBack(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerFailed(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	r.wantServiceOn(t, 1, 2, 1)
	r.wantDiagnosis(t, "ECS deployment circuit breaker: tasks failed to start.")
}

func TestScenarioCircuitBreakerRollbackByECS(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	r.wantServiceOn(t, 1, 2) // ECS rolled back: no UpdateService from us
	r.wantDiagnosis(t, "ECS deployment circuit breaker: tasks failed to start.")
	r.wantNoPrematureSuccess(t) // the rollback is reported once it completed
}

func TestScenarioCircuitBreakerRollbackWithoutServiceDeploymentsAPI(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(scenarioUnit), NoServiceDeployments: true}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, 1)
	r.wantServiceOn(t, 1, 2)
}

func TestScenarioThrottlingBurstStillSucceeds(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.ThrottlingBurst(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 2, 2)
	if n := countStatus(r.fake, 400); n != 8 {
		t.Errorf("throttled calls = %d, want the scenario's 8", n)
	}
}

func TestScenarioTransient5xxStillSucceeds(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.Transient5xx(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 2, 2)
	if n := countStatus(r.fake, 500); n != 7 {
		t.Errorf("5xx answers = %d, want the scenario's 7", n)
	}
}

func TestScenarioHealthyRolloutWithoutServiceDeploymentsAPI(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), NoServiceDeployments: true}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantNoPrematureSuccess(t)
}

func TestScenarioOverlappingDeploymentIsSuperseded(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.OverlappingDeployment(scenarioUnit)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Superseded, 3)
	deps := r.fake.Deployments()
	foreign := deps[len(deps)-1]
	if foreign.TaskDefinition != r.fake.TaskDefinitionArn(3) {
		t.Fatalf("last deployment = %+v, want the other party's on revision 3", foreign)
	}
	r.wantDiagnosis(t, foreign.ID)
	if !strings.Contains(strings.ToLower(r.diagnosis()), "supersed") {
		t.Errorf("diagnosis does not say the deployment was superseded")
	}
	// DescribeServices named the other deployment: the service deployment history would only
	// repeat it, at two more calls.
	if n := r.fake.CallCount("ListServiceDeployments") + r.fake.CallCount("DescribeServiceDeployments"); n != 0 {
		t.Errorf("%d service deployment history calls for a superseded deployment, want none", n)
	}
	// Not rolled back: the other party's revision stays.
	r.wantServiceOn(t, 3, 2)
}

func TestScenarioCancelledContextIsInterrupted(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.SlowStart(scenarioUnit)})
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		<-fake.DeploymentStarted()
		cancel()
	}()
	res, err := deploy.Deploy(ctx, clients, defaultOptions())
	if res == nil {
		t.Fatalf("no Result after the deployment started (err %v)", err)
	}
	r := deployRun{fake: fake, res: res, err: err}
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Interrupted, 4)
	if !errors.Is(err, context.Canceled) && !strings.Contains(strings.ToLower(err.Error()), "interrupt") {
		t.Errorf("err = %v, want it to say the deploy was interrupted", err)
	}
	if !nextStepRollsBackTo(res, 1) {
		t.Errorf("NextSteps give no rollback command to revision 1: %+v", res.Diagnosis.NextSteps)
	}
	r.wantServiceOn(t, 2, 2) // interrupted: nothing rolled back behind the user's back
}

func TestScenarioSameImageIsUnchanged(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)}, func(o *deploy.Options) { o.Image = fakeaws.InitialImage })
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Unchanged, 0)
	if n := r.fake.CallCount("RegisterTaskDefinition") + r.fake.CallCount("UpdateService"); n != 0 {
		t.Errorf("Unchanged made %d changing calls", n)
	}
	if r.res.TaskDefinition != r.fake.TaskDefinitionArn(1) {
		t.Errorf("TaskDefinition = %s, want the live one", r.res.TaskDefinition)
	}
}

func TestScenarioBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	cases := map[string]func(*deploy.Options){
		"unknown cluster":   func(o *deploy.Options) { o.Cluster = "nope" },
		"unknown service":   func(o *deploy.Options) { o.Service = "api" },
		"unknown container": func(o *deploy.Options) { o.Container = "worker" },
		"tag, no digest":    func(o *deploy.Options) { o.Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:latest" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)}, edit)
			var inputErr *deploy.InputError
			if !errors.As(r.err, &inputErr) {
				t.Fatalf("err = %v, want an InputError", r.err)
			}
			if got := deploy.ExitCode(r.res, r.err); got != 2 {
				t.Errorf("ExitCode = %d, want 2", got)
			}
			if n := r.fake.CallCount("RegisterTaskDefinition") + r.fake.CallCount("UpdateService"); n != 0 {
				t.Errorf("bad input made %d changing calls", n)
			}
		})
	}
}

func nextStepRollsBackTo(res *deploy.Result, rev int) bool {
	if res == nil || res.Diagnosis == nil {
		return false
	}
	for _, s := range res.Diagnosis.NextSteps {
		if s.Action == report.Rollback && s.Revision == fakeaws.DefaultFamily+":"+strconv.Itoa(rev) {
			return true
		}
	}
	return false
}

func countStatus(f *fakeaws.Fake, status int) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Status == status {
			n++
		}
	}
	return n
}

// rollbackAfterDeploy deploys NewImage on a fake playing sc (which must succeed),
// then runs deploy.Rollback to the previous revision on the same fake.
func rollbackAfterDeploy(t *testing.T, sc fakeaws.Scenario) (deployRun, *deploy.Result, error) {
	t.Helper()
	fake := fakeaws.New(fakeaws.Config{Scenario: sc})
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := deploy.Deploy(ctx, clients, defaultOptions())
	first := deployRun{fake: fake, res: res, err: err}
	if err != nil {
		t.Fatalf("deploy before the rollback: %v\n%s", err, first.diagnosis())
	}
	back, err := deploy.Rollback(ctx, clients, deploy.RollbackOptions{
		Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Timeout: 20 * time.Second, Poll: fastPoll,
	})
	return first, back, err
}

func TestScenarioExplicitRollbackToPreviousRevision(t *testing.T) {
	t.Parallel()
	first, back, err := rollbackAfterDeploy(t, fakeaws.HealthyRollout(scenarioUnit))
	if err != nil || back == nil || back.Outcome != deploy.Succeeded {
		t.Fatalf("Rollback = %+v, %v", back, err)
	}
	first.wantServiceOn(t, 1, 2, 1)
	if back.TaskDefinition != first.fake.TaskDefinitionArn(1) || back.PreviousTaskDefinition != first.fake.TaskDefinitionArn(2) {
		t.Errorf("Rollback result revisions = %s (from %s)", back.TaskDefinition, back.PreviousTaskDefinition)
	}
}

func TestScenarioExplicitRollbackThatCrashesFails(t *testing.T) {
	t.Parallel()
	sc := fakeaws.HealthyRollout(scenarioUnit)
	sc.Recovery = fakeaws.CrashLoop(scenarioUnit).Steps // the old revision no longer starts
	first, back, err := rollbackAfterDeploy(t, sc)
	if err == nil || back == nil || back.Outcome != deploy.Failed {
		t.Fatalf("Rollback = %+v, %v", back, err)
	}
	if got := deploy.ExitCode(back, err); got != 3 {
		t.Errorf("ExitCode = %d, want 3", got)
	}
	if d := back.Diagnosis.String(); !strings.Contains(d, "exit code 1") {
		t.Errorf("rollback diagnosis lacks the crash:\n%s", d)
	}
	first.wantServiceOn(t, 1, 2, 1) // a failed rollback is not rolled back again
}

package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

// The paths where the engine cannot finish on its own and a person must act (exit code 3), and
// the ways an UpdateService can go wrong. Each says what happened, leaves the service in a
// state the diagnosis names, and gives the command that completes the job.

var denied = fakeaws.Fault{Code: "AccessDeniedException"}

func deniedOp(op string) fakeaws.Fault {
	f := denied
	f.Op = op
	return f
}

func scenarioTime(units float64) time.Duration { return time.Duration(units * float64(scenarioUnit)) }

// A rollout that can no longer be observed is not rolled back blindly: the person gets the
// status and rollback commands.
func TestPersonLostSightOfTheRollout(t *testing.T) {
	t.Parallel()
	sc := fakeaws.HealthyRollout(scenarioUnit)
	sc.Steps = append(sc.Steps, fakeaws.Step{At: scenarioTime(1.5), Do: fakeaws.Inject(deniedOp("DescribeServices"))})
	r := runDeploy(t, fakeaws.Config{Scenario: sc}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 2, 2) // left where the deploy put it: nothing was undone blindly
	r.wantDiagnosis(t, "lost sight of deployment", "not authorized to perform: DescribeServices")
	if !nextStepRollsBackTo(r.res, 1) {
		t.Errorf("next steps lack the rollback to revision 1: %+v", r.res.Diagnosis.NextSteps)
	}
}

// The deploy failed and its rollback could not even start.
func TestPersonRollbackCannotStart(t *testing.T) {
	t.Parallel()
	sc := fakeaws.CrashLoop(scenarioUnit)
	sc.Steps = append(sc.Steps, fakeaws.Step{At: 0, Do: fakeaws.Inject(deniedOp("UpdateService"))})
	r := runDeploy(t, fakeaws.Config{Scenario: sc}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 2, 2) // the rollback was asked for and refused (a refused request changes nothing)
	if refused := r.fake.CallCount("UpdateService") - len(r.fake.UpdateServiceRequests()); refused != 1 {
		t.Errorf("%d UpdateService requests refused, want the rollback's one", refused)
	}
	r.wantDiagnosis(t, "exit code 1", "ROLLBACK FAILED", "could not start", "not authorized to perform: UpdateService")
	if !nextStepRollsBackTo(r.res, 1) {
		t.Errorf("next steps lack the rollback to revision 1: %+v", r.res.Diagnosis.NextSteps)
	}
}

// The deploy failed and the previous revision, rolled back to, crashes too.
func TestPersonRollbackCrashesToo(t *testing.T) {
	t.Parallel()
	sc := fakeaws.CrashLoop(scenarioUnit)
	sc.Recovery = fakeaws.CrashLoop(scenarioUnit).Steps
	r := runDeploy(t, fakeaws.Config{Scenario: sc}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1, 2, 1)
	r.wantDiagnosis(t, "ROLLBACK FAILED", "the rollback to web:1 did not complete")
}

// breakerThenLateRollback: the circuit breaker fails our deployment at 2 units, and ECS starts
// its rollback only at 4: the engine must wait for it rather than roll back itself.
func breakerThenLateRollback(rollback []fakeaws.Step) fakeaws.Scenario {
	steps := []fakeaws.Step{
		{At: scenarioTime(1), Do: fakeaws.StartTasks(0)},
		{At: scenarioTime(2), Do: fakeaws.StopTasks(0, fakeaws.CrashExit(1))},
		{At: scenarioTime(2), Do: fakeaws.TripCircuitBreakerRollbackLater()},
		{At: scenarioTime(4), Do: fakeaws.StartCircuitBreakerRollback()},
	}
	for _, s := range rollback {
		s.At += scenarioTime(4)
		steps = append(steps, s)
	}
	return fakeaws.Scenario{Name: "BreakerThenLateRollback", Unit: scenarioUnit,
		CircuitBreaker: fakeaws.CircuitBreaker{Enable: true, Rollback: true}, Steps: steps}
}

func TestPersonNotNeededWhenECSRollbackIsAwaited(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: breakerThenLateRollback(fakeaws.HealthySteps(scenarioUnit))}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, deploy.ExitRolledBack)
	r.wantServiceOn(t, 1, 2) // ECS rolled back: no UpdateService from the engine
	r.wantDiagnosis(t, "circuit breaker", "rolled back by ECS (circuit breaker) to web:1")
	if !strings.Contains(r.progress, "ECS is rolling back to web:1") {
		t.Errorf("progress does not say it waits for ECS's rollback:\n%s", r.progress)
	}
}

func TestPersonECSRollbackFails(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: breakerThenLateRollback(fakeaws.CrashLoop(scenarioUnit).Steps)}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1, 2)
	r.wantDiagnosis(t, "ROLLBACK FAILED", "the rollback to web:1 did not complete", "exit code 1")
}

// UpdateService acted but its answer named no deployment on our revision: nothing can be
// called ours, so nothing is watched or undone blindly.
func TestPersonNoDeploymentToWatch(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), UpdateAnswerOmitsDeployment: true}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantDiagnosis(t, "ECS started no deployment of web:2")
	if !nextStepRollsBackTo(r.res, 1) {
		t.Errorf("next steps lack the rollback to revision 1: %+v", r.res.Diagnosis.NextSteps)
	}
}

// UpdateService answered an error: whether it acted decides what the person is told.
func TestUpdateServiceErrors(t *testing.T) {
	t.Parallel()
	refused := deniedOp("UpdateService")
	refused.Code, refused.Message, refused.Times = "InvalidParameterException", "Task definition does not support launch_type FARGATE.", 1
	lost := deniedOp("UpdateService")
	lost.Applied, lost.Times = true, 1
	deniedOnce := deniedOp("UpdateService")
	deniedOnce.Times = 1

	t.Run("refused as invalid: bad input, the orphan revision deregistered", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Faults: []fakeaws.Fault{refused}}, nil)
		defer r.logOnFailure(t)
		if got := deploy.ExitCode(r.res, r.err); got != deploy.ExitBadInput {
			t.Errorf("ExitCode = %d, want %d (err %v)", got, deploy.ExitBadInput, r.err)
		}
		if !strings.Contains(r.err.Error(), "does not support launch_type FARGATE") {
			t.Errorf("err = %v, want ECS's reason", r.err)
		}
		r.wantServiceOn(t, 1)
		if got := r.fake.TaskDefinitionStatus(2); got != "INACTIVE" {
			t.Errorf("revision 2 is %s, want INACTIVE (deregistered: it never ran)", got)
		}
	})
	t.Run("denied: the service stays, the orphan revision deregistered", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Faults: []fakeaws.Fault{deniedOnce}}, nil)
		defer r.logOnFailure(t)
		r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
		r.wantServiceOn(t, 1)
		r.wantDiagnosis(t, "UpdateService failed, the service stays on web:1", "web:2 was deregistered")
	})
	t.Run("answered an error after acting: the person is told it is on the new revision", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Faults: []fakeaws.Fault{lost}}, nil)
		defer r.logOnFailure(t)
		r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
		r.wantServiceOn(t, 2, 2)
		r.wantDiagnosis(t, "UpdateService answered an error but the service is on web:2")
		if !nextStepRollsBackTo(r.res, 1) {
			t.Errorf("next steps lack the rollback to revision 1: %+v", r.res.Diagnosis.NextSteps)
		}
	})
}

// What the person runs next: status shows the failed revision, its deployment's state and
// reason, the targets with the load balancer's reasons, and the events.
func TestPersonStatusAfterAFailureLeftInPlace(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.CircuitBreakerFailed(scenarioUnit)})
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := defaultOptions()
	opts.NoRollback = true
	if res, err := deploy.Deploy(ctx, clients, opts); deploy.ExitCode(res, err) != deploy.ExitFailed {
		t.Fatalf("deploy with no rollback: %v, want it failed and left in place", err)
	}
	st, err := deploy.Status(ctx, clients, fakeaws.DefaultCluster, fakeaws.DefaultService)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	st.Render(&out)
	for _, want := range []string{
		"service web (cluster demo)",
		"runs      web:2",
		"image     app: " + fakeaws.NewImage,
		"failed 3  FAILED (ECS deployment circuit breaker: tasks failed to start.)",
		"targets:\n  web-tg  10.0.1.",
		"deployment failed: tasks failed to start.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := deploy.Status(ctx, clients, fakeaws.DefaultCluster, "nope"); err == nil || !strings.Contains(err.Error(), `service "nope" not found`) {
		t.Errorf("status of an unknown service: %v, want it named", err)
	}
}

// A forced redeploy whose UpdateService fails: whether ECS started the deployment anyway
// decides what the person is told; nothing was registered, so nothing is cleaned up.
func TestForcedRedeployUpdateServiceErrors(t *testing.T) {
	t.Parallel()
	t.Run("refused: the service stays on its deployment", func(t *testing.T) {
		t.Parallel()
		r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Faults: []fakeaws.Fault{deniedOp("UpdateService")}}, forced)
		defer r.logOnFailure(t)
		if r.res != nil || r.err == nil || !strings.Contains(r.err.Error(), "the service stays on its deployment of web:1") {
			t.Errorf("result %v, err %v; want no result and the service named as unchanged", r.res, r.err)
		}
		if got := deploy.ExitCode(r.res, r.err); got != deploy.ExitAWSError {
			t.Errorf("ExitCode = %d, want %d (AWS refused before any change)", got, deploy.ExitAWSError)
		}
	})
	t.Run("answered an error after acting: told it started", func(t *testing.T) {
		t.Parallel()
		lost := deniedOp("UpdateService")
		lost.Applied = true
		r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Faults: []fakeaws.Fault{lost}}, forced)
		defer r.logOnFailure(t)
		r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
		r.wantDiagnosis(t, "UpdateService answered an error but ECS started deployment", "of web:1")
	})
}

// An explicit rollback to a revision that cannot be gone back to changes nothing and says why.
func TestRollbackToARevisionThatCannotBe(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)})
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := deploy.Deploy(ctx, clients, defaultOptions()); err != nil {
		t.Fatal(err)
	}
	for to, want := range map[string]string{
		"99":      `task definition "web:99" not found`,
		"other:1": `task definition "other:1" not found`,
	} {
		res, err := deploy.Rollback(ctx, clients, deploy.RollbackOptions{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService,
			To: to, Timeout: 10 * time.Second, Poll: fastPoll})
		var inputErr *deploy.InputError
		if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), want) || res != nil {
			t.Errorf("rollback --to %s: %v, %v; want an InputError saying %q", to, res, err, want)
		}
	}
	if got := fake.UpdateServiceRequests(); len(got) != 1 {
		t.Errorf("UpdateService calls %v: a refused rollback must make none", got)
	}
}

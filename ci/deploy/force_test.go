package deploy_test

import (
	"reflect"
	"strings"
	"testing"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
)

// forced deploys the image that already runs, with Force.
func forced(o *deploy.Options) {
	o.Image = fakeaws.InitialImage
	o.Force = true
}

// wantForcedUpdates checks that the engine registered no revision and that its UpdateService
// calls carried these forceNewDeployment values.
func (r deployRun) wantForcedUpdates(t *testing.T, want ...bool) {
	t.Helper()
	if n := r.fake.CallCount("RegisterTaskDefinition"); n != 0 {
		t.Errorf("RegisterTaskDefinition called %d times; a forced redeployment registers no revision", n)
	}
	if _, ok := r.fake.TaskDefinitionInput(2); ok {
		t.Errorf("revision 2 exists")
	}
	if got := r.fake.UpdateServiceForced(); !reflect.DeepEqual(got, want) {
		t.Errorf("UpdateService forceNewDeployment = %v, want %v", got, want)
	}
}

func TestForcedRedeployHealthy(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)}, forced)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 1, 1)
	r.wantForcedUpdates(t, true)
	r.wantNoPrematureSuccess(t)
	if !r.res.Forced || r.res.TaskDefinition != r.fake.TaskDefinitionArn(1) || r.res.PreviousTaskDefinition != r.res.TaskDefinition {
		t.Errorf("result: forced %v, %s (previous %s); want a forced redeployment of revision 1", r.res.Forced, r.res.TaskDefinition, r.res.PreviousTaskDefinition)
	}
	// Ours is the deployment UpdateService created, not the one that ran before it.
	deps := r.fake.Deployments()
	if len(deps) < 2 || r.res.DeploymentID != deps[len(deps)-1].ID {
		t.Errorf("DeploymentID = %s, want the new deployment (deployments %+v)", r.res.DeploymentID, deps)
	}
	var out strings.Builder
	if err := report.Render(&out, "deploy", r.res, report.Plain); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "revision:   forced redeployment of web:1\n") {
		t.Errorf("report does not say it was a forced redeployment:\n%s", out.String())
	}
}

// A forced redeployment whose new tasks crash is not rolled back: the revision before it is the
// same one. The service keeps its revision, ECS keeps the old tasks, and a person is told why
// and what to do.
func TestForcedRedeployCrashLoopIsNotRolledBack(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, func(o *deploy.Options) {
		forced(o)
		o.DeregisterFailed = true
	})
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1, 1) // one UpdateService: no rollback
	r.wantForcedUpdates(t, true)
	r.wantDiagnosis(t, "forced redeployment of web:1 failed", "exit code 1", "Essential container in task exited",
		"not rolled back: the revision before this deployment is web:1 itself")
	if !r.stoppedTaskMentioned() {
		t.Errorf("diagnosis names none of the crashed tasks")
	}
	if got := r.fake.TaskDefinitionStatus(1); got != "ACTIVE" {
		t.Errorf("the live revision is %s; it must never be deregistered", got)
	}
	var redeploy bool
	for _, s := range r.res.Diagnosis.NextSteps {
		if s.Action == report.Rollback && s.Revision != "" {
			t.Errorf("next step rolls back to %s, the revision that failed", s.Revision)
		}
		redeploy = redeploy || (s.Action == report.Deploy && s.Force)
	}
	if !redeploy {
		t.Errorf("no next step redeploys with force: %+v", r.res.Diagnosis.NextSteps)
	}
	if !strings.Contains(r.err.Error(), "forced redeployment of web:1 failed") {
		t.Errorf("err = %v", r.err)
	}
}

// With the circuit breaker's rollback, ECS goes back to the deployment that ran before: the
// engine waits for it as for any deploy, and never deregisters the revision the service runs.
func TestForcedRedeployRolledBackByECS(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(scenarioUnit)}, func(o *deploy.Options) {
		forced(o)
		o.DeregisterFailed = true
	})
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, deploy.ExitRolledBack)
	r.wantServiceOn(t, 1, 1)
	r.wantForcedUpdates(t, true)
	r.wantDiagnosis(t, "circuit breaker", "web:1 was not deregistered")
	if got := r.fake.TaskDefinitionStatus(1); got != "ACTIVE" {
		t.Errorf("the live revision is %s; it must never be deregistered", got)
	}
}

// Without Force the image that already runs changes nothing, whatever the scenario.
func TestSameImageWithoutForceIsNoOp(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(scenarioUnit)}, func(o *deploy.Options) { o.Image = fakeaws.InitialImage })
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Unchanged, 0)
	r.wantServiceOn(t, 1)
	r.wantForcedUpdates(t)
	if r.res.Forced {
		t.Errorf("an unchanged deploy reported as forced")
	}
}

// Force with a new image is an ordinary deploy: the new revision starts a deployment anyway.
func TestForceWithNewImageIsAnOrdinaryDeploy(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit)}, func(o *deploy.Options) { o.Force = true })
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, 0)
	r.wantServiceOn(t, 2, 2)
	if got := r.fake.UpdateServiceForced(); !reflect.DeepEqual(got, []bool{false}) {
		t.Errorf("UpdateService forceNewDeployment = %v, want [false]", got)
	}
	if r.res.Forced {
		t.Errorf("a deploy of a new revision reported as forced")
	}
}

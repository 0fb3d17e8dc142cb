package deploy_test

import (
	"strings"
	"testing"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

// ECS on EC2 with bridge networking: a target is an EC2 instance and a dynamic host port. The
// fake runs each deployment's tasks on two instances, in pairs that get the same host port.

func TestBridgeHealthyRolloutLooksUpInstancesOnce(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), NetworkMode: "bridge"}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)
	if !strings.Contains(r.progress, "i-00000000000000001:32868") || !strings.Contains(r.progress, "i-00000000000000002:32868") {
		t.Errorf("progress does not name the targets by instance and host port:\n%s", r.progress)
	}
	// Both instances are asked for in one call, and the answer is kept for the deploy.
	if n := r.fake.CallCount("DescribeContainerInstances"); n != 1 {
		t.Errorf("DescribeContainerInstances called %d times, want once", n)
	}
}

// Two tasks share a host port on two instances and only the second one's target is unhealthy:
// matching targets by port alone would read the first one's health for both.
func TestBridgeSameHostPortOnTwoInstances(t *testing.T) {
	t.Parallel()
	sc := fakeaws.Scenario{Name: "OneOfTwoUnhealthy", Unit: scenarioUnit, Steps: []fakeaws.Step{
		{At: scenarioTime(1), Do: fakeaws.StartTasks(0)},
		{At: scenarioTime(2), Do: fakeaws.TasksRunning()},
		{At: scenarioTime(3), Do: fakeaws.TargetsHealthy()},
		{At: scenarioTime(3), Do: fakeaws.TargetUnhealthy(1, fakeaws.ReasonResponseCodeMismatch, fakeaws.DescResponseCodeMismatch)},
		{At: scenarioTime(4), Do: fakeaws.CompleteDeployment()},
	}}
	r := runDeploy(t, fakeaws.Config{Scenario: sc, NetworkMode: "bridge"}, nil)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, deploy.ExitRolledBack)
	r.wantDiagnosis(t, "target i-00000000000000002:32868 in web-tg: unhealthy (Target.ResponseCodeMismatch")
	if strings.Contains(r.diagnosis(), "i-00000000000000001:32868 in web-tg: unhealthy") {
		t.Errorf("the healthy target on the other instance is reported unhealthy:\n%s", r.diagnosis())
	}
}

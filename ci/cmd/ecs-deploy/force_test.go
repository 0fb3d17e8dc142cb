package main

import (
	"reflect"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

// The image that already runs: a no-op without --force, a new deployment of the same revision
// with it, and a failed forced redeployment is reported with exit code 3 and no rollback.
func TestCLIForcedRedeploy(t *testing.T) {
	bin := buildCLI(t)
	unit := 50 * time.Millisecond
	same := []string{"--image", fakeaws.InitialImage}

	fake, url := serveFake(t, fakeaws.HealthyRollout(unit))
	runCLI(t, bin, url, fakeDeployArgs(same...)...).want(t, 0, "outcome=unchanged", "nothing to deploy")
	if n := fake.CallCount("UpdateService"); n != 0 {
		t.Errorf("without --force: %d UpdateService calls, want none", n)
	}

	fake, url = serveFake(t, fakeaws.HealthyRollout(unit))
	runCLI(t, bin, url, fakeDeployArgs(append(same, "--force")...)...).want(t, 0,
		"outcome=succeeded", "task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/web:1 previous=arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
		" forced=true\n", "deploy: succeeded\n", "  revision:   forced redeployment of web:1\n", "starting a new deployment of it (forced; no new revision)")
	if got := fake.UpdateServiceForced(); !reflect.DeepEqual(got, []bool{true}) {
		t.Errorf("UpdateService forceNewDeployment = %v, want [true]", got)
	}
	if n := fake.CallCount("RegisterTaskDefinition"); n != 0 {
		t.Errorf("%d RegisterTaskDefinition calls, want none", n)
	}

	fake, url = serveFake(t, fakeaws.HealthyRollout(unit))
	plan := []string{"plan", "--cluster", fakeaws.DefaultCluster, "--service", fakeaws.DefaultService, "--container", fakeaws.DefaultContainer}
	runCLI(t, bin, url, append(plan, append(same, "--force")...)...).want(t, 0,
		"~ service.deployment: a new deployment of web:1, forced (no new revision)\ntask definition: unchanged (the image already runs)\n")
	runCLI(t, bin, url, append(plan, same...)...).want(t, 0, "nothing to deploy: the image already runs")
	if n := fake.CallCount("UpdateService") + fake.CallCount("RegisterTaskDefinition"); n != 0 {
		t.Errorf("plan made %d changing calls", n)
	}

	fake, url = serveFake(t, fakeaws.CrashLoop(unit))
	runCLI(t, bin, url, fakeDeployArgs(append(same, "--force")...)...).want(t, 3,
		"outcome=failed", "deploy: failed\n", "forced redeployment of web:1 failed: ", "exit code 1",
		"not rolled back: the revision before this deployment is web:1 itself",
		"then: ecs-deploy deploy --cluster demo --service web --container app --image "+fakeaws.InitialImage+" --force\n",
		"to run an older revision instead: ecs-deploy rollback --cluster demo --service web --to REVISION\n")
	if got := fake.UpdateServiceRequests(); len(got) != 1 {
		t.Errorf("UpdateService calls %v, want only the forced one", got)
	}
}

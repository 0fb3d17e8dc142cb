package fakeaws_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
)

// frozenAfter keeps the first n steps of s: the CLI takes about a second to
// start, so its tests look at a state that no longer moves.
func frozenAfter(s fakeaws.Scenario, n int) fakeaws.Scenario {
	s.Steps = s.Steps[:n]
	return s
}

// cliEnv is the environment without the caller's AWS settings, plus dummy
// credentials, so the CLI talks to nothing but the fake.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	)
}

// awsCLI runs the AWS CLI against url with dummy credentials and no user config.
func awsCLI(t *testing.T, url string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, lookErr := exec.LookPath("aws")
	if lookErr != nil {
		moto.Missing(t, "aws (the AWS CLI)", "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "--endpoint-url", url, "--output", "json")...)
	cmd.Env = cliEnv()
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestAWSCLIParsesDescribeServices(t *testing.T) {
	t.Parallel()
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.CrashLoop(unit), 3)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "first crash", func() bool { return !e.fake.FirstEvidenceAt().IsZero() })

	out, stderr, err := awsCLI(t, e.url, "ecs", "describe-services", "--cluster", "demo", "--services", "web")
	if err != nil {
		t.Fatalf("aws ecs describe-services: %v\n%s", err, stderr)
	}
	var got struct {
		Services []struct {
			TaskDefinition string
			RunningCount   int
			Deployments    []struct {
				ID           string `json:"id"`
				Status       string
				RolloutState string
				FailedTasks  int
				CreatedAt    any
			}
			LoadBalancers []struct{ TargetGroupArn, ContainerName string }
			Events        []struct{ Message string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, out)
	}
	if len(got.Services) != 1 {
		t.Fatalf("services = %s", out)
	}
	s := got.Services[0]
	if s.TaskDefinition != e.fake.TaskDefinitionArn(2) || len(s.Deployments) != 2 || s.Deployments[0].ID != id ||
		s.Deployments[0].Status != "PRIMARY" || s.Deployments[0].FailedTasks < 1 || s.Deployments[0].CreatedAt == nil ||
		len(s.LoadBalancers) != 1 || s.LoadBalancers[0].ContainerName != "app" || len(s.Events) == 0 {
		t.Errorf("CLI saw %+v", s)
	}

	tasks, stderr, err := awsCLI(t, e.url, "ecs", "list-tasks", "--cluster", "demo", "--desired-status", "STOPPED", "--started-by", id)
	if err != nil || !strings.Contains(tasks, "task/demo/") {
		t.Fatalf("aws ecs list-tasks: %v %s\n%s", err, tasks, stderr)
	}

	_, stderr, err = awsCLI(t, e.url, "ecs", "describe-services", "--cluster", "nope", "--services", "web")
	if err == nil || !strings.Contains(stderr, "ClusterNotFoundException") {
		t.Errorf("unknown cluster: err %v, stderr %s", err, stderr)
	}
}

func TestAWSCLIParsesDescribeTargetHealth(t *testing.T) {
	t.Parallel()
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.UnhealthyTargets(unit), 3)}, 0)
	e.deployNewImage(t)
	eventually(t, "unhealthy targets", func() bool { return !e.fake.FirstEvidenceAt().IsZero() })
	tg := e.service(t).LoadBalancers[0].TargetGroupArn

	out, stderr, err := awsCLI(t, e.url, "elbv2", "describe-target-health", "--target-group-arn", *tg)
	if err != nil {
		t.Fatalf("aws elbv2 describe-target-health: %v\n%s", err, stderr)
	}
	var got struct {
		TargetHealthDescriptions []struct {
			Target struct {
				ID   string `json:"Id"`
				Port int
			}
			TargetHealth struct{ State, Reason, Description string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, out)
	}
	states := map[string]int{}
	for _, d := range got.TargetHealthDescriptions {
		states[d.TargetHealth.State]++
		if d.TargetHealth.State == "unhealthy" && (d.TargetHealth.Reason != fakeaws.ReasonResponseCodeMismatch && d.TargetHealth.Reason != fakeaws.ReasonFailedHealthChecks || d.Target.Port != 8080) {
			t.Errorf("unhealthy target = %+v", d)
		}
	}
	if states["unhealthy"] != 2 || states["healthy"] != 2 {
		t.Errorf("target states = %v\n%s", states, out)
	}

	out, stderr, err = awsCLI(t, e.url, "elbv2", "describe-target-groups", "--target-group-arns", *tg)
	if err != nil || !strings.Contains(out, `"HealthCheckIntervalSeconds": 10`) {
		t.Errorf("aws elbv2 describe-target-groups: %v %s\n%s", err, out, stderr)
	}
	_, stderr, err = awsCLI(t, e.url, "elbv2", "describe-target-health", "--target-group-arn", *tg+"x")
	if err == nil || !strings.Contains(stderr, "TargetGroupNotFound") {
		t.Errorf("unknown target group: err %v, stderr %s", err, stderr)
	}
}

// The CLI waiter's whole notion of success is one deployment with
// runningCount == desiredCount, so it calls a circuit-breaker rollback stable.
func TestAWSCLIWaiterCallsACircuitBreakerRollbackStable(t *testing.T) {
	t.Parallel()
	e := start(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(unit)}, 0)
	e.deployNewImage(t)
	eventually(t, "ECS rollback completes", func() bool { return !e.fake.FinalStateAt().IsZero() })
	_, stderr, err := awsCLI(t, e.url, "ecs", "wait", "services-stable", "--cluster", "demo", "--services", "web")
	if err != nil {
		t.Errorf("aws ecs wait services-stable after a failed deploy: %v\n%s", err, stderr)
	}
	if e.fake.ServiceTaskDefinition() != e.fake.TaskDefinitionArn(1) {
		t.Errorf("service is on %s, not the old revision", e.fake.ServiceTaskDefinition())
	}
}

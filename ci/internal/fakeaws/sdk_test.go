package fakeaws_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"

	"dagger/pipeline/internal/fakeaws"
)

const unit = 50 * time.Millisecond

type env struct {
	fake *fakeaws.Fake
	url  string
	ecs  *ecs.Client
	elb  *elb.Client
	ctx  context.Context
}

// start serves a fake on a loopback port and returns real SDK clients aimed at it.
// maxAttempts 0 keeps the SDK's default retryer.
func start(t *testing.T, cfg fakeaws.Config, maxAttempts int) env {
	t.Helper()
	fake := fakeaws.New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	awsCfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("x", "x", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: maxAttempts,
		// The default retryer backs off for up to 20 s; the fake's faults are
		// about which errors come back, not how long a client waits.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond })
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return env{fake: fake, url: srv.URL, ecs: ecs.NewFromConfig(awsCfg), elb: elb.NewFromConfig(awsCfg), ctx: ctx}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition under a deadline, not synchronisation
	}
}

func (e env) service(t *testing.T) ecstypes.Service {
	t.Helper()
	out, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"web"}})
	if err != nil {
		t.Fatalf("DescribeServices: %v", err)
	}
	if len(out.Services) != 1 {
		t.Fatalf("DescribeServices returned %d services, failures %+v", len(out.Services), out.Failures)
	}
	return out.Services[0]
}

func (e env) tasks(t *testing.T, status ecstypes.DesiredStatus, startedBy string) []ecstypes.Task {
	t.Helper()
	in := &ecs.ListTasksInput{Cluster: aws.String("demo"), ServiceName: aws.String("web"), DesiredStatus: status}
	if startedBy != "" {
		in.StartedBy = aws.String(startedBy)
	}
	list, err := e.ecs.ListTasks(e.ctx, in)
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	if len(list.TaskArns) == 0 {
		return nil
	}
	out, err := e.ecs.DescribeTasks(e.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("demo"), Tasks: list.TaskArns})
	if err != nil {
		t.Fatalf("DescribeTasks: %v", err)
	}
	return out.Tasks
}

func (e env) targetHealth(t *testing.T) map[string]elbtypes.TargetHealth {
	t.Helper()
	svc := e.service(t)
	out, err := e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: svc.LoadBalancers[0].TargetGroupArn})
	if err != nil {
		t.Fatalf("DescribeTargetHealth: %v", err)
	}
	m := map[string]elbtypes.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		m[aws.ToString(d.Target.Id)] = *d.TargetHealth
	}
	return m
}

// deployNewImage registers a copy of revision 1 with NewImage and updates the
// service to it, returning the new deployment's ID.
func (e env) deployNewImage(t *testing.T) (string, *ecstypes.TaskDefinition) {
	t.Helper()
	return e.deployNewImageOf(t, "web", "web")
}

// deployNewImageOf is deployNewImage of another service of the cluster, whose family is family.
func (e env) deployNewImageOf(t *testing.T, service, family string) (string, *ecstypes.TaskDefinition) {
	t.Helper()
	live, err := e.ecs.DescribeTaskDefinition(e.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(family), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatalf("DescribeTaskDefinition: %v", err)
	}
	td := live.TaskDefinition
	td.ContainerDefinitions[0].Image = aws.String(fakeaws.NewImage)
	reg, err := e.ecs.RegisterTaskDefinition(e.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, ContainerDefinitions: td.ContainerDefinitions, Cpu: td.Cpu, Memory: td.Memory,
		NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities, ExecutionRoleArn: td.ExecutionRoleArn,
		TaskRoleArn: td.TaskRoleArn, RuntimePlatform: td.RuntimePlatform, EphemeralStorage: td.EphemeralStorage, Volumes: td.Volumes,
		Tags: live.Tags,
	})
	if err != nil {
		t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	up, err := e.ecs.UpdateService(e.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String(service), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn})
	if err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	for _, d := range up.Service.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) == aws.ToString(reg.TaskDefinition.TaskDefinitionArn) {
			return aws.ToString(d.Id), reg.TaskDefinition
		}
	}
	t.Fatalf("UpdateService response has no PRIMARY deployment on %s: %+v", aws.ToString(reg.TaskDefinition.TaskDefinitionArn), up.Service.Deployments)
	return "", nil
}

func TestSteadyStateReadsBackThroughTheSDK(t *testing.T) {
	e := start(t, fakeaws.Config{}, 0)
	svc := e.service(t)
	if got := aws.ToString(svc.TaskDefinition); got != e.fake.TaskDefinitionArn(1) {
		t.Errorf("service taskDefinition = %s, want revision 1", got)
	}
	if len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].Status) != "PRIMARY" ||
		svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted || svc.RunningCount != 2 || svc.DesiredCount != 2 {
		t.Errorf("steady state = running %d/%d, deployments %+v", svc.RunningCount, svc.DesiredCount, svc.Deployments)
	}
	if !strings.HasPrefix(aws.ToString(svc.Deployments[0].Id), "ecs-svc/") || svc.Deployments[0].CreatedAt == nil ||
		time.Since(*svc.Deployments[0].CreatedAt) < 30*time.Minute {
		t.Errorf("deployment id/createdAt = %s/%v", aws.ToString(svc.Deployments[0].Id), svc.Deployments[0].CreatedAt)
	}
	if lb := svc.LoadBalancers; len(lb) != 1 || aws.ToString(lb[0].ContainerName) != "app" || aws.ToInt32(lb[0].ContainerPort) != 8080 {
		t.Errorf("loadBalancers = %+v", lb)
	}
	if len(svc.Events) == 0 || !strings.Contains(aws.ToString(svc.Events[0].Message), "steady state") {
		t.Errorf("events = %+v", svc.Events)
	}

	td, err := e.ecs.DescribeTaskDefinition(e.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:1"), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	c := td.TaskDefinition.ContainerDefinitions[0]
	if aws.ToString(c.Image) != fakeaws.InitialImage || len(c.Secrets) != 1 || c.LogConfiguration == nil || c.HealthCheck == nil ||
		td.TaskDefinition.Revision != 1 || len(td.Tags) != 1 || td.TaskDefinition.RuntimePlatform == nil {
		t.Errorf("task definition lost fields: %+v tags %+v", td.TaskDefinition, td.Tags)
	}

	tasks := e.tasks(t, ecstypes.DesiredStatusRunning, "")
	if len(tasks) != 2 {
		t.Fatalf("running tasks = %d, want 2", len(tasks))
	}
	health := e.targetHealth(t)
	for _, task := range tasks {
		ip := aws.ToString(task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address)
		var attIP string
		for _, d := range task.Attachments[0].Details {
			if aws.ToString(d.Name) == "privateIPv4Address" {
				attIP = aws.ToString(d.Value)
			}
		}
		if ip == "" || attIP != ip || aws.ToString(task.StartedBy) != aws.ToString(svc.Deployments[0].Id) || aws.ToString(task.LastStatus) != "RUNNING" {
			t.Errorf("task %s: ip %q attachment ip %q startedBy %s status %s", aws.ToString(task.TaskArn), ip, attIP, aws.ToString(task.StartedBy), aws.ToString(task.LastStatus))
		}
		if h := health[ip]; h.State != elbtypes.TargetHealthStateEnumHealthy {
			t.Errorf("target %s state = %s", ip, h.State)
		}
	}

	tgs, err := e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{aws.ToString(svc.LoadBalancers[0].TargetGroupArn)}})
	if err != nil || len(tgs.TargetGroups) != 1 || aws.ToInt32(tgs.TargetGroups[0].HealthCheckIntervalSeconds) != 10 ||
		aws.ToInt32(tgs.TargetGroups[0].HealthyThresholdCount) != 2 || tgs.TargetGroups[0].TargetType != elbtypes.TargetTypeEnumIp {
		t.Errorf("DescribeTargetGroups = %+v, %v", tgs, err)
	}
	attrs, err := e.elb.DescribeTargetGroupAttributes(e.ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: svc.LoadBalancers[0].TargetGroupArn})
	if err != nil || !slices.ContainsFunc(attrs.Attributes, func(a elbtypes.TargetGroupAttribute) bool {
		return aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" && aws.ToString(a.Value) == "30"
	}) {
		t.Errorf("DescribeTargetGroupAttributes = %+v, %v", attrs, err)
	}
}

func TestHealthyRolloutCompletesOnItsTimeline(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(unit)}, 0)
	before := time.Now()
	id, td := e.deployNewImage(t)
	if td.Revision != 2 {
		t.Fatalf("new revision = %d, want 2", td.Revision)
	}
	if in, ok := e.fake.TaskDefinitionInput(2); !ok || in["containerDefinitions"].([]any)[0].(map[string]any)["image"] != fakeaws.NewImage {
		t.Errorf("revision 2 input = %v", in)
	}
	svc := e.service(t)
	if len(svc.Deployments) != 2 || aws.ToString(svc.Deployments[0].Id) != id || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress ||
		aws.ToString(svc.Deployments[1].Status) != "ACTIVE" {
		t.Fatalf("right after UpdateService deployments = %+v", svc.Deployments)
	}
	eventually(t, "deployment COMPLETED", func() bool {
		svc = e.service(t)
		return svc.Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted
	})
	if len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].Id) != id || svc.RunningCount != 2 ||
		aws.ToString(svc.TaskDefinition) != e.fake.TaskDefinitionArn(2) {
		t.Errorf("final service = running %d, td %s, deployments %+v", svc.RunningCount, aws.ToString(svc.TaskDefinition), svc.Deployments)
	}
	h := e.targetHealth(t)
	if len(h) != 2 {
		t.Errorf("targets after completion = %+v, want only the 2 new ones", h)
	}
	final := e.fake.FinalStateAt()
	if final.Before(before.Add(4*unit)) || !e.fake.FirstEvidenceAt().IsZero() {
		t.Errorf("FinalStateAt = %v (start %v), FirstEvidenceAt = %v", final, before, e.fake.FirstEvidenceAt())
	}
	list, err := e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("web")})
	if err != nil || len(list.ServiceDeployments) != 2 || list.ServiceDeployments[0].Status != ecstypes.ServiceDeploymentStatusSuccessful {
		t.Errorf("ListServiceDeployments = %+v, %v", list, err)
	}
	if got := e.fake.UpdateServiceRequests(); len(got) != 1 {
		t.Errorf("UpdateService requests = %v", got)
	}
}

func TestStartedTasksRunAndRegisterInitial(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.HealthyRollout(unit), 2)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "new tasks RUNNING", func() bool {
		tasks := e.tasks(t, ecstypes.DesiredStatusRunning, id)
		return len(tasks) == 2 && aws.ToString(tasks[1].LastStatus) == "RUNNING"
	})
	h := e.targetHealth(t)
	for _, task := range e.tasks(t, ecstypes.DesiredStatusRunning, id) {
		th := h[aws.ToString(task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address)]
		if th.State != elbtypes.TargetHealthStateEnumInitial || th.Reason != elbtypes.TargetHealthReasonEnumRegistrationInProgress {
			t.Errorf("new target = %s (%s)", th.State, th.Reason)
		}
	}
	if svc := e.service(t); svc.Deployments[0].RunningCount != 2 || svc.RunningCount != 4 {
		t.Errorf("running counts: deployment %d, service %d", svc.Deployments[0].RunningCount, svc.RunningCount)
	}
}

func TestCrashLoopStopsTasksWithExitCode1(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(unit)}, 0)
	id, _ := e.deployNewImage(t)
	var stopped []ecstypes.Task
	eventually(t, "a stopped task", func() bool {
		stopped = e.tasks(t, ecstypes.DesiredStatusStopped, id)
		return len(stopped) > 0
	})
	task := stopped[0]
	if aws.ToString(task.StoppedReason) != "Essential container in task exited" || task.StopCode != ecstypes.TaskStopCodeEssentialContainerExited ||
		aws.ToString(task.Containers[0].Name) != "app" || aws.ToInt32(task.Containers[0].ExitCode) != 1 || task.StoppedAt == nil {
		t.Errorf("stopped task = reason %q code %s container %s exit %v", aws.ToString(task.StoppedReason), task.StopCode,
			aws.ToString(task.Containers[0].Name), task.Containers[0].ExitCode)
	}
	if e.fake.FirstEvidenceAt().IsZero() || !e.fake.FinalStateAt().IsZero() {
		t.Errorf("evidence %v final %v", e.fake.FirstEvidenceAt(), e.fake.FinalStateAt())
	}
	if svc := e.service(t); svc.Deployments[0].FailedTasks < 1 || svc.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress {
		t.Errorf("deployment = %+v", svc.Deployments[0])
	}
}

func TestUnhealthyTargetsCarryReasonCodes(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.UnhealthyTargets(unit), 3)}, 0)
	id, _ := e.deployNewImage(t)
	ip := ""
	eventually(t, "an unhealthy target of the new tasks", func() bool {
		tasks := e.tasks(t, ecstypes.DesiredStatusRunning, id)
		if len(tasks) == 0 {
			return false
		}
		ip = aws.ToString(tasks[0].Containers[0].NetworkInterfaces[0].PrivateIpv4Address)
		return e.targetHealth(t)[ip].State == elbtypes.TargetHealthStateEnumUnhealthy
	})
	h := e.targetHealth(t)[ip]
	if h.Reason != elbtypes.TargetHealthReasonEnumResponseCodeMismatch || aws.ToString(h.Description) != fakeaws.DescResponseCodeMismatch {
		t.Errorf("unhealthy reason = %s (%s)", h.Reason, aws.ToString(h.Description))
	}
	// Asking for one target by id and port answers for that target; an unknown one is unused.
	svc := e.service(t)
	out, err := e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: svc.LoadBalancers[0].TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String(ip), Port: aws.Int32(8080)}, {Id: aws.String("10.9.9.9"), Port: aws.Int32(8080)}}})
	if err != nil || len(out.TargetHealthDescriptions) != 2 || out.TargetHealthDescriptions[1].TargetHealth.State != elbtypes.TargetHealthStateEnumUnused ||
		out.TargetHealthDescriptions[1].TargetHealth.Reason != elbtypes.TargetHealthReasonEnumNotRegistered {
		t.Errorf("DescribeTargetHealth(targets) = %+v, %v", out, err)
	}
}

func TestCircuitBreakerRollbackInProgress(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.CircuitBreakerRollback(unit), 3)}, 0)
	id, _ := e.deployNewImage(t)
	var svc ecstypes.Service
	eventually(t, "circuit breaker FAILED", func() bool {
		svc = e.service(t)
		return slices.ContainsFunc(svc.Deployments, func(d ecstypes.Deployment) bool {
			return aws.ToString(d.Id) == id && d.RolloutState == ecstypes.DeploymentRolloutStateFailed
		})
	})
	primary := svc.Deployments[0]
	if aws.ToString(primary.Status) != "PRIMARY" || aws.ToString(primary.Id) == id || aws.ToString(primary.TaskDefinition) != e.fake.TaskDefinitionArn(1) ||
		!strings.Contains(aws.ToString(svc.Deployments[1].RolloutStateReason), "circuit breaker") {
		t.Fatalf("after the breaker: %+v", svc.Deployments)
	}
	if sd := e.latestServiceDeployment(t); sd.Status != ecstypes.ServiceDeploymentStatusRollbackInProgress || sd.Rollback == nil ||
		aws.ToString(sd.Rollback.Reason) == "" || sd.Rollback.StartedAt == nil || sd.DeploymentCircuitBreaker.Status != ecstypes.ServiceDeploymentRollbackMonitorsStatusTriggered {
		t.Errorf("service deployment = %+v", sd)
	}
	if !e.fake.FinalStateAt().IsZero() {
		t.Errorf("final state reached while the rollback is in progress")
	}
}

func (e env) latestServiceDeployment(t *testing.T) ecstypes.ServiceDeployment {
	t.Helper()
	list, err := e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.ecs.DescribeServiceDeployments(e.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{aws.ToString(list.ServiceDeployments[0].ServiceDeploymentArn)}})
	if err != nil || len(out.ServiceDeployments) != 1 {
		t.Fatalf("DescribeServiceDeployments = %+v, %v", out, err)
	}
	return out.ServiceDeployments[0]
}

func TestCircuitBreakerRollbackReturnsToRevision1(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(unit)}, 0)
	e.deployNewImage(t)
	eventually(t, "ROLLBACK_SUCCESSFUL", func() bool {
		return e.latestServiceDeployment(t).Status == ecstypes.ServiceDeploymentStatusRollbackSuccessful
	})
	if got := e.fake.ServiceTaskDefinition(); got != e.fake.TaskDefinitionArn(1) {
		t.Errorf("service ends on %s, want revision 1", got)
	}
	if svc := e.service(t); len(svc.Deployments) != 1 || svc.RunningCount != 2 {
		t.Errorf("after rollback: running %d deployments %+v", svc.RunningCount, svc.Deployments)
	}
	if ev, fin := e.fake.FirstEvidenceAt(), e.fake.FinalStateAt(); ev.IsZero() || !fin.After(ev) {
		t.Errorf("evidence %v final %v", ev, fin)
	}
}

func TestCircuitBreakerWithoutRollbackLeavesFailedDeployment(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerFailed(unit)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "FAILED deployment", func() bool {
		return e.service(t).Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateFailed
	})
	svc := e.service(t)
	if aws.ToString(svc.Deployments[0].Id) != id || aws.ToString(svc.TaskDefinition) != e.fake.TaskDefinitionArn(2) || len(svc.Deployments) != 2 {
		t.Errorf("deployments = %+v", svc.Deployments)
	}
	stopped := e.tasks(t, ecstypes.DesiredStatusStopped, id)
	if len(stopped) != 2 || !strings.HasPrefix(aws.ToString(stopped[0].StoppedReason), "CannotPullContainerError") {
		t.Errorf("stopped tasks = %+v", stopped)
	}
	list, err := e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("web"),
		Status: []ecstypes.ServiceDeploymentStatus{ecstypes.ServiceDeploymentStatusStopped}})
	if err != nil || len(list.ServiceDeployments) != 1 || !strings.Contains(aws.ToString(list.ServiceDeployments[0].StatusReason), "circuit breaker") {
		t.Errorf("ListServiceDeployments(FAILED) = %+v, %v", list, err)
	}
}

func TestRollbackUpdateRunsTheRecoveryTimeline(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.CrashLoop(unit)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "a stopped task", func() bool { return len(e.tasks(t, ecstypes.DesiredStatusStopped, id)) > 0 })
	up, err := e.ecs.UpdateService(e.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String("web:1")})
	if err != nil {
		t.Fatal(err)
	}
	back := aws.ToString(up.Service.Deployments[0].Id)
	eventually(t, "rollback deployment COMPLETED", func() bool {
		d := e.service(t).Deployments
		return len(d) == 1 && aws.ToString(d[0].Id) == back && d[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted
	})
	if got := e.fake.UpdateServiceRequests(); len(got) != 2 || got[1] != "web:1" {
		t.Errorf("UpdateService requests = %v", got)
	}
	if running := e.tasks(t, ecstypes.DesiredStatusRunning, ""); len(running) != 2 || aws.ToString(running[0].TaskDefinitionArn) != e.fake.TaskDefinitionArn(1) {
		t.Errorf("running after rollback = %d tasks", len(running))
	}
}

func TestOverlappingDeploymentReplacesOurs(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: frozenAfter(fakeaws.OverlappingDeployment(unit), 3)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "another PRIMARY deployment", func() bool {
		return aws.ToString(e.service(t).Deployments[0].Id) != id
	})
	svc := e.service(t)
	if aws.ToString(svc.TaskDefinition) != e.fake.TaskDefinitionArn(3) || aws.ToString(svc.Deployments[1].Id) != id || aws.ToString(svc.Deployments[1].Status) != "ACTIVE" {
		t.Errorf("deployments = %+v", svc.Deployments)
	}
}

func TestOverlappingDeploymentCompletesOnTheOtherRevision(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.OverlappingDeployment(unit)}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "foreign deployment completes", func() bool { return !e.fake.FinalStateAt().IsZero() })
	if got := e.fake.ServiceTaskDefinition(); got != e.fake.TaskDefinitionArn(3) {
		t.Errorf("service ends on %s", got)
	}
	for _, d := range e.fake.Deployments() {
		if d.ID == id && d.Status != "INACTIVE" {
			t.Errorf("our deployment = %+v, want INACTIVE", d)
		}
	}
}

func TestInjectedFaultsSpeakEachProtocol(t *testing.T) {
	scenario := fakeaws.Scenario{Name: "faults", Steps: []fakeaws.Step{
		{At: 0, Do: fakeaws.Throttle(2)},
		{At: 0, Do: fakeaws.Fail5xx(2)},
	}}
	e := start(t, fakeaws.Config{Scenario: scenario}, 1) // one attempt: see the raw errors
	e.deployNewImage(t)
	var apiErr smithy.APIError
	_, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"web"}})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ThrottlingException" {
		t.Errorf("ECS throttle = %v", err)
	}
	tg := e.fake.Config().Service + "-tg"
	_, err = e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{Names: []string{tg}})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "Throttling" {
		t.Errorf("ELBv2 throttle = %v", err)
	}
	_, err = e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"web"}})
	var se *ecstypes.ServerException
	if !errors.As(err, &se) {
		t.Errorf("ECS 500 = %v", err)
	}
	_, err = e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{Names: []string{tg}})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalFailure" {
		t.Errorf("ELBv2 500 = %v", err)
	}
	if _, err = e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{Names: []string{tg}}); err != nil {
		t.Errorf("after the faults: %v", err)
	}
	statuses := map[int]int{}
	for _, c := range e.fake.Calls() {
		statuses[c.Status]++
	}
	if statuses[400] != 2 || statuses[500] != 2 {
		t.Errorf("recorded statuses = %v", statuses)
	}
}

func TestDefaultRetryerRidesOutAShortBurst(t *testing.T) {
	scenario := fakeaws.Scenario{Name: "burst", Steps: []fakeaws.Step{{At: 0, Do: fakeaws.Throttle(1)}, {At: 0, Do: fakeaws.Fail5xx(1)}}}
	e := start(t, fakeaws.Config{Scenario: scenario}, 0)
	e.deployNewImage(t)
	if _, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"web"}}); err != nil {
		t.Errorf("DescribeServices through 1 throttle + 1 5xx: %v", err)
	}
	if n := e.fake.CallCount("DescribeServices"); n != 3 {
		t.Errorf("DescribeServices attempts = %d, want 3", n)
	}
}

func TestErrorsAreTheModeledOnes(t *testing.T) {
	e := start(t, fakeaws.Config{NoServiceDeployments: true}, 1)
	_, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{"web"}})
	var cnf *ecstypes.ClusterNotFoundException
	if !errors.As(err, &cnf) {
		t.Errorf("unknown cluster: %v", err)
	}
	out, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"api"}})
	if err != nil || len(out.Services) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" ||
		!strings.HasSuffix(aws.ToString(out.Failures[0].Arn), "service/demo/api") {
		t.Errorf("unknown service = %+v, %v", out, err)
	}
	_, err = e.ecs.DescribeTaskDefinition(e.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:9")})
	var ce *ecstypes.ClientException
	if !errors.As(err, &ce) {
		t.Errorf("unknown revision: %v", err)
	}
	_, err = e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1")})
	var tnf *elbtypes.TargetGroupNotFoundException
	if !errors.As(err, &tnf) {
		t.Errorf("unknown target group: %v", err)
	}
	_, err = e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("web")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("ListServiceDeployments without support: %v", err)
	}
	_, err = e.ecs.RegisterTaskDefinition(e.ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app")}}})
	if !errors.As(err, &ce) || !strings.Contains(ce.ErrorMessage(), "image") {
		t.Errorf("container without image: %v", err)
	}
}

func TestTaskDefinitionRevisionsListAndDeregister(t *testing.T) {
	e := start(t, fakeaws.Config{}, 0)
	e.deployNewImage(t)
	list, err := e.ecs.ListTaskDefinitions(e.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), Sort: ecstypes.SortOrderDesc})
	if err != nil || len(list.TaskDefinitionArns) != 2 || list.TaskDefinitionArns[0] != e.fake.TaskDefinitionArn(2) {
		t.Fatalf("ListTaskDefinitions = %+v, %v", list, err)
	}
	out, err := e.ecs.DeregisterTaskDefinition(e.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(e.fake.TaskDefinitionArn(2))})
	if err != nil || out.TaskDefinition.Status != ecstypes.TaskDefinitionStatusInactive || e.fake.TaskDefinitionStatus(2) != "INACTIVE" {
		t.Fatalf("DeregisterTaskDefinition = %+v, %v", out, err)
	}
	list, err = e.ecs.ListTaskDefinitions(e.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web")})
	if err != nil || len(list.TaskDefinitionArns) != 1 {
		t.Errorf("ACTIVE after deregister = %+v, %v", list, err)
	}
	_, err = e.ecs.UpdateService(e.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String("web:2")})
	var ce *ecstypes.ClientException
	if !errors.As(err, &ce) {
		t.Errorf("UpdateService to an INACTIVE revision: %v", err)
	}
}

// Steps play in time order whatever order a scenario lists them in (ThrottlingBurst and
// Transient5xx list their faults first): a step due in an hour holds back none due sooner.
func TestStepsPlayInTimeOrder(t *testing.T) {
	sc := fakeaws.Scenario{Name: "OutOfOrder", Unit: unit, Steps: []fakeaws.Step{
		{At: time.Hour, Do: fakeaws.Throttle(1)},
		{At: unit, Do: fakeaws.StartTasks(0)},
	}}
	e := start(t, fakeaws.Config{Scenario: sc}, 0)
	id, _ := e.deployNewImage(t)
	eventually(t, "the tasks started at 1 unit", func() bool {
		return len(e.tasks(t, ecstypes.DesiredStatusRunning, id)) == 2
	})
}

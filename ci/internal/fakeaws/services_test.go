package fakeaws_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"dagger/pipeline/internal/fakeaws"
)

// webAndWorker is a cluster of web (behind the load balancer) and worker (without one), each
// playing its scenario.
func webAndWorker(web, worker fakeaws.Scenario) fakeaws.Config {
	return fakeaws.Config{Scenario: web, MoreServices: []fakeaws.ServiceConfig{
		{Service: "worker", NoLoadBalancer: true, Scenario: worker},
	}}
}

// services describes the named services in one request.
func (e env) services(t *testing.T, names ...string) *ecs.DescribeServicesOutput {
	t.Helper()
	out, err := e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: names})
	if err != nil {
		t.Fatalf("DescribeServices(%v): %v", names, err)
	}
	return out
}

// serviceNamed describes one service, which must exist.
func (e env) serviceNamed(t *testing.T, name string) ecstypes.Service {
	t.Helper()
	out := e.services(t, name)
	if len(out.Services) != 1 {
		t.Fatalf("DescribeServices(%s) returned %d services, failures %+v", name, len(out.Services), out.Failures)
	}
	return out.Services[0]
}

// taskArns lists the tasks ListTasks answers for in, all pages.
func (e env) taskArns(t *testing.T, in ecs.ListTasksInput) []string {
	t.Helper()
	in.Cluster = aws.String("demo")
	var arns []string
	p := ecs.NewListTasksPaginator(e.ecs, &in)
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		if err != nil {
			t.Fatalf("ListTasks: %v", err)
		}
		arns = append(arns, page.TaskArns...)
	}
	return arns
}

func (e env) describeTasks(t *testing.T, arns []string) []ecstypes.Task {
	t.Helper()
	if len(arns) == 0 {
		return nil
	}
	out, err := e.ecs.DescribeTasks(e.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("demo"), Tasks: arns})
	if err != nil || len(out.Failures) > 0 {
		t.Fatalf("DescribeTasks = failures %+v, %v", out, err)
	}
	return out.Tasks
}

func TestOneDescribeServicesAnswersForEveryServiceOfTheCluster(t *testing.T) {
	e := start(t, webAndWorker(fakeaws.Scenario{}, fakeaws.Scenario{}), 0)
	out := e.services(t, "worker", "api", e.fake.Config().Service)
	if len(out.Services) != 2 || aws.ToString(out.Services[0].ServiceName) != "worker" || aws.ToString(out.Services[1].ServiceName) != "web" {
		t.Fatalf("services = %+v, want worker and web, in the order asked", out.Services)
	}
	if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" || !strings.HasSuffix(aws.ToString(out.Failures[0].Arn), "service/demo/api") {
		t.Errorf("failures = %+v, want api MISSING", out.Failures)
	}
	if n := e.fake.CallCount("DescribeServices"); n != 1 {
		t.Errorf("DescribeServices calls = %d, want 1", n)
	}
	if calls := e.fake.Calls(); len(calls) != 1 || !slices.Equal(calls[0].Services, []string{"worker", "api", "web"}) {
		t.Errorf("calls = %+v, want the DescribeServices naming worker, api and web", calls)
	}
	worker, web := out.Services[0], out.Services[1]
	if got := aws.ToString(worker.TaskDefinition); got != e.fake.TaskDefinitionArnOf("worker", 1) || !strings.Contains(got, "task-definition/worker:1") {
		t.Errorf("worker taskDefinition = %s", got)
	}
	if len(worker.LoadBalancers) != 0 {
		t.Errorf("worker loadBalancers = %+v, want none", worker.LoadBalancers)
	}
	if len(web.LoadBalancers) != 1 || aws.ToString(web.LoadBalancers[0].ContainerName) != "app" {
		t.Errorf("web loadBalancers = %+v", web.LoadBalancers)
	}
	if worker.RunningCount != 2 || worker.DesiredCount != 2 || len(worker.Deployments) != 1 ||
		worker.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateCompleted {
		t.Errorf("worker = running %d/%d, deployments %+v", worker.RunningCount, worker.DesiredCount, worker.Deployments)
	}
	if len(worker.Events) == 0 || !strings.Contains(aws.ToString(worker.Events[0].Message), "(service worker) has reached a steady state") {
		t.Errorf("worker events = %+v", worker.Events)
	}
	if worker.Deployments[0].Id == nil || aws.ToString(worker.Deployments[0].Id) == aws.ToString(web.Deployments[0].Id) {
		t.Errorf("worker and web share deployment %s", aws.ToString(worker.Deployments[0].Id))
	}

	td, err := e.ecs.DescribeTaskDefinition(e.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("worker")})
	if err != nil {
		t.Fatal(err)
	}
	c := td.TaskDefinition.ContainerDefinitions[0]
	if aws.ToString(td.TaskDefinition.Family) != "worker" || aws.ToString(c.Name) != "worker" || aws.ToString(c.Image) != fakeaws.InitialImage ||
		c.LogConfiguration == nil || c.LogConfiguration.Options["awslogs-group"] != "/ecs/worker" {
		t.Errorf("worker's revision 1 = %+v", td.TaskDefinition)
	}
	list, err := e.ecs.ListTaskDefinitions(e.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("worker")})
	if err != nil || len(list.TaskDefinitionArns) != 1 || list.TaskDefinitionArns[0] != e.fake.TaskDefinitionArnOf("worker", 1) {
		t.Errorf("ListTaskDefinitions(worker) = %+v, %v", list, err)
	}

	// The load balancer knows web's target group only, and none of the worker's tasks.
	tgs, err := e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil || len(tgs.TargetGroups) != 1 || aws.ToString(tgs.TargetGroups[0].TargetGroupArn) != aws.ToString(web.LoadBalancers[0].TargetGroupArn) {
		t.Errorf("DescribeTargetGroups = %+v, %v", tgs, err)
	}
	health := e.targetHealth(t)
	for _, task := range e.describeTasks(t, e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("worker")})) {
		ip := aws.ToString(task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address)
		if _, ok := health[ip]; ok || ip == "" {
			t.Errorf("worker task %s (ip %q) is a target of web's group", aws.ToString(task.TaskArn), ip)
		}
	}

	var ipe *ecstypes.InvalidParameterException
	_, err = e.ecs.DescribeServices(e.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("demo"),
		Services: []string{"web", "worker", "a", "b", "c", "d", "e", "f", "g", "h", "i"}})
	if !errors.As(err, &ipe) {
		t.Errorf("DescribeServices of 11 services: %v, want InvalidParameterException as ECS answers", err)
	}
}

func TestListTasksFiltersByService(t *testing.T) {
	e := start(t, fakeaws.Config{MoreServices: []fakeaws.ServiceConfig{{Service: "worker", NoLoadBalancer: true, DesiredCount: 3}}}, 0)
	web := e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("web")})
	worker := e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("worker")})
	all := e.taskArns(t, ecs.ListTasksInput{})
	if len(web) != 2 || len(worker) != 3 || len(all) != 5 {
		t.Fatalf("tasks: web %d, worker %d, all %d; want 2, 3, 5", len(web), len(worker), len(all))
	}
	for _, task := range e.describeTasks(t, worker) {
		if aws.ToString(task.Group) != "service:worker" || !strings.Contains(aws.ToString(task.TaskDefinitionArn), "task-definition/worker:1") ||
			aws.ToString(task.Containers[0].Name) != "worker" || slices.Contains(web, aws.ToString(task.TaskArn)) {
			t.Errorf("worker task = group %s, td %s, container %s", aws.ToString(task.Group), aws.ToString(task.TaskDefinitionArn), aws.ToString(task.Containers[0].Name))
		}
	}
	workerDeployment := aws.ToString(e.serviceNamed(t, "worker").Deployments[0].Id)
	if got := e.taskArns(t, ecs.ListTasksInput{StartedBy: aws.String(workerDeployment)}); !slices.Equal(got, worker) {
		t.Errorf("ListTasks(startedBy worker's deployment) = %v, want worker's tasks %v", got, worker)
	}
	if got := e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("web"), StartedBy: aws.String(workerDeployment)}); len(got) != 0 {
		t.Errorf("ListTasks(web, startedBy worker's deployment) = %v, want none", got)
	}
	if got := e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("worker"), DesiredStatus: ecstypes.DesiredStatusStopped}); len(got) != 0 {
		t.Errorf("worker's STOPPED tasks = %v, want none", got)
	}
	_, err := e.ecs.ListTasks(e.ctx, &ecs.ListTasksInput{Cluster: aws.String("demo"), ServiceName: aws.String("api")})
	var snf *ecstypes.ServiceNotFoundException
	if !errors.As(err, &snf) {
		t.Errorf("ListTasks of an unknown service: %v", err)
	}
	if ids := e.fake.TaskIDsOf("worker"); len(ids) != 3 || len(e.fake.TaskIDs()) != 2 {
		t.Errorf("TaskIDsOf(worker) = %v, TaskIDs() = %v", ids, e.fake.TaskIDs())
	}
}

// web rolls out well while worker, updated in the same deploy, crash-loops on its own timeline;
// the rollback of worker plays worker's recovery, and leaves web alone.
func TestEachServicePlaysItsOwnScenario(t *testing.T) {
	e := start(t, webAndWorker(fakeaws.HealthyRollout(unit), fakeaws.CrashLoop(unit)), 0)
	webID, _ := e.deployNewImage(t)
	select {
	case <-e.fake.DeploymentStartedOf("worker"):
		t.Fatal("web's UpdateService started worker's timeline")
	default:
	}
	if !e.fake.DeploymentStartedAtOf("worker").IsZero() || len(e.fake.DeploymentsOf("worker")) != 1 {
		t.Fatalf("worker has a deployment before its UpdateService: %+v", e.fake.DeploymentsOf("worker"))
	}
	workerID, td := e.deployNewImageOf(t, "worker", "worker")
	if aws.ToString(td.TaskDefinitionArn) != e.fake.TaskDefinitionArnOf("worker", 2) {
		t.Fatalf("worker's new revision = %s", aws.ToString(td.TaskDefinitionArn))
	}
	<-e.fake.DeploymentStartedOf("worker")

	var stopped []ecstypes.Task
	eventually(t, "a crashed worker task", func() bool {
		stopped = e.describeTasks(t, e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("worker"), DesiredStatus: ecstypes.DesiredStatusStopped, StartedBy: aws.String(workerID)}))
		return len(stopped) > 0
	})
	if c := stopped[0].Containers[0]; aws.ToString(c.Name) != "worker" || aws.ToInt32(c.ExitCode) != 1 || stopped[0].StopCode != ecstypes.TaskStopCodeEssentialContainerExited {
		t.Errorf("crashed worker task: container %s exit %v stopCode %s", aws.ToString(c.Name), c.ExitCode, stopped[0].StopCode)
	}
	eventually(t, "web COMPLETED", func() bool { return !e.fake.FinalStateAt().IsZero() })

	out := e.services(t, "web", "worker")
	if len(out.Services) != 2 {
		t.Fatalf("services = %+v", out)
	}
	web, worker := out.Services[0], out.Services[1]
	if len(web.Deployments) != 1 || aws.ToString(web.Deployments[0].Id) != webID || aws.ToString(web.TaskDefinition) != e.fake.TaskDefinitionArn(2) {
		t.Errorf("web deployments = %+v", web.Deployments)
	}
	if d := worker.Deployments[0]; aws.ToString(d.Id) != workerID || d.RolloutState != ecstypes.DeploymentRolloutStateInProgress || d.FailedTasks < 1 {
		t.Errorf("worker deployment = %+v", d)
	}
	if !slices.ContainsFunc(worker.Events, func(ev ecstypes.ServiceEvent) bool {
		return strings.HasPrefix(aws.ToString(ev.Message), "(service worker) has stopped")
	}) || slices.ContainsFunc(web.Events, func(ev ecstypes.ServiceEvent) bool {
		return strings.Contains(aws.ToString(ev.Message), "worker")
	}) {
		t.Errorf("events: worker %+v, web %+v", worker.Events, web.Events)
	}
	if !e.fake.FirstEvidenceAt().IsZero() || e.fake.FirstEvidenceAtOf("worker").IsZero() || !e.fake.FinalStateAtOf("worker").IsZero() {
		t.Errorf("evidence web %v worker %v, worker final %v", e.fake.FirstEvidenceAt(), e.fake.FirstEvidenceAtOf("worker"), e.fake.FinalStateAtOf("worker"))
	}
	if h := e.targetHealth(t); len(h) != 2 {
		t.Errorf("web's targets = %+v, want its 2 new tasks only", h)
	}

	// The engine rolls worker back: its Recovery (HealthySteps) runs, on worker's revision 1.
	up, err := e.ecs.UpdateService(e.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("worker"), TaskDefinition: aws.String("worker:1")})
	if err != nil {
		t.Fatal(err)
	}
	back := aws.ToString(up.Service.Deployments[0].Id)
	eventually(t, "worker's rollback COMPLETED", func() bool { return !e.fake.FinalStateAtOf("worker").IsZero() })
	worker = e.serviceNamed(t, "worker")
	if len(worker.Deployments) != 1 || aws.ToString(worker.Deployments[0].Id) != back ||
		aws.ToString(worker.TaskDefinition) != e.fake.TaskDefinitionArnOf("worker", 1) || worker.RunningCount != 2 {
		t.Errorf("worker after rollback = td %s running %d deployments %+v", aws.ToString(worker.TaskDefinition), worker.RunningCount, worker.Deployments)
	}
	if got := e.fake.ServiceTaskDefinitionOf("worker"); got != e.fake.TaskDefinitionArnOf("worker", 1) {
		t.Errorf("ServiceTaskDefinitionOf(worker) = %s", got)
	}
	if got := e.fake.UpdateServiceRequestsOf("worker"); len(got) != 2 || got[0] != e.fake.TaskDefinitionArnOf("worker", 2) || got[1] != "worker:1" {
		t.Errorf("UpdateServiceRequestsOf(worker) = %v", got)
	}
	if got := e.fake.UpdateServiceRequests(); len(got) != 1 || got[0] != e.fake.TaskDefinitionArn(2) {
		t.Errorf("UpdateServiceRequests() (web) = %v", got)
	}
	if got := e.fake.ServiceTaskDefinition(); got != e.fake.TaskDefinitionArn(2) {
		t.Errorf("web moved to %s with worker's rollback", got)
	}
	if in, ok := e.fake.TaskDefinitionInputOf("worker", 2); !ok || e.fake.TaskDefinitionStatusOf("worker", 2) != "ACTIVE" ||
		in["containerDefinitions"].([]any)[0].(map[string]any)["image"] != fakeaws.NewImage {
		t.Errorf("worker's revision 2 = %v", in)
	}
	var updates []string
	for _, c := range e.fake.Calls() {
		if c.Op == "UpdateService" {
			updates = append(updates, strings.Join(c.Services, ","))
		}
	}
	if !slices.Equal(updates, []string{"web", "worker", "worker"}) {
		t.Errorf("UpdateService calls named %q", updates)
	}

	list, err := e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("worker")})
	if err != nil || len(list.ServiceDeployments) != 3 || list.ServiceDeployments[0].Status != ecstypes.ServiceDeploymentStatusSuccessful ||
		list.ServiceDeployments[1].Status != ecstypes.ServiceDeploymentStatusStopped {
		t.Fatalf("ListServiceDeployments(worker) = %+v, %v", list, err)
	}
	desc, err := e.ecs.DescribeServiceDeployments(e.ctx, &ecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{
		aws.ToString(list.ServiceDeployments[0].ServiceDeploymentArn), aws.ToString(e.latestServiceDeployment(t).ServiceDeploymentArn)}})
	if err != nil || len(desc.ServiceDeployments) != 2 || aws.ToString(desc.ServiceDeployments[0].ServiceArn) != aws.ToString(worker.ServiceArn) ||
		aws.ToString(desc.ServiceDeployments[1].ServiceArn) != aws.ToString(web.ServiceArn) {
		t.Errorf("DescribeServiceDeployments(worker's, web's) = %+v, %v", desc, err)
	}
	if webList, err := e.ecs.ListServiceDeployments(e.ctx, &ecs.ListServiceDeploymentsInput{Cluster: aws.String("demo"), Service: aws.String("web")}); err != nil || len(webList.ServiceDeployments) != 2 {
		t.Errorf("ListServiceDeployments(web) = %+v, %v", webList, err)
	}

	// Then web, which had rolled out well: a later UpdateService of it plays its own Recovery.
	up, err = e.ecs.UpdateService(e.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("demo"), Service: aws.String("web"), TaskDefinition: aws.String("web:1")})
	if err != nil {
		t.Fatal(err)
	}
	webBack := aws.ToString(up.Service.Deployments[0].Id)
	eventually(t, "web's rollback COMPLETED", func() bool {
		d := e.serviceNamed(t, "web").Deployments
		return len(d) == 1 && aws.ToString(d[0].Id) == webBack && d[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted
	})
	if got := e.fake.ServiceTaskDefinition(); got != e.fake.TaskDefinitionArn(1) {
		t.Errorf("web after its rollback = %s", got)
	}
	if d := e.fake.DeploymentsOf("worker"); len(d) != 3 || d[2].ID != back || d[2].RolloutState != "COMPLETED" {
		t.Errorf("worker's deployments after web's rollback = %+v", d)
	}
}

// A further service with a load balancer has a target group of its own, whose targets are its
// tasks, named after its container.
func TestAFurtherServiceWithALoadBalancerHasItsOwnTargetGroup(t *testing.T) {
	e := start(t, fakeaws.Config{MoreServices: []fakeaws.ServiceConfig{{Service: "api", Container: "server", Scenario: frozenAfter(fakeaws.UnhealthyTargets(unit), 3)}}}, 0)
	api := e.serviceNamed(t, "api")
	if len(api.LoadBalancers) != 1 || aws.ToString(api.LoadBalancers[0].ContainerName) != "server" ||
		!strings.Contains(aws.ToString(api.LoadBalancers[0].TargetGroupArn), "targetgroup/api-tg/") {
		t.Fatalf("api loadBalancers = %+v", api.LoadBalancers)
	}
	id, _ := e.deployNewImageOf(t, "api", "api")
	tg := api.LoadBalancers[0].TargetGroupArn
	eventually(t, "api's targets unhealthy", func() bool { return !e.fake.FirstEvidenceAtOf("api").IsZero() })
	tasks := e.describeTasks(t, e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String("api"), StartedBy: aws.String(id)}))
	out, err := e.elb.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg})
	if err != nil {
		t.Fatal(err)
	}
	unhealthy := 0
	for _, d := range out.TargetHealthDescriptions {
		for _, task := range tasks {
			if aws.ToString(task.Containers[0].NetworkInterfaces[0].PrivateIpv4Address) == aws.ToString(d.Target.Id) && d.TargetHealth.State == "unhealthy" {
				unhealthy++
			}
		}
	}
	if unhealthy != 2 || len(tasks) != 2 {
		t.Errorf("api's new tasks %d, unhealthy targets of theirs %d; health %+v", len(tasks), unhealthy, out.TargetHealthDescriptions)
	}
	for ip, h := range e.targetHealth(t) {
		if h.State != "healthy" {
			t.Errorf("web's target %s = %s: api's scenario reached web", ip, h.State)
		}
	}
}

// The main service can be a worker too: no target group, and its rollout completes.
func TestMainServiceWithoutLoadBalancer(t *testing.T) {
	e := start(t, fakeaws.Config{NoLoadBalancer: true, Scenario: fakeaws.SlowDrain(unit)}, 0)
	if n := e.fake.Config().TargetGroups; n != 0 {
		t.Errorf("Config().TargetGroups = %d, want 0", n)
	}
	if lb := e.service(t).LoadBalancers; len(lb) != 0 {
		t.Errorf("loadBalancers = %+v", lb)
	}
	if tgs, err := e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{}); err != nil || len(tgs.TargetGroups) != 0 {
		t.Errorf("DescribeTargetGroups = %+v, %v", tgs, err)
	}
	e.deployNewImage(t)
	eventually(t, "rollout COMPLETED", func() bool { return !e.fake.FinalStateAt().IsZero() })
	if svc := e.service(t); svc.RunningCount != 2 || aws.ToString(svc.TaskDefinition) != e.fake.TaskDefinitionArn(2) {
		t.Errorf("after the rollout: running %d on %s", svc.RunningCount, aws.ToString(svc.TaskDefinition))
	}
}

func TestServiceNamesMustBeUnique(t *testing.T) {
	for _, more := range [][]fakeaws.ServiceConfig{{{Service: "web"}}, {{Service: "worker"}, {Service: "worker"}}, {{}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted MoreServices %+v", more)
				}
			}()
			fakeaws.New(fakeaws.Config{MoreServices: more})
		}()
	}
	f := fakeaws.New(fakeaws.Config{MoreServices: []fakeaws.ServiceConfig{{Service: "worker"}}})
	if got := f.ServiceNames(); !slices.Equal(got, []string{"web", "worker"}) {
		t.Errorf("ServiceNames() = %v", got)
	}
	if sc := f.Config().MoreServices[0]; sc.Family != "worker" || sc.Container != "worker" || sc.DesiredCount != 2 || sc.Scenario.Unit != f.Config().Scenario.Unit {
		t.Errorf("defaults of MoreServices[0] = %+v", sc)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"wroker"`) {
			t.Errorf("UpdateServiceRequestsOf an unknown service: panic %v, want one naming it", r)
		}
	}()
	f.UpdateServiceRequestsOf("wroker")
}

// UnhealthyTargets' tasks stop for failing the health checks of their own service's target group.
func TestTasksFailTheHealthChecksOfTheirOwnTargetGroup(t *testing.T) {
	e := start(t, fakeaws.Config{Scenario: fakeaws.UnhealthyTargets(unit),
		MoreServices: []fakeaws.ServiceConfig{{Service: "api", Scenario: fakeaws.UnhealthyTargets(unit)}}}, 0)
	for _, svc := range []string{"web", "api"} {
		id, _ := e.deployNewImageOf(t, svc, svc)
		tg := aws.ToString(e.serviceNamed(t, svc).LoadBalancers[0].TargetGroupArn)
		var stopped []ecstypes.Task
		eventually(t, svc+"'s tasks stopped", func() bool {
			stopped = e.describeTasks(t, e.taskArns(t, ecs.ListTasksInput{ServiceName: aws.String(svc), StartedBy: aws.String(id), DesiredStatus: ecstypes.DesiredStatusStopped}))
			return len(stopped) == 2
		})
		if want := "Task failed ELB health checks in (target-group " + tg + ")"; aws.ToString(stopped[0].StoppedReason) != want ||
			!strings.Contains(tg, "/"+svc+"-tg/") || aws.ToInt32(stopped[0].Containers[0].ExitCode) != 143 {
			t.Errorf("%s's task stopped: %q exit %v, want %q", svc, aws.ToString(stopped[0].StoppedReason), stopped[0].Containers[0].ExitCode, want)
		}
	}
}

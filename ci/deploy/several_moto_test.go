package deploy_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// addWorker adds to the moto environment a queue worker: its own family and container, the same
// image, no load balancer.
func addWorker(t *testing.T, e motoEnv) string {
	t.Helper()
	ctx := testContext(t)
	reg, err := e.clients.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("worker"), NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("worker"), Image: aws.String(liveImage), Essential: aws.Bool(true),
			Command: []string{"/app/service", "work"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.clients.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String("worker"), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: types.LaunchTypeFargate,
	}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
}

func taskDefinitionOf(t *testing.T, e motoEnv, name string) string {
	t.Helper()
	out, err := e.clients.ECS.DescribeServices(testContext(t), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("DescribeServices %s: %v", name, err)
	}
	return aws.ToString(out.Services[0].TaskDefinition)
}

func familyRevisions(t *testing.T, e motoEnv, family string) int {
	t.Helper()
	out, err := e.clients.ECS.ListTaskDefinitions(testContext(t), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family)})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.TaskDefinitionArns)
}

// Moto runs no rollout, so these stop after UpdateService (NoWait): what they show is that every
// service gets its own revision with the image in its own container, that the plan, the
// rollback and bad input cover all of them; the watch and the all-or-nothing rollback are shown
// against the scenario fake.
func TestMotoSeveralServices(t *testing.T) {
	srv := moto.Start(t)
	withWorker := func(t *testing.T) (motoEnv, deploy.Options, string) {
		e := setUp(t, srv)
		workerLive := addWorker(t, e)
		opts := e.options()
		opts.More = []deploy.Member{{Service: "worker", Container: "worker"}}
		return e, opts, workerLive
	}

	t.Run("deploy gives each service its revision, plan and rollback cover both", func(t *testing.T) {
		e, opts, workerLive := withWorker(t)

		previews, err := deploy.PreviewServices(testContext(t), e.clients, opts)
		if err != nil {
			t.Fatal(err)
		}
		var plan bytes.Buffer
		for _, p := range previews {
			if err := p.Render(&plan); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []string{"service app in cluster prod runs app:1", "service worker in cluster prod runs worker:1",
			"~ service.taskDefinition: worker:1 -> worker:(next)"} {
			if !strings.Contains(plan.String(), want) {
				t.Errorf("plan lacks %q:\n%s", want, plan.String())
			}
		}

		res, err := deploy.Deploy(testContext(t), e.clients, opts)
		if err != nil || res.Outcome != deploy.Started {
			t.Fatalf("Deploy = %+v, %v", res, err)
		}
		if len(res.Services) != 2 || res.Services[0].Service != service || res.Services[1].Service != "worker" {
			t.Fatalf("Services = %+v, want app then worker", res.Services)
		}
		worker := res.Services[1]
		if worker.PreviousTaskDefinition != workerLive || taskDefinitionOf(t, e, "worker") != worker.TaskDefinition || worker.Outcome != deploy.Started {
			t.Errorf("worker: %+v; the service runs %s", worker, taskDefinitionOf(t, e, "worker"))
		}
		td, _ := e.describe(t, worker.TaskDefinition)
		if got := aws.ToString(td.ContainerDefinitions[0].Image); got != newImage || aws.ToString(td.ContainerDefinitions[0].Name) != "worker" {
			t.Errorf("worker's new revision runs %s in %s, want %s in worker", got, aws.ToString(td.ContainerDefinitions[0].Name), newImage)
		}
		if got := td.ContainerDefinitions[0].Command; strings.Join(got, " ") != "/app/service work" {
			t.Errorf("worker's command = %v, want it kept", got)
		}
		if taskDefinitionOf(t, e, service) != res.Services[0].TaskDefinition {
			t.Errorf("app runs %s, want its new %s", taskDefinitionOf(t, e, service), res.Services[0].TaskDefinition)
		}

		back, err := deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, More: []string{"worker"}, NoWait: true})
		if err != nil || back.Outcome != deploy.Started {
			t.Fatalf("Rollback = %+v, %v", back, err)
		}
		if got := taskDefinitionOf(t, e, "worker"); got != workerLive {
			t.Errorf("after the rollback worker runs %s, want %s", got, workerLive)
		}
		if got := taskDefinitionOf(t, e, service); got != e.live {
			t.Errorf("after the rollback app runs %s, want %s", got, e.live)
		}
	})

	t.Run("bad input in one service changes none", func(t *testing.T) {
		e, opts, workerLive := withWorker(t)
		opts.More[0].Container = "wroker"
		res, err := deploy.Deploy(testContext(t), e.clients, opts)
		var input *deploy.InputError
		if !errors.As(err, &input) || res != nil {
			t.Fatalf("Deploy = %+v, %v; want an InputError and no result", res, err)
		}
		if !strings.Contains(err.Error(), `"wroker"`) {
			t.Errorf("the error does not name the container: %v", err)
		}
		if n := familyRevisions(t, e, "app"); n != 1 {
			t.Errorf("app has %d revisions, want 1: nothing may be registered", n)
		}
		if got := taskDefinitionOf(t, e, "worker"); got != workerLive {
			t.Errorf("worker runs %s, want %s untouched", got, workerLive)
		}

		_, err = deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, More: []string{"worker"}, To: "app:1"})
		if !errors.As(err, &input) || !strings.Contains(err.Error(), "one service's task definition family") {
			t.Errorf("a rollback of two services to one revision: %v, want an InputError", err)
		}
		_, err = deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, More: []string{"worker"}})
		if !errors.As(err, &input) || taskDefinitionOf(t, e, service) != e.live {
			t.Errorf("a rollback where no service has an older revision: %v; app runs %s", err, taskDefinitionOf(t, e, service))
		}
	})
}

package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// Two services as one release: --service and --container take one item per service, and plan,
// deploy, status and rollback cover both.
func TestCLISeveralServices(t *testing.T) {
	srv := moto.Start(t)
	bin := buildCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := deploy.NewClients(srv.Config)
	if _, err := c.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web", "worker"} {
		reg, err := c.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family:               aws.String(name),
			ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String(name), Image: aws.String(liveImage), Memory: aws.Int32(128)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
			Cluster: aws.String("prod"), ServiceName: aws.String(name), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1),
		}); err != nil {
			t.Fatal(err)
		}
	}
	both := []string{"--cluster", "prod", "--service", "web,worker"}
	with := func(command string, extra ...string) []string {
		return append(append([]string{command}, both...), extra...)
	}

	runCLI(t, bin, srv.Endpoint, with("deploy", "--container", "web", "--image", newImage)...).
		want(t, 2, "2 services but 1 containers", "--container NAME,NAME", "nothing was changed")
	runCLI(t, bin, srv.Endpoint, with("plan", "--container", "web,worker", "--image", newImage)...).
		want(t, 0, "service web in cluster prod runs web:1", "service worker in cluster prod runs worker:1", "~ service.taskDefinition: worker:1 -> worker:(next)")
	runCLI(t, bin, srv.Endpoint, with("deploy", "--container", "web,worker", "--image", newImage, "--no-wait")...).
		want(t, 0, "outcome=started service=web", "service-outcome=started service=worker task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/worker:2",
			"services:   prod/web, prod/worker")
	runCLI(t, bin, srv.Endpoint, with("status")...).want(t, 0, "service web (cluster prod)\n  runs      web:2", "service worker (cluster prod)\n  runs      worker:2")
	runCLI(t, bin, srv.Endpoint, with("rollback", "--to", "3")...).want(t, 2, "a revision (3) was given for a rollback of 2 services", "(--to)")
	runCLI(t, bin, srv.Endpoint, with("rollback", "--no-wait")...).
		want(t, 0, "service-outcome=started service=web task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
			"service-outcome=started service=worker task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/worker:1")
	runCLI(t, bin, srv.Endpoint, with("status")...).want(t, 0, "runs      web:1", "runs      worker:1")
}

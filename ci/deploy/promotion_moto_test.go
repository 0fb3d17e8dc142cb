package deploy_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// Build once, promote the same digest: what staging runs is what prod gets, byte for byte, while
// prod keeps its own task definition (its environment, roles, sizes) around the new image.
func TestMotoPromotionDeploysTheDigestStagingRuns(t *testing.T) {
	srv := moto.Start(t)
	prod := setUp(t, srv)
	ctx := testContext(t)

	// staging: its own cluster, service and family, with a setting prod must not inherit.
	in, err := deploy.ParseTaskDefinition(testdata(t, "rich-taskdef.json"))
	if err != nil {
		t.Fatal(err)
	}
	in.Family = aws.String("app-staging")
	in.ContainerDefinitions[0].Image = aws.String(liveImage)
	in.ContainerDefinitions[0].Environment = append(in.ContainerDefinitions[0].Environment,
		types.KeyValuePair{Name: aws.String("STAGE"), Value: aws.String("staging")})
	if _, err := prod.clients.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("staging")}); err != nil {
		t.Fatal(err)
	}
	reg, err := prod.clients.ECS.RegisterTaskDefinition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prod.clients.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("staging"), ServiceName: aws.String("app"), DesiredCount: aws.Int32(1),
		TaskDefinition: reg.TaskDefinition.TaskDefinitionArn, LaunchType: types.LaunchTypeFargate,
	}); err != nil {
		t.Fatal(err)
	}
	staging := deploy.Target{Cluster: "staging", Service: "app", Container: "app"}
	if _, err := deploy.Deploy(ctx, prod.clients, deploy.Options{Target: staging, Image: newImage, NoWait: true}); err != nil {
		t.Fatalf("deploy to staging: %v", err)
	}

	// promote: read what staging runs, deploy exactly that to prod.
	status, err := deploy.Status(ctx, prod.clients, "staging", "app")
	if err != nil {
		t.Fatal(err)
	}
	promoted := status.Images["app"]
	if promoted != newImage {
		t.Fatalf("staging runs %q, want %q", promoted, newImage)
	}
	opts := prod.options()
	opts.Image = promoted
	res, err := deploy.Deploy(ctx, prod.clients, opts)
	if err != nil {
		t.Fatalf("promote to prod: %v", err)
	}

	if got := prod.serviceTaskDefinition(t); got != res.TaskDefinition {
		t.Fatalf("prod runs %s, want the promoted revision %s", got, res.TaskDefinition)
	}
	next, _ := prod.describe(t, res.TaskDefinition)
	if aws.ToString(next.Family) != "app" {
		t.Errorf("prod's new revision is in family %q, want its own family app", aws.ToString(next.Family))
	}
	if got := aws.ToString(next.ContainerDefinitions[0].Image); got != promoted {
		t.Errorf("prod runs image %q, want staging's %q", got, promoted)
	}
	for _, kv := range next.ContainerDefinitions[0].Environment {
		if aws.ToString(kv.Name) == "STAGE" {
			t.Errorf("prod inherited staging's environment: STAGE=%s", aws.ToString(kv.Value))
		}
	}
	live, _ := prod.describe(t, prod.live)
	if !reflect.DeepEqual(settable(*live), settable(*next)) {
		t.Errorf("promotion changed more than the image of prod's task definition")
	}
}

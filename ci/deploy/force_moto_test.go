package deploy_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// Against moto, which honours forceNewDeployment: the live image with Force starts a new
// deployment of the live revision and registers none; without it nothing changes.
func TestMotoForcedRedeploy(t *testing.T) {
	srv := moto.Start(t)
	e := setUp(t, srv)
	ctx := testContext(t)
	primary := func() string {
		t.Helper()
		out, err := e.clients.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
		if err != nil || len(out.Services) != 1 {
			t.Fatalf("DescribeServices: %v", err)
		}
		for _, d := range out.Services[0].Deployments {
			if aws.ToString(d.Status) == "PRIMARY" {
				return aws.ToString(d.Id)
			}
		}
		t.Fatalf("no PRIMARY deployment: %+v", out.Services[0].Deployments)
		return ""
	}
	before, revisions := primary(), e.revisions(t)
	opts := e.options()
	opts.Image = liveImage

	// The plan says what the forced deploy will do, and does nothing.
	opts.Force = true
	p, err := deploy.Preview(ctx, e.clients, opts)
	if err != nil || p.Unchanged || !p.Forced {
		t.Fatalf("Preview with Force = %+v, %v; want Forced", p, err)
	}
	var plan strings.Builder
	if err := p.Render(&plan); err != nil {
		t.Fatal(err)
	}
	if want := "~ service.deployment: a new deployment of app:1, forced (no new revision)\ntask definition: unchanged"; !strings.Contains(plan.String(), want) {
		t.Errorf("plan lacks %q:\n%s", want, plan.String())
	}
	if primary() != before {
		t.Errorf("Preview started a deployment")
	}
	opts.Force = false

	res, err := deploy.Deploy(ctx, e.clients, opts)
	if err != nil || res.Outcome != deploy.Unchanged || res.Forced || primary() != before {
		t.Fatalf("without Force: %+v, %v; PRIMARY %s, was %s", res, err, primary(), before)
	}

	opts.Force = true
	res, err = deploy.Deploy(ctx, e.clients, opts)
	if err != nil || res.Outcome != deploy.Started || !res.Forced {
		t.Fatalf("Deploy with Force = %+v, %v; want a forced deployment, Started", res, err)
	}
	if res.TaskDefinition != e.live || res.PreviousTaskDefinition != e.live {
		t.Errorf("revisions %s (previous %s), want %s for both", res.TaskDefinition, res.PreviousTaskDefinition, e.live)
	}
	if now := primary(); res.DeploymentID == "" || res.DeploymentID == before || res.DeploymentID != now {
		t.Errorf("DeploymentID = %q, want the new PRIMARY deployment %s (before: %s)", res.DeploymentID, now, before)
	}
	if got := e.serviceTaskDefinition(t); got != e.live {
		t.Errorf("service runs %s, want %s", got, e.live)
	}
	if after := e.revisions(t); !reflect.DeepEqual(revisions, after) {
		t.Errorf("revisions changed: %v -> %v", revisions, after)
	}
	var st types.TaskDefinitionStatus
	if td, _ := e.describe(t, e.live); td != nil {
		st = td.Status
	}
	if st != types.TaskDefinitionStatusActive {
		t.Errorf("live revision is %s", st)
	}
}

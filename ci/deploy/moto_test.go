package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
	"dagger/pipeline/report"
)

// These tests run the engine's steps with real SDK clients against moto. Moto simulates no
// rollout (tasks never start), so they use NoWait: everything up to and including UpdateService
// is real; the watcher is covered by the scenario tests against the fake.

const (
	cluster   = "prod"
	service   = "app"
	liveImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	newImage  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

type motoEnv struct {
	srv     *moto.Server
	clients deploy.Clients
	live    string // ARN of the revision the service runs
}

// setUp creates, in a clean moto: a cluster, a rich task definition (from testdata), a target
// group, and a service behind it.
func setUp(t *testing.T, srv *moto.Server) motoEnv {
	t.Helper()
	srv.Reset(t)
	ctx := testContext(t)
	c := deploy.NewClients(srv.Config)
	if _, err := c.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
		t.Fatal(err)
	}
	in, err := deploy.ParseTaskDefinition(testdata(t, "rich-taskdef.json"))
	if err != nil {
		t.Fatal(err)
	}
	in.ContainerDefinitions[0].Image = aws.String(liveImage)
	reg, err := c.ECS.RegisterTaskDefinition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := c.ELB.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name: aws.String("app-tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
		VpcId: aws.String(createVPC(t, srv)), TargetType: elbtypes.TargetTypeEnumIp,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(service),
		TaskDefinition: reg.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(2),
		LaunchType: types.LaunchTypeFargate,
		LoadBalancers: []types.LoadBalancer{{
			TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080),
		}},
		DeploymentConfiguration: &types.DeploymentConfiguration{
			DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return motoEnv{srv: srv, clients: c, live: aws.ToString(reg.TaskDefinition.TaskDefinitionArn)}
}

// createVPC calls EC2 CreateVpc over the Query protocol (the EC2 SDK module is not a dependency
// of the ci module, and a target group needs a VPC).
func createVPC(t *testing.T, srv *moto.Server) string {
	t.Helper()
	form := url.Values{"Action": {"CreateVpc"}, "Version": {"2016-11-15"}, "CidrBlock": {"10.0.0.0/16"}}
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, srv.Endpoint+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<vpcId>(vpc-[0-9a-f]+)</vpcId>`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("CreateVpc: HTTP %d %s", resp.StatusCode, body)
	}
	return string(m[1])
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e motoEnv) options() deploy.Options {
	return deploy.Options{
		Target: deploy.Target{Cluster: cluster, Service: service, Container: "app"},
		Image:  newImage,
		NoWait: true,
	}
}

func (e motoEnv) serviceTaskDefinition(t *testing.T) string {
	t.Helper()
	out, err := e.clients.ECS.DescribeServices(testContext(t), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("DescribeServices: %v", err)
	}
	return aws.ToString(out.Services[0].TaskDefinition)
}

// revisions lists every revision of the family, ACTIVE or not.
func (e motoEnv) revisions(t *testing.T) []string {
	t.Helper()
	var all []string
	for _, status := range []types.TaskDefinitionStatus{types.TaskDefinitionStatusActive, types.TaskDefinitionStatusInactive} {
		out, err := e.clients.ECS.ListTaskDefinitions(testContext(t), &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("app"), Status: status})
		if err != nil {
			t.Fatal(err)
		}
		for _, arn := range out.TaskDefinitionArns {
			all = append(all, string(status)+" "+arn)
		}
	}
	return all
}

func (e motoEnv) describe(t *testing.T, arn string) (*types.TaskDefinition, []types.Tag) {
	t.Helper()
	out, err := e.clients.ECS.DescribeTaskDefinition(testContext(t), &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(arn), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.TaskDefinition, out.Tags
}

// settable zeroes the read-only fields of a task definition and the image of the app
// container, leaving what a new revision must carry over.
func settable(td types.TaskDefinition) types.TaskDefinition {
	td.TaskDefinitionArn, td.Revision, td.Status, td.RegisteredAt, td.RegisteredBy = nil, 0, "", nil, nil
	td.Compatibilities, td.RequiresAttributes, td.DeregisteredAt, td.DeleteRequestedAt = nil, nil, nil, nil
	td.ContainerDefinitions = append([]types.ContainerDefinition(nil), td.ContainerDefinitions...)
	td.ContainerDefinitions[0].Image = nil
	return td
}

func TestMoto(t *testing.T) {
	srv := moto.Start(t)

	t.Run("clone keeps every field and swaps only the image", func(t *testing.T) {
		e := setUp(t, srv)
		res, err := deploy.Deploy(testContext(t), e.clients, e.options())
		if err != nil || res.Outcome != deploy.Started {
			t.Fatalf("Deploy = %+v, %v", res, err)
		}
		if res.PreviousTaskDefinition != e.live || res.TaskDefinition == e.live || !strings.HasSuffix(res.TaskDefinition, ":2") {
			t.Errorf("previous %s, new %s; want %s and revision 2", res.PreviousTaskDefinition, res.TaskDefinition, e.live)
		}
		before, beforeTags := e.describe(t, e.live)
		after, afterTags := e.describe(t, res.TaskDefinition)
		if got := aws.ToString(after.ContainerDefinitions[0].Image); got != newImage {
			t.Errorf("new revision image = %s, want %s", got, newImage)
		}
		if got := aws.ToString(after.ContainerDefinitions[1].Image); got != aws.ToString(before.ContainerDefinitions[1].Image) {
			t.Errorf("sidecar image changed to %s", got)
		}
		// The comparison is only meaningful if moto kept the rich fields in the first place.
		app := before.ContainerDefinitions[0]
		if len(app.Secrets) != 2 || app.LogConfiguration == nil || len(app.LogConfiguration.SecretOptions) != 1 ||
			before.ProxyConfiguration == nil || before.RuntimePlatform == nil || len(before.Volumes) != 2 || len(beforeTags) != 2 {
			t.Fatalf("moto did not keep the rich task definition: %+v", before)
		}
		if !reflect.DeepEqual(settable(*before), settable(*after)) {
			t.Errorf("the new revision differs beyond the image:\nbefore %+v\nafter  %+v", settable(*before), settable(*after))
		}
		if !reflect.DeepEqual(beforeTags, afterTags) {
			t.Errorf("tags %v, want %v", afterTags, beforeTags)
		}
		if got := e.serviceTaskDefinition(t); got != res.TaskDefinition {
			t.Errorf("service runs %s, want %s", got, res.TaskDefinition)
		}
		if res.APICalls < 5 {
			t.Errorf("APICalls = %d; the deploy made at least DescribeServices, DescribeTaskDefinition, target groups, Register and Update", res.APICalls)
		}

		// Rollback (to the previous ACTIVE revision by default) restores the service.
		rb, err := deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, NoWait: true})
		if err != nil || rb.Outcome != deploy.Started || rb.TaskDefinition != e.live {
			t.Fatalf("Rollback = %+v, %v", rb, err)
		}
		if got := e.serviceTaskDefinition(t); got != e.live {
			t.Errorf("after rollback the service runs %s, want %s", got, e.live)
		}
		// And forward again by revision number.
		rb, err = deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, To: "2", NoWait: true})
		if err != nil || e.serviceTaskDefinition(t) != res.TaskDefinition {
			t.Errorf("Rollback --to 2 = %+v, %v; service on %s", rb, err, e.serviceTaskDefinition(t))
		}
	})

	t.Run("the live image is Unchanged: no revision, no update", func(t *testing.T) {
		e := setUp(t, srv)
		before := e.revisions(t)
		opts := e.options()
		opts.Image = liveImage
		res, err := deploy.Deploy(testContext(t), e.clients, opts)
		if err != nil || res.Outcome != deploy.Unchanged || res.TaskDefinition != e.live {
			t.Fatalf("Deploy = %+v, %v; want Unchanged on %s", res, err, e.live)
		}
		if after := e.revisions(t); !reflect.DeepEqual(before, after) {
			t.Errorf("revisions changed: %v -> %v", before, after)
		}
		if deploy.ExitCode(res, err) != 0 {
			t.Errorf("exit code %d", deploy.ExitCode(res, err))
		}
	})

	t.Run("render from the committed file", func(t *testing.T) {
		e := setUp(t, srv)
		opts := e.options()
		opts.TaskDefinition = testdata(t, "rich-taskdef.json")
		res, err := deploy.Deploy(testContext(t), e.clients, opts)
		if err != nil || res.Outcome != deploy.Started {
			t.Fatalf("Deploy = %+v, %v", res, err)
		}
		before, _ := e.describe(t, e.live)
		after, tags := e.describe(t, res.TaskDefinition)
		if aws.ToString(after.ContainerDefinitions[0].Image) != newImage || len(tags) != 2 {
			t.Errorf("rendered revision: image %s, tags %v", aws.ToString(after.ContainerDefinitions[0].Image), tags)
		}
		if !reflect.DeepEqual(settable(*before), settable(*after)) {
			t.Errorf("the file (same content as live) rendered differently:\nlive %+v\nfile %+v", settable(*before), settable(*after))
		}
		// The same file with the live image is the live revision: Unchanged.
		opts.Image = newImage
		again, err := deploy.Deploy(testContext(t), e.clients, opts)
		if err != nil || again.Outcome != deploy.Unchanged {
			t.Errorf("redeploying the same file and image = %+v, %v; want Unchanged", again, err)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		e := setUp(t, srv)
		cases := map[string]struct {
			edit func(*deploy.Options)
			want string
		}{
			"unknown cluster":   {func(o *deploy.Options) { o.Cluster = "nope" }, `cluster "nope" not found`},
			"unknown service":   {func(o *deploy.Options) { o.Service = "nope" }, `service "nope" not found in cluster "prod"`},
			"unknown container": {func(o *deploy.Options) { o.Container = "web" }, `container "web" is not in task definition`},
			"tag-only image":    {func(o *deploy.Options) { o.Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2" }, "has no digest"},
			"garbage image":     {func(o *deploy.Options) { o.Image = "Not An Image@sha256:abc" }, "cannot be deployed"},
			"missing container": {func(o *deploy.Options) { o.Container = "" }, "missing container"},
			"bad file": {func(o *deploy.Options) {
				o.TaskDefinition = []byte(`{"family":"app","containerDefinitions":[{"name":"app","imag":"x"}]}`)
			}, `unknown field "imag"`},
			"other family file": {func(o *deploy.Options) {
				o.TaskDefinition = []byte(`{"family":"other","containerDefinitions":[{"name":"app","image":"x","memory":128}]}`)
			}, `is for family "other"`},
		}
		before := e.revisions(t)
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				opts := e.options()
				opts.NoWait = false // must fail before any change, waiting or not
				c.edit(&opts)
				res, err := deploy.Deploy(testContext(t), e.clients, opts)
				var inputErr *deploy.InputError
				if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v; want an InputError containing %q", err, c.want)
				}
				if strings.Contains(err.Error(), "--") {
					t.Errorf("the engine's message %q names a flag; its callers name their own", err)
				}
				if res != nil {
					t.Errorf("Result = %+v; want nil (nothing changed)", res)
				}
				if code := deploy.ExitCode(res, err); code != 2 {
					t.Errorf("exit code %d, want 2", code)
				}
				if after := e.revisions(t); !reflect.DeepEqual(before, after) {
					t.Errorf("revisions changed: %v -> %v", before, after)
				}
				if got := e.serviceTaskDefinition(t); got != e.live {
					t.Errorf("service moved to %s", got)
				}
			})
		}
	})

	t.Run("rollback to an unknown revision is bad input", func(t *testing.T) {
		e := setUp(t, srv)
		for _, to := range []string{"", "9", "other:1"} {
			_, err := deploy.Rollback(testContext(t), e.clients, deploy.RollbackOptions{Cluster: cluster, Service: service, To: to, NoWait: true})
			var inputErr *deploy.InputError
			if !errors.As(err, &inputErr) {
				t.Errorf("Rollback to %q: err = %v; want an InputError", to, err)
			} else if !slices.Contains(inputErr.Fields, report.FieldRevision) || strings.Contains(err.Error(), "--") {
				t.Errorf("Rollback to %q: %v names fields %v; want the revision, and no flag", to, err, inputErr.Fields)
			}
		}
		if got := e.serviceTaskDefinition(t); got != e.live {
			t.Errorf("service moved to %s", got)
		}
	})

	t.Run("status", func(t *testing.T) {
		e := setUp(t, srv)
		st, err := deploy.Status(testContext(t), e.clients, cluster, service)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		st.Render(&out)
		for _, want := range []string{"service app (cluster prod)", "runs      app:1", "app: " + liveImage, "0/2 running"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("status lacks %q:\n%s", want, out.String())
			}
		}
	})
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// The migration's calls, as the real SDK makes them, against moto: RunTask of the new revision
// with the service's awsvpc network, launch type and command override, DescribeTasks until it
// stops, GetLogEvents of the awslogs stream; and, with moto's tasks held running, the timeout's
// StopTask with the service left alone.
func TestMotoMigration(t *testing.T) {
	srv := moto.Start(t)

	t.Run("a task that stops with exit code 0 lets the deploy go on", func(t *testing.T) {
		e := setUpMigration(t, srv)
		res, err := deploy.Deploy(testContext(t), e.clients, e.options(5*time.Second))
		if err != nil || res.Outcome != deploy.Started {
			t.Fatalf("Deploy = %+v, %v; want Started (moto's task ends with exit code 0 after a few looks)\n%s", res, err, e.progress.String())
		}
		if !strings.Contains(e.progress.String(), "migration | applying 0001 on moto") {
			t.Errorf("the line put in the task's stream did not reach the progress:\n%s", e.progress.String())
		}
		if m := res.Migration; m == nil || m.ExitCode == nil || *m.ExitCode != 0 {
			t.Errorf("Result.Migration = %+v, want exit code 0", m)
		}
		task := e.task(t, res.Migration.TaskID)
		if aws.ToString(task.TaskDefinitionArn) != res.TaskDefinition || task.LaunchType != types.LaunchTypeFargate {
			t.Errorf("the migration task ran %s (%s); want the new revision %s on FARGATE", aws.ToString(task.TaskDefinitionArn), task.LaunchType, res.TaskDefinition)
		}
		if o := task.Overrides; o == nil || len(o.ContainerOverrides) != 1 || strings.Join(o.ContainerOverrides[0].Command, " ") != "/app/service migrate" {
			t.Errorf("the task's overrides are %+v; want app's command replaced", task.Overrides)
		}
		if got := e.serviceTaskDefinition(t); got != res.TaskDefinition {
			t.Errorf("service on %s after the migration succeeded, want %s", got, res.TaskDefinition)
		}
	})

	t.Run("a task that never stops is stopped at the timeout and the service is left alone", func(t *testing.T) {
		e := setUpMigration(t, srv)
		// moto moves a task one state towards STOPPED per look; held, it stays RUNNING.
		motoAPI(t, srv, "set-transition", `{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}}`)
		t.Cleanup(func() { motoAPI(t, srv, "unset-transition", `{"model_name": "ecs::task"}`) })
		res, err := deploy.Deploy(testContext(t), e.clients, e.options(time.Second))
		if res == nil || res.Outcome != deploy.Failed || err == nil {
			t.Fatalf("Deploy = %+v, %v; want Failed by the migration's timeout", res, err)
		}
		if d := res.Diagnosis.String(); !strings.Contains(d, "did not finish within 1s; it was stopped") || !strings.Contains(d, "| applying 0001 on moto") {
			t.Errorf("diagnosis:\n%s", d)
		}
		if task := e.task(t, res.Migration.TaskID); aws.ToString(task.DesiredStatus) != "STOPPED" {
			t.Errorf("the migration task's desired status is %s, want STOPPED (StopTask)", aws.ToString(task.DesiredStatus))
		}
		if got := e.serviceTaskDefinition(t); got != e.live {
			t.Errorf("the service moved to %s after the migration timed out", got)
		}
	})
}

type migrationEnv struct {
	motoEnv
	progress *logWriter
}

// setUpMigration creates, in a clean moto, a cluster, an awsvpc Fargate service whose container
// logs to /ecs/mig with stream prefix mig, and that log group.
func setUpMigration(t *testing.T, srv *moto.Server) migrationEnv {
	t.Helper()
	srv.Reset(t)
	ctx := testContext(t)
	cfg := srv.Config.Copy()
	cfg.HTTPClient = motoContainerFix{}
	c := deploy.NewClients(cfg)
	if _, err := c.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)}); err != nil {
		t.Fatal(err)
	}
	reg, err := c.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(service), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{
			// moto sums the containers' memory to place a task
			Name: aws.String("app"), Image: aws.String(liveImage), Essential: aws.Bool(true), Memory: aws.Int32(512),
			LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/mig", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "mig"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(service), TaskDefinition: reg.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(1), LaunchType: types.LaunchTypeFargate, NetworkConfiguration: awsvpcNetwork(t, srv),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/ecs/mig")}); err != nil {
		t.Fatal(err)
	}
	return migrationEnv{
		motoEnv:  motoEnv{srv: srv, clients: c, live: aws.ToString(reg.TaskDefinition.TaskDefinitionArn)},
		progress: &logWriter{ctx: ctx, logs: c.Logs, t: t},
	}
}

func (e migrationEnv) options(timeout time.Duration) deploy.Options {
	opts := e.motoEnv.options()
	opts.Poll = deploy.PollPolicy{Initial: 50 * time.Millisecond, Max: 100 * time.Millisecond, CallsPerSecond: 100}
	opts.Migration = &deploy.Migration{Command: []string{"/app/service", "migrate"}, Timeout: timeout}
	opts.Progress = e.progress
	return opts
}

func (e migrationEnv) task(t *testing.T, id string) types.Task {
	t.Helper()
	out, err := e.clients.ECS.DescribeTasks(testContext(t), &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: []string{id}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("DescribeTasks %s: %v", id, err)
	}
	return out.Tasks[0]
}

// motoAPI posts body to moto's state-manager endpoint action.
func motoAPI(t *testing.T, srv *moto.Server, action, body string) {
	t.Helper()
	resp, err := http.Post(srv.Endpoint+"/moto-api/state-manager/"+action, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("moto %s: HTTP %d", action, resp.StatusCode)
	}
}

// motoContainerFix works around moto 5.2.1 answering a task's containers' cpu and memory as JSON
// numbers, where the ECS API (and so the SDK's decoder) has strings: it quotes them in the
// answers of the task calls, and changes nothing else.
type motoContainerFix struct{}

func (motoContainerFix) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	target := req.Header.Get("X-Amz-Target")
	if err != nil || !(strings.HasSuffix(target, ".RunTask") || strings.HasSuffix(target, ".DescribeTasks") || strings.HasSuffix(target, ".StopTask")) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) == nil {
		var tasks []any
		if list, ok := doc["tasks"].([]any); ok {
			tasks = list
		}
		if one, ok := doc["task"]; ok {
			tasks = append(tasks, one)
		}
		for _, task := range tasks {
			tm, _ := task.(map[string]any)
			containers, _ := tm["containers"].([]any)
			for _, c := range containers {
				cm, _ := c.(map[string]any)
				for _, key := range []string{"cpu", "memory"} {
					if n, ok := cm[key].(float64); ok {
						cm[key] = strconv.FormatFloat(n, 'f', -1, 64)
					}
				}
			}
		}
		body, _ = json.Marshal(doc)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// logWriter collects the progress and, at the line that names the migration's task, writes a
// line into that task's log stream.
type logWriter struct {
	ctx  context.Context
	logs *cloudwatchlogs.Client
	t    *testing.T
	mu   sync.Mutex
	b    strings.Builder
}

var startedTask = regexp.MustCompile(`migration task ([0-9a-f-]+) started`)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := startedTask.FindSubmatch(p); m != nil {
		stream := "mig/app/" + string(m[1])
		if _, err := w.logs.CreateLogStream(w.ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("/ecs/mig"), LogStreamName: aws.String(stream)}); err != nil {
			w.t.Errorf("CreateLogStream: %v", err)
		}
		if _, err := w.logs.PutLogEvents(w.ctx, &cloudwatchlogs.PutLogEventsInput{
			LogGroupName: aws.String("/ecs/mig"), LogStreamName: aws.String(stream),
			LogEvents: []cwltypes.InputLogEvent{{Message: aws.String("applying 0001 on moto"), Timestamp: aws.Int64(time.Now().UnixMilli())}},
		}); err != nil {
			w.t.Errorf("PutLogEvents: %v", err)
		}
	}
	return w.b.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// ec2Query makes one EC2 Query call, as createVPC does, and returns the first match of
// pattern's group in the answer.
func ec2Query(t *testing.T, srv *moto.Server, form url.Values, pattern string) string {
	t.Helper()
	form.Set("Version", "2016-11-15")
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodPost, srv.Endpoint+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(pattern).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("%s: HTTP %d %s", form.Get("Action"), resp.StatusCode, body)
	}
	return string(m[1])
}

// awsvpcNetwork creates a subnet and a security group for awsvpc tasks. The VPC has DNS host
// names on: moto 5.2.1's RunTask reads the ENI's private DNS name, which it sets only then.
func awsvpcNetwork(t *testing.T, srv *moto.Server) *types.NetworkConfiguration {
	vpc := createVPC(t, srv)
	ec2Query(t, srv, url.Values{"Action": {"ModifyVpcAttribute"}, "VpcId": {vpc}, "EnableDnsHostnames.Value": {"true"}}, `<(requestId)>`)
	subnet := ec2Query(t, srv, url.Values{"Action": {"CreateSubnet"}, "VpcId": {vpc}, "CidrBlock": {"10.0.1.0/24"}}, `<subnetId>(subnet-[0-9a-f]+)</subnetId>`)
	group := ec2Query(t, srv, url.Values{"Action": {"CreateSecurityGroup"}, "VpcId": {vpc}, "GroupName": {"mig"}, "GroupDescription": {"mig"}}, `<groupId>(sg-[0-9a-f]+)</groupId>`)
	return &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{subnet}, SecurityGroups: []string{group}}}
}

package daggercall

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

func TestCommandsAreDaggerCalls(t *testing.T) {
	n := Names{Env: "prod", Repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web"}
	promoted := Names{Env: "prod", Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:22"}
	for _, c := range []struct {
		names Names
		step  report.Step
		want  string
	}{
		{n, report.Step{Action: report.Rollback, Revision: "web:41"}, "dagger call rollback --env=prod --to=web:41"},
		{n, report.Step{Action: report.Rollback}, "dagger call rollback --env=prod --to=REVISION"},
		{Names{Env: "prod", Several: true}, report.Step{Action: report.Rollback}, "dagger call rollback --env=prod"},
		{n, report.Step{Action: report.Status}, "dagger call status --env=prod"},
		{n, report.Step{Action: report.Deploy}, "dagger call deploy --env=prod"},
		{promoted, report.Step{Action: report.Deploy}, "dagger call deploy --env=prod --image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:22"},
		{n, report.Step{Action: report.Deploy, Image: "sha256:44"}, "dagger call deploy --env=prod --image=123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:44"},
		{Names{Env: "prod"}, report.Step{Action: report.Deploy, Image: "sha256:44"}, "dagger call deploy --env=prod --image=REPO@sha256:44"},
	} {
		if got := c.names.Command(c.step); got != c.want {
			t.Errorf("Command(%+v) = %q, want %q", c.step, got, c.want)
		}
	}
}

func TestInputsAreTheEnvironmentsKeysAndTheArguments(t *testing.T) {
	n := Names{Env: "staging"}
	for _, c := range []struct {
		fields []report.Field
		want   string
	}{
		{[]report.Field{report.FieldCluster, report.FieldRegion}, `"cluster" and "region" of environment "staging" in ci/environments.json`},
		{[]report.Field{report.FieldTaskDefinition, report.FieldService}, `"taskDefinition" and "service" of environment "staging" in ci/environments.json`},
		{[]report.Field{report.FieldRevision, report.FieldImageDigest}, "--to of rollback"},
		{[]report.Field{report.FieldImage, report.FieldContainer}, `"container" of environment "staging" in ci/environments.json; --image of deploy`},
	} {
		if got := n.Inputs(c.fields...); got != c.want {
			t.Errorf("Inputs(%v) = %q, want %q", c.fields, got, c.want)
		}
		if got := n.Inputs(c.fields...); strings.Contains(got, "--cluster") || strings.Contains(got, "--service") {
			t.Errorf("Inputs(%v) = %q names a flag of the CLI", c.fields, got)
		}
	}
}

func fakeClients(t *testing.T, sc fakeaws.Scenario) deploy.Clients {
	srv := httptest.NewServer(fakeaws.New(fakeaws.Config{Scenario: sc}))
	t.Cleanup(srv.Close)
	return deploy.NewClients(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), BaseEndpoint: aws.String(srv.URL),
	})
}

func options() deploy.Options {
	return deploy.Options{
		Target: deploy.Target{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Container: fakeaws.DefaultContainer},
		Image:  fakeaws.NewImage, Timeout: 20 * time.Second,
		Poll: deploy.PollPolicy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond, CallsPerSecond: 100},
	}
}

// A deploy the engine rolled back, as `dagger call deploy` prints it: the report with the
// module's commands, and the result line for the GitHub Actions report, actions included.
func TestDeployOutputOfARolledBackDeploy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := deploy.Deploy(ctx, fakeClients(t, fakeaws.CrashLoop(50*time.Millisecond)), options())
	if res == nil || res.Outcome != deploy.RolledBack {
		t.Fatalf("Deploy = %+v, %v; want rolled back", res, err)
	}
	n := Names{Env: "fake", Image: fakeaws.NewImage}
	out, outErr := n.DeployOutput(res, err)
	if out != "" || outErr == nil || !errors.Is(outErr, err) {
		t.Fatalf("DeployOutput = %q, %v; want the error, wrapping the engine's", out, outErr)
	}
	msg := outErr.Error()
	for _, want := range []string{
		"deploy to fake: rolled-back\n", "  revision:   web:1 -> web:2\n", "exit code 1",
		"then deploy again: dagger call deploy --env=fake --image=" + fakeaws.NewImage + "\n",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("output lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "--cluster") || strings.Contains(msg, "go run") {
		t.Errorf("the module's output names the CLI:\n%s", msg)
	}
	result, found, err := resultline.Find(strings.NewReader(msg))
	if err != nil || !found || result.Outcome != "rolled-back" || result.Diagnosis == nil {
		t.Fatalf("result line: %+v, %v, %v", result, found, err)
	}
	if !strings.HasSuffix(msg, resultline.Line(result)) {
		t.Error("the result line must be the last line")
	}
	last := result.Diagnosis.Steps[len(result.Diagnosis.Steps)-1]
	if last.Action != report.Deploy {
		t.Errorf("the result line's last step is %+v; want the deploy again, for the report to word", last)
	}
}

// Bad input changes nothing and says where to fix it: the environment's key, not a flag.
func TestDeployOutputOfBadInput(t *testing.T) {
	opts := options()
	opts.Service = "api"
	res, err := deploy.Deploy(context.Background(), fakeClients(t, fakeaws.HealthyRollout(time.Second)), opts)
	_, outErr := Names{Env: "fake"}.DeployOutput(res, err)
	var inputErr *deploy.InputError
	if !errors.As(outErr, &inputErr) {
		t.Fatalf("DeployOutput error %v does not wrap the engine's InputError", outErr)
	}
	msg := outErr.Error()
	for _, want := range []string{"deploy to fake: nothing changed\n",
		`service "api" not found in cluster "demo"`, `("service" of environment "fake" in ci/environments.json)`} {
		if !strings.Contains(msg, want) {
			t.Errorf("output lacks %q:\n%s", want, msg)
		}
	}
	result, found, _ := resultline.Find(strings.NewReader(msg))
	if !found || !strings.Contains(result.Error, `"service" of environment "fake"`) {
		t.Errorf("the result line's error is not in the module's words: %+v", result)
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
)

const (
	liveImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	newImage  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// coverDir, when set, makes buildCLI build the executable with coverage counters, which each
// run writes there (as GOCOVERDIR): .ci/run measures the command's coverage as a person runs
// it, next to the test binary's own (go test -args -test.gocoverdir=DIR).
var coverDir = os.Getenv("ECS_DEPLOY_COVERDIR")

// TestMain removes the binary buildCLI built.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// buildCLI compiles the command once per test binary run: the tests run the real executable,
// signals and exit codes included.
func buildCLI(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "ecs-deploy-test"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "ecs-deploy")
		args := []string{"build", "-o", builtBin}
		if coverDir != "" {
			args = append(args, "-cover")
		}
		if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

type cliRun struct {
	code           int
	stdout, stderr string
}

// command prepares the CLI with the standard AWS environment pointed at endpoint.
func command(ctx context.Context, bin, endpoint string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = os.Environ()
	if coverDir != "" {
		cmd.Env = append(cmd.Env, "GOCOVERDIR="+coverDir)
	}
	cmd.Env = append(cmd.Env,
		"AWS_ENDPOINT_URL="+endpoint, "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

func runCLI(t *testing.T, bin, endpoint string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := command(ctx, bin, endpoint, args...)
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %v: %v", args, err)
	}
	return cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func (r cliRun) want(t *testing.T, code int, inOutput ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range inOutput {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

func TestCLIAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	bin := buildCLI(t)
	srv.Service(t, "prod", "app", liveImage)
	target := []string{"--cluster", "prod", "--service", "app"}
	deployArgs := func(extra ...string) []string {
		return append(append([]string{"deploy"}, target...), append([]string{"--container", "app"}, extra...)...)
	}

	runCLI(t, bin, srv.Endpoint, deployArgs("--image", liveImage)...).want(t, 0, "outcome=unchanged", "nothing to deploy")
	runCLI(t, bin, srv.Endpoint, deployArgs("--image", "app:latest")...).want(t, 2, "has no digest", "nothing was changed")
	runCLI(t, bin, srv.Endpoint, "deploy", "--cluster", "prod", "--service", "nope", "--container", "app", "--image", newImage).
		want(t, 2, `service "nope" not found in cluster "prod"`)
	runCLI(t, bin, srv.Endpoint, "deploy", "--cluster", "prod").want(t, 2, "missing service, container", "(--service, --container)")
	runCLI(t, bin, srv.Endpoint, "frobnicate").want(t, 2, `unknown command "frobnicate"`)
	planArgs := append(append([]string{"plan"}, target...), "--container", "app")
	planned := runCLI(t, bin, srv.Endpoint, append(planArgs, "--image", newImage)...)
	planned.want(t, 0, "~ service.taskDefinition: app:1 -> app:(next)",
		`~ containerDefinitions[app].image: "`+liveImage+`" → "`+newImage+`"`, "0 to add, 1 to change, 0 to remove")
	runCLI(t, bin, srv.Endpoint, append(planArgs, "--image", liveImage)...).want(t, 0, "nothing to deploy")
	runCLI(t, bin, srv.Endpoint, append(planArgs, "--image", "app:latest")...).want(t, 2, "has no digest", "nothing was changed")
	runCLI(t, bin, srv.Endpoint, append(planArgs, "--image", newImage, "--no-rollback")...).want(t, 2, "flag provided but not defined: -no-rollback")
	runCLI(t, bin, srv.Endpoint, append([]string{"status"}, target...)...).want(t, 0, "runs      app:1") // plan changed nothing
	runCLI(t, bin, srv.Endpoint, deployArgs("--image", newImage, "--no-wait")...).want(t, 0, "outcome=started", "task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/app:2")
	runCLI(t, bin, srv.Endpoint, append([]string{"status"}, target...)...).want(t, 0, "runs      app:2", "app: "+newImage)
	runCLI(t, bin, srv.Endpoint, append([]string{"rollback", "--no-wait"}, target...)...).want(t, 0, "outcome=started", "task-definition/app:1")
	runCLI(t, bin, srv.Endpoint, append([]string{"rollback", "--to", "7"}, target...)...).want(t, 2, `"app:7" not found`, "(--to)")
	runCLI(t, bin, srv.Endpoint, append([]string{"rollback", "--no-wait", "--to-image", newImage}, target...)...).
		want(t, 0, "outcome=started", "task-definition=arn:aws:ecs:us-east-1:123456789012:task-definition/app:2")
	runCLI(t, bin, srv.Endpoint, append([]string{"rollback", "--to-image", "app:v1"}, target...)...).want(t, 2, "has no digest", "nothing was changed")
	unknown := "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + strings.Repeat("4", 64)
	runCLI(t, bin, srv.Endpoint, append([]string{"rollback", "--to-image", unknown}, target...)...).
		want(t, 2, "no ACTIVE revision of app runs the image sha256:4444",
			"deploy that image instead: ecs-deploy deploy --cluster prod --service app --container CONTAINER --image "+unknown)
	runCLI(t, bin, srv.Endpoint, append([]string{"status"}, target...)...).want(t, 0, "runs      app:2")
}

// --to and --to-image name the target twice: bad input, refused before any AWS call.
func TestCLIRollbackToAndToImageExclusive(t *testing.T) {
	bin := buildCLI(t)
	var calls atomic.Int64
	fakeAWS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no AWS call expected", http.StatusInternalServerError)
	}))
	t.Cleanup(fakeAWS.Close)
	runCLI(t, bin, fakeAWS.URL, "rollback", "--cluster", "prod", "--service", "app", "--to", "3", "--to-image", newImage).
		want(t, 2, "both --to 3 and --to-image", "pass only one of them", "nothing was changed")
	if n := calls.Load(); n != 0 {
		t.Errorf("%d AWS calls; want none", n)
	}
}

// The fake plays a whole rollout, so the exit codes of a watched deploy can be checked.
func serveFake(t *testing.T, sc fakeaws.Scenario) (*fakeaws.Fake, string) {
	fake := fakeaws.New(fakeaws.Config{Scenario: sc})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv.URL
}

func fakeDeployArgs(extra ...string) []string {
	return append([]string{"deploy", "--cluster", fakeaws.DefaultCluster, "--service", fakeaws.DefaultService,
		"--container", fakeaws.DefaultContainer, "--image", fakeaws.NewImage, "--timeout", "20s"}, extra...)
}

func TestCLIWatchedDeployExitCodes(t *testing.T) {
	bin := buildCLI(t)
	unit := 50 * time.Millisecond

	_, url := serveFake(t, fakeaws.HealthyRollout(unit))
	runCLI(t, bin, url, fakeDeployArgs()...).want(t, 0, "outcome=succeeded", "rollout COMPLETED", "| tg web-tg: ")

	_, url = serveFake(t, fakeaws.CrashLoop(unit))
	runCLI(t, bin, url, fakeDeployArgs()...).want(t, 1, "outcome=rolled-back", "exit code 1", "deploy: rolled-back\n",
		"rolled back by the deploy to web:1; fix the cause above, then deploy again: ecs-deploy deploy --cluster demo --service web --container app --image "+fakeaws.NewImage+"\n")

	_, url = serveFake(t, fakeaws.CrashLoop(unit))
	r := runCLI(t, bin, url, fakeDeployArgs("--no-rollback")...)
	r.want(t, 3, "outcome=failed", "to roll back: ecs-deploy rollback --cluster demo --service web --to web:1")
	if strings.Contains(r.stderr, "go run") {
		t.Errorf("an installed binary names itself as go run:\n%s", r.stderr)
	}
}

func TestCLICtrlCIsInterrupted(t *testing.T) {
	bin := buildCLI(t)
	// No steps: the deployment never progresses, so only the signal can end the wait.
	fake, url := serveFake(t, fakeaws.Scenario{Name: "Stuck", Unit: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := command(ctx, bin, url, fakeDeployArgs()...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fake.DeploymentStarted():
	case <-ctx.Done():
		t.Fatal("the deployment never started")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}.want(t, 4,
		"outcome=interrupted", "ECS carries on with it", "to roll back: ecs-deploy rollback --cluster demo --service web --to web:1",
		"service web is set to web:2")
}

package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

// secretKey is the AWS secret key the CLI is given in these tests; no output may carry it.
const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

// noAWS is an AWS endpoint that counts the calls that reach it, for input that must be refused
// before any.
func noAWS(t *testing.T) (string, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no AWS call expected", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

// runCLIEnv runs the CLI like runCLI, with env overriding the standard test environment.
func runCLIEnv(t *testing.T, bin, endpoint string, env []string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := command(ctx, bin, endpoint, args...)
	cmd.Env = append(cmd.Env, "AWS_SECRET_ACCESS_KEY="+secretKey)
	cmd.Env = append(cmd.Env, env...) // exec uses the last value of a repeated key
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %v: %v", args, err)
	}
	r := cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if strings.Contains(r.stdout+r.stderr, secretKey) {
		t.Errorf("%v printed the secret key:\n%s%s", args, r.stdout, r.stderr)
	}
	return r
}

// Every bad input is told before any AWS call, and before credentials are needed: what is
// wrong, why, and the flag to fix.
func TestCLIBadInputIsToldBeforeAnyAWSCall(t *testing.T) {
	bin := buildCLI(t)
	endpoint, calls := noAWS(t)
	badFile := filepath.Join(t.TempDir(), "td.json")
	if err := os.WriteFile(badFile, []byte(`{"family":"web","containerDefinitions":[{"name":"app","imag":"x"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	target := []string{"--cluster", "demo", "--service", "web"}
	deployArgs := append(append([]string{"deploy"}, target...), "--container", "app", "--image", fakeaws.NewImage)
	for name, c := range map[string]struct {
		env  []string
		args []string
		code int
		want []string
	}{
		"status without a service": {nil, []string{"status"}, 2,
			[]string{"missing cluster, service", "(--cluster, --service)", "nothing was changed"}},
		"status without --service": {nil, []string{"status", "--cluster", "demo"}, 2,
			[]string{"missing service", "give it (--service)"}},
		"rollback without a service": {nil, []string{"rollback", "--to", "1"}, 2,
			[]string{"missing cluster, service", "(--cluster, --service)"}},
		"timeout without a unit": {nil, append(deployArgs, "--timeout", "5"), 2,
			[]string{`invalid value "5" for flag -timeout: "5" has no unit; add one, e.g. 5s for seconds or 5m for minutes`, "deploy --help lists the flags"}},
		"negative timeout": {nil, append(deployArgs, "--timeout", "-1m"), 2, []string{"-1m is negative"}},
		"unreadable task definition file": {nil, append(deployArgs, "--task-definition-file", "/nonexistent/td.json"), 2,
			[]string{"cannot read --task-definition-file /nonexistent/td.json", "nothing was changed"}},
		"task definition with a typo": {nil, append(deployArgs, "--task-definition-file", badFile), 2,
			[]string{`unknown field "imag"`, "(--task-definition-file " + badFile + ")"}},
		"a region without its number": {[]string{"AWS_REGION=eu-west"}, append([]string{"status"}, target...), 2,
			[]string{`AWS region "eu-west" is not an AWS region code: a region code ends with its number, e.g. "eu-west-1"`, "set AWS_REGION"}},
		"an availability zone for a region": {[]string{"AWS_REGION=eu-west-1a"}, deployArgs, 2,
			[]string{`that is an availability zone; its region is "eu-west-1"`}},
		"a notification topic that is not an SNS ARN": {nil, append(deployArgs, "--notify-topic", "deploys"), 2,
			[]string{`--notify-topic "deploys" is not the ARN of an SNS topic`, "arn:aws:sns:", "nothing was changed"}},
		"a profile that does not exist": {[]string{"AWS_PROFILE=nope"}, append([]string{"status"}, target...), 5,
			[]string{"cannot load the AWS configuration", "nope", "AWS_PROFILE=NAME", "aws sso login"}},
	} {
		t.Run(name, func(t *testing.T) {
			runCLIEnv(t, bin, endpoint, c.env, c.args...).want(t, c.code, c.want...)
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d AWS calls; bad input must make none", n)
	}
}

// With no credentials anywhere the SDK's last word is the EC2 metadata service's; the CLI says
// instead how to give credentials.
func TestCLIMissingCredentialsSaysHowToGiveThem(t *testing.T) {
	bin := buildCLI(t)
	endpoint, calls := noAWS(t)
	var metadataCalls atomic.Int64
	// An EC2 instance without a role: its metadata service knows no credentials.
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metadataCalls.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(imds.Close)
	r := runCLIEnv(t, bin, endpoint, []string{
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "AWS_CONTAINER_CREDENTIALS_FULL_URI=",
		"AWS_WEB_IDENTITY_TOKEN_FILE=", "AWS_ROLE_ARN=", "AWS_EC2_METADATA_DISABLED=",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL,
	}, "status", "--cluster", "demo", "--service", "web")
	r.want(t, 5, "no AWS credentials found", "AWS_PROFILE=NAME", "aws sso login --profile NAME",
		"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", "instance profile", "AWS_WEB_IDENTITY_TOKEN_FILE", "nothing was changed")
	for _, raw := range []string{"IMDS", "ec2imds", "169.254"} {
		if strings.Contains(r.stderr, raw) {
			t.Errorf("the SDK's raw error (%s) reached the person:\n%s", raw, r.stderr)
		}
	}
	if metadataCalls.Load() == 0 {
		t.Error("the SDK never asked the metadata service: the test did not reach the case it is about")
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d AWS calls without credentials", n)
	}
}

// --help is an answer, not an error: exit 0 and the usage on stdout, for every command.
func TestCLIHelpExitsZero(t *testing.T) {
	bin := buildCLI(t)
	endpoint, _ := noAWS(t)
	for _, args := range [][]string{
		{"help"}, {"--help"}, {"-h"}, {"-help"},
		{"deploy", "--help"}, {"deploy", "-h"}, {"plan", "--help"}, {"rollback", "--help"}, {"status", "--help"},
	} {
		r := runCLIEnv(t, bin, endpoint, nil, args...)
		r.want(t, 0)
		if !strings.Contains(r.stdout, "usage") || !strings.Contains(r.stdout, "ecs-deploy") {
			t.Errorf("%v: stdout lacks the usage:\n%s", args, r.stdout)
		}
		if args[0] != "help" && !strings.HasPrefix(args[0], "-") && !strings.Contains(r.stdout, "-cluster") {
			t.Errorf("%v: stdout lacks the command's flags:\n%s", args, r.stdout)
		}
	}
}

// Run through go run, the next steps say go run, from the directory the person is in: the
// binary itself is not on the PATH. Twice, because go run builds into a temporary directory the
// first time and runs from its cache the next.
func TestCLIUnderGoRunNamesGoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command with go run")
	}
	for run := 1; run <= 2; run++ {
		_, url := serveFake(t, fakeaws.CrashLoop(50*time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		cmd, stdout, stderr := command(ctx, "go", url, append([]string{"run", "./cmd/ecs-deploy"}, fakeDeployArgs("--no-rollback")...)...)
		cmd.Dir = "../.." // the module's root, ci/, where the README runs it
		err := cmd.Run()
		cancel()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatalf("go run #%d: %v\n%s", run, err, stderr)
		}
		// go run exits 1 for any failure of the program and prints the program's own exit status.
		cliRun{code: exitErr.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}.want(t, 1,
			"exit status 3", "outcome=failed", "to roll back: go run ./cmd/ecs-deploy rollback --cluster demo --service web --to web:1")
	}
}

func TestInvocationOf(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module dagger/pipeline\n\ngo 1.26\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"cmd/ecs-deploy", "deploy"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	goRunExe := filepath.Join(os.TempDir(), "go-build123456", "b001", "exe", "ecs-deploy")
	// From Go 1.24 go run caches what it builds, and runs it from the build cache.
	cachedExe := filepath.Join(t.TempDir(), "go-build", "41", "4112be181d26194376c5aa4cc20a28f1dde4baddf883d51ca1d5c0b72c51cafc-d", "ecs-deploy")
	const pkg, module = "dagger/pipeline/cmd/ecs-deploy", "dagger/pipeline"
	for _, c := range []struct {
		name, arg0, exe, wd, want string
	}{
		{"installed", "/usr/local/bin/ecs-deploy", "/usr/local/bin/ecs-deploy", root, "ecs-deploy"},
		{"on PATH under another name", "deployer", "/opt/bin/deployer", root, "deployer"},
		{"go build output", "./ecs-deploy", filepath.Join(root, "ecs-deploy"), root, "ecs-deploy"},
		{"go run from the module root", goRunExe, goRunExe, root, "go run ./cmd/ecs-deploy"},
		{"go run from the command's directory", goRunExe, goRunExe, filepath.Join(root, "cmd/ecs-deploy"), "go run ."},
		{"go run from a sibling package", goRunExe, goRunExe, filepath.Join(root, "deploy"), "go run ../cmd/ecs-deploy"},
		{"go run outside the module", goRunExe, goRunExe, t.TempDir(), "go run ./cmd/ecs-deploy"},
		{"go run, cached", cachedExe, cachedExe, root, "go run ./cmd/ecs-deploy"},
		{"go run, cached, from the command's directory", cachedExe, cachedExe, filepath.Join(root, "cmd/ecs-deploy"), "go run ."},
		{"an exe directory elsewhere", "/opt/exe/ecs-deploy", "/opt/exe/ecs-deploy", root, "ecs-deploy"},
	} {
		if got := invocationOf(c.arg0, c.exe, c.wd, pkg, module); got != c.want {
			t.Errorf("%s: invocationOf = %q, want %q", c.name, got, c.want)
		}
	}
}

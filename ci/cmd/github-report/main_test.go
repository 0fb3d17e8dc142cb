package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

const (
	image       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	oldARN      = "arn:aws:ecs:eu-west-1:123456789012:task-definition/service:41"
	newARN      = "arn:aws:ecs:eu-west-1:123456789012:task-definition/service:42"
	secretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	token       = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
	delimiter   = "_GitHubActionsFileCommandDelimeter_" // go-githubactions' heredoc delimiter for GITHUB_OUTPUT
	secretMasks = "::add-mask::" + secretKey + "\n::add-mask::" + token + "\n"
)

// runner fakes what github-report sees of a GitHub Actions runner: its environment, stdout,
// the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and the deploy log in RUNNER_TEMP.
type runner struct {
	env                          map[string]string
	stdout                       bytes.Buffer
	outputFile, summaryFile, log string
}

func newRunner(t *testing.T, log string) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{
		outputFile:  filepath.Join(dir, "github_output"),
		summaryFile: filepath.Join(dir, "step_summary"),
		log:         filepath.Join(dir, "deploy.log"),
	}
	for path, contents := range map[string]string{r.outputFile: "", r.summaryFile: "", r.log: log} {
		if err := os.WriteFile(path, []byte(contents), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r.env = map[string]string{
		"GITHUB_ACTIONS":        "true",
		"GITHUB_OUTPUT":         r.outputFile,
		"GITHUB_STEP_SUMMARY":   r.summaryFile,
		"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLEACCESSKEY",
		"AWS_SECRET_ACCESS_KEY": secretKey,
		"AWS_SESSION_TOKEN":     token,
	}
	return r
}

func (r *runner) run(args ...string) int {
	return run(args, func(key string) string { return r.env[key] }, &r.stdout)
}

func (r *runner) check(t *testing.T, wantStdout, wantOutput, wantSummary string) {
	t.Helper()
	if got := r.stdout.String(); got != wantStdout {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, wantStdout)
	}
	if got := readFile(t, r.outputFile); got != wantOutput {
		t.Errorf("GITHUB_OUTPUT:\n%s\nwant:\n%s", got, wantOutput)
	}
	if got := readFile(t, r.summaryFile); got != wantSummary {
		t.Errorf("GITHUB_STEP_SUMMARY:\n%s\nwant:\n%s", got, wantSummary)
	}
	for _, secret := range []string{secretKey, token} {
		for what, text := range map[string]string{"GITHUB_OUTPUT": readFile(t, r.outputFile), "GITHUB_STEP_SUMMARY": readFile(t, r.summaryFile)} {
			if strings.Contains(text, secret) {
				t.Errorf("a secret reached %s", what)
			}
		}
		if strings.Count(r.stdout.String(), secret) > 1 {
			t.Error("a secret reached stdout beyond its ::add-mask::")
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func outputs(pairs ...string) string {
	var b strings.Builder
	for i := 0; i < len(pairs); i += 2 {
		b.WriteString(pairs[i] + "<<" + delimiter + "\n" + pairs[i+1] + "\n" + delimiter + "\n")
	}
	return b.String()
}

func TestSuccess(t *testing.T) {
	result := resultline.Result{
		Environment: "staging", Outcome: "succeeded", Cluster: "acme", Service: "service", Image: image,
		PreviousTaskDefinition: oldARN, TaskDefinition: newARN, DeploymentID: "ecs-svc/1234567890",
		DurationSeconds: 133.456, APICalls: 37,
	}
	// What `dagger call --progress=plain deploy ... 2>&1` prints: progress, then the returned report.
	log := "12:01:02 ┃ pipeline.deploy(env: \"staging\")\n" +
		"12:01:03 ┃ registered service:42\n" +
		"12:03:15 ┃ rollout complete\n" +
		"deploy to staging: succeeded\n" +
		"  revision: " + oldARN + " -> " + newARN + "\n" +
		resultline.Line(result) + "\n"
	r := newRunner(t, log)
	if code := r.run("--env=staging", "--log", r.log); code != 0 {
		t.Fatalf("exit code %d, stdout:\n%s", code, r.stdout.String())
	}
	r.check(t,
		secretMasks+
			"::notice title=Deploy to staging%3A succeeded::acme/service runs "+image+" on service:42 (was service:41); deployed in 2m13s\n",
		outputs("image", image, "task-definition-arn", newARN, "outcome", "succeeded"),
		"### Deploy to `staging`: succeeded\n"+
			"\n"+
			"| | |\n"+
			"| --- | --- |\n"+
			"| Environment | `staging` |\n"+
			"| Service | `acme/service` |\n"+
			"| Image | `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0` |\n"+
			"| Digest | `sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef` |\n"+
			"| Task definition | `service:41` → `service:42` |\n"+
			"| Duration | 2m13s |\n"+
			"| Outcome | succeeded |\n"+
			"| AWS API calls | 37 |\n"+
			"\n")
}

func TestRolledBackFailure(t *testing.T) {
	result := resultline.Result{
		Environment: "staging", Outcome: "rolled-back", Cluster: "acme", Service: "service", Image: image,
		PreviousTaskDefinition: oldARN, TaskDefinition: newARN, DeploymentID: "ecs-svc/1234567890",
		DurationSeconds: 301.2, APICalls: 58,
		Diagnosis: &resultline.Diagnosis{
			Summary: "task 1a2b stopped: Essential container in task exited (exit code 1)",
			Evidence: []string{
				"task 1a2b (service:42): exit code 1, reason: Essential container in task exited",
				"target 10.0.1.7:8080 in tg-web: unhealthy, Target.ResponseCodeMismatch",
				"container log: signing with " + secretKey + " failed",
			},
			ServiceState: "back on service:41, 2/2 running",
			NextSteps:    []string{"read the logs of task 1a2b in CloudWatch"},
		},
		Error: "deploy to staging: rolled-back",
	}
	// Dagger prints the function's error with its own prefixes; the result is its last line.
	log := "12:01:02 ┃ pipeline.deploy(env: \"staging\")\n" +
		"12:06:03 ┃ task 1a2b stopped: exit code 1\n" +
		"\x1b[31mError:\x1b[0m input: pipeline.deploy resolve: deploy to staging: rolled-back\n" +
		"  revision: " + oldARN + " -> " + newARN + "\n" +
		"[deploy] " + resultline.Line(result) + "\n"
	r := newRunner(t, log)
	if code := r.run("--env=staging", "--log="+r.log); code != 0 {
		t.Fatalf("the deploy step fails the job, not the report: exit code %d, stdout:\n%s", code, r.stdout.String())
	}
	r.check(t,
		secretMasks+
			"::group::Diagnosis of the deploy to staging\n"+
			"task 1a2b stopped: Essential container in task exited (exit code 1)\n"+
			"evidence:\n"+
			"  - task 1a2b (service:42): exit code 1, reason: Essential container in task exited\n"+
			"  - target 10.0.1.7:8080 in tg-web: unhealthy, Target.ResponseCodeMismatch\n"+
			"  - container log: signing with *** failed\n"+
			"service now: back on service:41, 2/2 running\n"+
			"next steps:\n"+
			"  - read the logs of task 1a2b in CloudWatch\n"+
			"\n"+
			"error: deploy to staging: rolled-back\n"+
			"::endgroup::\n"+
			"::error title=Deploy to staging%3A rolled-back::task 1a2b stopped: Essential container in task exited (exit code 1)\n",
		outputs("image", image, "task-definition-arn", newARN, "outcome", "rolled-back"),
		"### Deploy to `staging`: rolled-back\n"+
			"\n"+
			"| | |\n"+
			"| --- | --- |\n"+
			"| Environment | `staging` |\n"+
			"| Service | `acme/service` |\n"+
			"| Image | `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0` |\n"+
			"| Digest | `sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef` |\n"+
			"| Task definition | `service:41` → `service:42` |\n"+
			"| Duration | 5m1s |\n"+
			"| Outcome | rolled-back |\n"+
			"| AWS API calls | 58 |\n"+
			"\n"+
			"**Diagnosis**\n"+
			"\n"+
			"```text\n"+
			"task 1a2b stopped: Essential container in task exited (exit code 1)\n"+
			"evidence:\n"+
			"  - task 1a2b (service:42): exit code 1, reason: Essential container in task exited\n"+
			"  - target 10.0.1.7:8080 in tg-web: unhealthy, Target.ResponseCodeMismatch\n"+
			"  - container log: signing with *** failed\n"+
			"service now: back on service:41, 2/2 running\n"+
			"next steps:\n"+
			"  - read the logs of task 1a2b in CloudWatch\n"+
			"\n"+
			"error: deploy to staging: rolled-back\n"+
			"```\n"+
			"\n")
}

func TestLogWithoutResult(t *testing.T) {
	log := "12:00:01 ┃ pipeline.check\n" +
		"12:00:40 ┃ \x1b[31mgo vet: ./app/main.go:12: unreachable code\x1b[0m\n" +
		"Error: check failed: exit code 1\n"
	r := newRunner(t, log)
	if code := r.run("--log", r.log, "--env", "staging"); code != 1 {
		t.Fatalf("exit code %d, want 1; stdout:\n%s", code, r.stdout.String())
	}
	why := "the deploy stopped before it reached AWS (checks, build, publish or credentials) and printed no result. " +
		"Read the deploy step's log (saved on the runner as " + r.log + ") for the error."
	r.check(t,
		secretMasks+"::error title=Deploy to staging%3A no result::"+why+"\n",
		"",
		"### Deploy to `staging`: no result\n"+
			"\n"+
			"| | |\n"+
			"| --- | --- |\n"+
			"| Environment | `staging` |\n"+
			"| Outcome | no result |\n"+
			"\n"+
			"**Diagnosis**\n"+
			"\n"+
			"```text\n"+
			why+"\n"+
			"\n"+
			"last lines of the log:\n"+
			"12:00:01 ┃ pipeline.check\n"+
			"12:00:40 ┃ go vet: ./app/main.go:12: unreachable code\n"+
			"Error: check failed: exit code 1\n"+
			"```\n"+
			"\n")
}

func TestMissingLog(t *testing.T) {
	r := newRunner(t, "")
	missing := filepath.Join(t.TempDir(), "deploy.log")
	if code := r.run("--log", missing); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if out := r.stdout.String(); !strings.Contains(out, "::error title=Deploy%3A no result::cannot read the deploy log") ||
		!strings.Contains(out, "must pipe its output into it with `2>&1 | tee`") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestMangledResult(t *testing.T) {
	r := newRunner(t, "build ok\n"+resultline.Marker+`{"environment":"staging","outcome":"succ`+"\n")
	if code := r.run("--log", r.log, "--env=staging"); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if out := r.stdout.String(); !strings.Contains(out, "::error title=Deploy to staging%3A no result::"+r.log+": log line 2 carries") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestEnvironmentMismatch(t *testing.T) {
	r := newRunner(t, resultline.Line(resultline.Result{Environment: "prod", Outcome: "succeeded", Image: image})+"\n")
	if code := r.run("--log", r.log, "--env=staging"); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if out := r.stdout.String(); !strings.Contains(out, `holds a deploy to "prod", but --env says "staging"`) {
		t.Errorf("stdout:\n%s", out)
	}
	if got := readFile(t, r.outputFile); got != "" {
		t.Errorf("no outputs from another environment's result: %q", got)
	}
}

func TestEnvFlagFillsAMissingEnvironment(t *testing.T) {
	r := newRunner(t, resultline.Line(resultline.Result{Outcome: "unchanged", PreviousTaskDefinition: oldARN, TaskDefinition: oldARN})+"\n")
	if code := r.run("--log", r.log, "--env=dev"); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if want := secretMasks + "::notice title=Deploy to dev%3A unchanged::dev runs the image on service:41, unchanged\n"; r.stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout.String(), want)
	}
}

func TestOutsideActionsPrintsTheSummary(t *testing.T) {
	r := newRunner(t, resultline.Line(resultline.Result{Environment: "dev", Outcome: "failed", Error: "AccessDenied: ecs:DescribeServices"})+"\n")
	delete(r.env, "GITHUB_ACTIONS")
	if code := r.run("--log", r.log); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	want := "### Deploy to `dev`: failed\n\n| | |\n| --- | --- |\n| Environment | `dev` |\n| Outcome | failed |\n\n" +
		"**Diagnosis**\n\n```text\nerror: AccessDenied: ecs:DescribeServices\n" +
		"next step: fix the error, then deploy again: dagger call deploy --env=dev\n```\n"
	r.check(t, want, "", "")
}

// In a run, the diagnosis names the workflow to re-run and the module's commands for the rest.
func TestNextStepsNameTheWorkflowToRerun(t *testing.T) {
	result := resultline.Result{
		Environment: "prod", Outcome: "failed", Cluster: "acme", Service: "service", Image: image,
		PreviousTaskDefinition: oldARN, TaskDefinition: newARN,
		Diagnosis: &resultline.Diagnosis{
			Summary: "lost sight of deployment ecs-svc/1: AccessDenied",
			// What the Dagger module printed; the report words the actions itself.
			NextSteps: []string{"dagger call status --env=prod", "dagger call rollback --env=prod --to=service:41"},
			Steps: []report.Step{
				{Action: report.Status},
				{Note: "to roll back", Action: report.Rollback, Revision: "service:41"},
				{Note: "fix the cause above, then deploy again", Action: report.Deploy},
			},
		},
	}
	r := newRunner(t, resultline.Line(result)+"\n")
	for k, v := range map[string]string{"GITHUB_WORKFLOW": "deploy-prod", "GITHUB_SERVER_URL": "https://github.com",
		"GITHUB_REPOSITORY": "acme/service", "GITHUB_RUN_ID": "4242"} {
		r.env[k] = v
	}
	if code := r.run("--env=prod", "--log", r.log); code != 0 {
		t.Fatalf("exit code %d, stdout:\n%s", code, r.stdout.String())
	}
	wantSteps := "next steps:\n" +
		"  - dagger call status --env=prod\n" +
		"  - to roll back: dagger call rollback --env=prod --to=service:41\n" +
		"  - fix the cause above, then deploy again: re-run the workflow \"deploy-prod\" (https://github.com/acme/service/actions/runs/4242)\n"
	if summary := readFile(t, r.summaryFile); !strings.Contains(summary, wantSteps) {
		t.Errorf("step summary lacks\n%s\nin\n%s", wantSteps, summary)
	}
	if out := r.stdout.String(); !strings.Contains(out, wantSteps) {
		t.Errorf("the diagnosis group lacks\n%s\nin\n%s", wantSteps, out)
	}
}

func TestHelpIsReadableAndExitsZero(t *testing.T) {
	for _, flag := range []string{"-help", "--help", "-h"} {
		r := newRunner(t, "")
		if code := r.run(flag); code != 0 {
			t.Errorf("%s: exit code %d, want 0", flag, code)
		}
		out := r.stdout.String()
		for _, want := range []string{"usage: github-report --log FILE [--env NAME]", "tee FILE", "  -log FILE\n", "  -env NAME\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: help lacks %q:\n%s", flag, want, out)
			}
		}
		// The flag package reads a back-quoted word in a usage as the flag's value name.
		if strings.Contains(out, "-log dagger") {
			t.Errorf("%s: a shell command became the value's name:\n%s", flag, out)
		}
	}
}

// The report runs on the runner with setup-go: it must not build the AWS SDK, nor the engine.
func TestLinksNoAWSNorTheEngine(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "dagger/pipeline/ghactions") {
		t.Fatalf("go list -deps lists no ghactions: is this the report's package?\n%s", out)
	}
	for _, dep := range deps {
		if strings.HasPrefix(dep, "github.com/aws/") || dep == "dagger/pipeline/deploy" || dep == "dagger/pipeline/internal/dagger" ||
			dep == "dagger/pipeline" {
			t.Errorf("github-report depends on %s", dep)
		}
	}
}

func TestReportingFailureExitsNonZero(t *testing.T) {
	r := newRunner(t, resultline.Line(resultline.Result{Environment: "staging", Outcome: "succeeded", Image: image})+"\n")
	r.env["GITHUB_OUTPUT"] = ""
	if code := r.run("--log", r.log); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if out := r.stdout.String(); !strings.Contains(out, `github-report: cannot set output "image": GITHUB_OUTPUT is not set`) {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(readFile(t, r.summaryFile), "### Deploy to `staging`: succeeded") {
		t.Error("one failed file command must not stop the others")
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{nil, {"--log"}, {"--log", "x", "extra"}, {"--nope"}} {
		r := newRunner(t, "")
		if code := r.run(args...); code != 2 {
			t.Errorf("%q: exit code %d, want 2", args, code)
		}
		if r.stdout.Len() == 0 {
			t.Errorf("%q: no usage message", args)
		}
	}
}

func TestLogTailOfALongLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deploy.log")
	var log strings.Builder
	for i := 0; log.Len() < 3*tailMaxBytes; i++ {
		log.WriteString(strings.Repeat("é", 50) + "\n")
	}
	log.WriteString("Error: publish: push denied\n")
	if err := os.WriteFile(path, []byte(log.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tail := logTail(path)
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(tail, "\n\nlast lines of the log:\n"), "\n"), "\n")
	if len(lines) != tailLines || lines[len(lines)-1] != "Error: publish: push denied" || lines[0] != strings.Repeat("é", 50) {
		t.Errorf("tail of %d lines:\n%s", len(lines), tail)
	}
	if logTail(filepath.Join(dir, "missing")) != "" {
		t.Error("an unreadable log has no tail")
	}
}

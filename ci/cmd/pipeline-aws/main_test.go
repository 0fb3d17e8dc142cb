package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/internal/moto"
)

const (
	// moto's account and the environment's, as its credentials' STS identity.
	motoAccount = "123456789012"
	secretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	liveImage   = motoAccount + ".dkr.ecr.us-east-1.amazonaws.com/acme/service@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	newImage    = motoAccount + ".dkr.ecr.us-east-1.amazonaws.com/acme/service@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// The point of this command: the Dagger module, which every `dagger call` compiles on a new
// engine, links no AWS SDK.
func TestTheModuleLinksNoAWSSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "dagger/pipeline").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !strings.Contains(string(out), "dagger/pipeline/environments") {
		t.Fatalf("go list -deps of the module lists no environments package: is it the module?\n%s", out)
	}
	for _, dep := range deps {
		if strings.HasPrefix(dep, "github.com/aws/") || dep == "dagger/pipeline/deploy" {
			t.Errorf("the Dagger module links %s: make its AWS calls in a step of cmd/pipeline-aws", dep)
		}
	}
}

// repository makes a repository root with an environments file whose environment prod is in
// the account, with the extra keys, and runs the test there.
func repository(t *testing.T, accountID string, extra map[string]any) {
	t.Helper()
	env := map[string]any{
		"region": "us-east-1", "accountId": accountID, "ecrRepository": "acme/service",
		"cluster": "prod", "service": "app", "container": "app", "taskDefinition": "live",
		"smokeTestURL": "none",
	}
	for k, v := range extra {
		env[k] = v
	}
	data, err := json.Marshal(map[string]any{"environments": map[string]any{"prod": env}})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(daggercall.EnvironmentsFile)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
}

// step runs a step as the module does, against the endpoint, and returns its answer and progress.
func step(t *testing.T, endpoint string, args ...string) (daggercall.Answer, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	answerFile := filepath.Join(t.TempDir(), "answer.json")
	env := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_ENDPOINT_URL": endpoint,
	}
	var progress bytes.Buffer
	args = append(args[:1:1], append([]string{"--answer", answerFile, "--env", "prod"}, args[1:]...)...)
	if err := run(ctx, args, &progress, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	data, err := os.ReadFile(answerFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(secretKey)) || strings.Contains(progress.String(), secretKey) {
		t.Errorf("%v: the secret key is in the answer or the progress", args)
	}
	if info, err := os.Stat(answerFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("answer file: %v, %v; want it readable by its owner only (it may hold a registry password)", info, err)
	}
	var answer daggercall.Answer
	if err := json.Unmarshal(data, &answer); err != nil {
		t.Fatalf("%v answered %s: %v", args, data, err)
	}
	return answer, progress.String()
}

func TestStepsAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv.Service(t, "prod", "app", liveImage)
	repository(t, motoAccount, nil)

	t.Run("prepare logs in to the environment's registry", func(t *testing.T) {
		answer, _ := step(t, srv.Endpoint, "prepare", "--registry-login")
		if answer.Error != "" || answer.Registry == nil || answer.Registry.Username != "AWS" || answer.Registry.Password == "" {
			t.Errorf("answer = %+v, want an ECR login for user AWS", answer)
		}
		answer, _ = step(t, srv.Endpoint, "prepare")
		if answer != (daggercall.Answer{}) {
			t.Errorf("prepare without --registry-login = %+v, want the account checked and nothing more", answer)
		}
	})
	t.Run("status and doctor", func(t *testing.T) {
		answer, _ := step(t, srv.Endpoint, "status")
		if answer.Error != "" || !strings.Contains(answer.Output, "app:1") {
			t.Errorf("status = %+v, want the service's revision app:1", answer)
		}
		answer, _ = step(t, srv.Endpoint, "doctor")
		if answer.Error != "" || answer.Output == "" {
			t.Errorf("doctor = %+v, want its report", answer)
		}
	})
	t.Run("plan and deploy", func(t *testing.T) {
		answer, _ := step(t, srv.Endpoint, "plan", "--image", newImage)
		if answer.Error != "" || !strings.Contains(answer.Output, "plan for prod (nothing was changed)") ||
			!strings.Contains(answer.Output, `"`+liveImage+`" → "`+newImage+`"`) {
			t.Errorf("plan = %+v, want the image's change", answer)
		}
		answer, _ = step(t, srv.Endpoint, "deploy", "--image", liveImage, "--given-image")
		if answer.Error != "" || !strings.Contains(answer.Output, `"outcome":"unchanged"`) || answer.Image != liveImage {
			t.Errorf("deploy of the running image = %+v, want it unchanged, with its result line", answer)
		}
	})
	t.Run("an environment not in the file", func(t *testing.T) {
		answerFile := filepath.Join(t.TempDir(), "answer.json")
		if err := run(ctx, []string{"status", "--answer", answerFile, "--env", "nope"}, new(bytes.Buffer), os.Getenv); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(answerFile)
		if !strings.Contains(string(data), `nope`) {
			t.Errorf("answer %s, want the unknown environment named", data)
		}
	})
	t.Run("the module's mistakes", func(t *testing.T) {
		for _, args := range [][]string{nil, {"frobnicate", "--answer", "a", "--env", "prod"}, {"status", "--env", "prod"}, {"status", "--bogus"}} {
			if err := run(ctx, args, new(bytes.Buffer), os.Getenv); err == nil {
				t.Errorf("run %v: no error", args)
			}
		}
	})
}

// Credentials of another account change nothing: every step stops at the account check.
func TestAnotherAccountIsRefused(t *testing.T) {
	srv := moto.Start(t)
	repository(t, "222222222222", nil)
	for _, args := range [][]string{{"prepare", "--registry-login"}, {"deploy", "--image", newImage}, {"rollback"}, {"status"}, {"plan", "--image", newImage}} {
		answer, _ := step(t, srv.Endpoint, args...)
		if !strings.Contains(answer.Error, "credentials belong to account "+motoAccount) || answer.Registry != nil || answer.Output != "" {
			t.Errorf("%v = %+v, want the account refused", args, answer)
		}
	}
}

// A deploy that failed before it changed anything is told to the team, with why.
func TestNotifyTellsTheTeam(t *testing.T) {
	srv := moto.Start(t)
	topic, received := srv.Subscribed(t, "deploys")
	repository(t, motoAccount, map[string]any{"notifyTopic": topic})
	why := filepath.Join(t.TempDir(), "error.txt")
	if err := os.WriteFile(why, []byte("test: TestHealth failed in app/main_test.go"), 0o644); err != nil {
		t.Fatal(err)
	}
	answer, _ := step(t, srv.Endpoint, "notify", "--error-file", why, "--run-url", "https://ci.example/run/7")
	if answer != (daggercall.Answer{}) {
		t.Fatalf("notify = %+v, want nothing to say", answer)
	}
	got := received()
	if len(got) != 1 {
		t.Fatalf("the topic's subscriber received %d messages, want the one notification", len(got))
	}
	body := got[0]
	for _, want := range []string{"TestHealth failed", "https://ci.example/run/7", "prod"} {
		if !strings.Contains(body, want) {
			t.Errorf("notification %s lacks %q", body, want)
		}
	}
}

// The site's steps: a plan that changes nothing, a deploy, and bad input named by its key.
func TestSiteAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	distribution := srv.Site(t, "acme-web", true)
	repository(t, motoAccount, map[string]any{"site": map[string]any{"directory": "app/site", "bucket": "acme-web", "distributionId": distribution}})
	if err := os.MkdirAll(filepath.Join("app", "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("app", "site", "index.html"), []byte("<!doctype html><title>acme</title>"), 0o644); err != nil {
		t.Fatal(err)
	}
	answer, _ := step(t, srv.Endpoint, "site", "--action", "plan")
	if answer.Error != "" || !strings.Contains(answer.Output, "site app/site to s3://acme-web behind "+distribution) || !strings.Contains(answer.Output, "index.html") {
		t.Errorf("site plan = %+v, want the upload of index.html", answer)
	}
	answer, progress := step(t, srv.Endpoint, "site", "--action", "deploy")
	if answer.Error != "" || !strings.Contains(answer.Output, "site deploy: succeeded") || progress == "" {
		t.Errorf("site deploy = %+v (progress %q), want it shipped, its progress told", answer, progress)
	}
	answer, _ = step(t, srv.Endpoint, "site", "--action", "frobnicate")
	if !strings.Contains(answer.Error, `unknown action "frobnicate"`) {
		t.Errorf("site frobnicate = %+v, want the action refused", answer)
	}

	repository(t, motoAccount, map[string]any{"site": map[string]any{"directory": "app/site", "bucket": "acme-nowhere", "distributionId": distribution}})
	if err := os.MkdirAll(filepath.Join("app", "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("app", "site", "index.html"), []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	answer, _ = step(t, srv.Endpoint, "site", "--action", "deploy")
	if !strings.Contains(answer.Error, `("site.bucket" of environment "prod" in ci/environments.json)`) {
		t.Errorf("site deploy to a missing bucket = %+v, want the bucket named by its key", answer)
	}
}

// validate judges the task definitions as the deploy does, and needs neither AWS nor --env.
func TestValidate(t *testing.T) {
	repository(t, motoAccount, map[string]any{"taskDefinition": "deploy/app.json"})
	if err := os.MkdirAll("deploy", 0o755); err != nil {
		t.Fatal(err)
	}
	validate := func() daggercall.Answer {
		t.Helper()
		answerFile := filepath.Join(t.TempDir(), "answer.json")
		if err := run(context.Background(), []string{"validate", "--answer", answerFile, "--file", daggercall.EnvironmentsFile}, new(bytes.Buffer), func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(answerFile)
		if err != nil {
			t.Fatal(err)
		}
		var answer daggercall.Answer
		if err := json.Unmarshal(data, &answer); err != nil {
			t.Fatal(err)
		}
		return answer
	}
	if err := os.WriteFile(filepath.Join("deploy", "app.json"), []byte(`{"family":"app","containerDefinitions":[{"name":"app","image":"x","memory":128}],"cpuu":"256"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if answer := validate(); !strings.Contains(answer.Error, `"deploy/app.json" is not a task definition the deploy can register`) || !strings.Contains(answer.Error, "cpuu") {
		t.Errorf("validate of a task definition with a typo = %+v, want the file and the field named", answer)
	}
	if err := os.WriteFile(filepath.Join("deploy", "app.json"), []byte(`{"family":"app","containerDefinitions":[{"name":"app","image":"x","memory":128}],"cpu":"256"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if answer := validate(); answer.Error != "" || answer.Output != "ci/environments.json: 1 environments, all valid: prod\n" {
		t.Errorf("validate = %+v, want the environment valid", answer)
	}
	if err := run(context.Background(), []string{"validate", "--answer", "a"}, new(bytes.Buffer), os.Getenv); err == nil {
		t.Error("validate without --file: no error")
	}
}

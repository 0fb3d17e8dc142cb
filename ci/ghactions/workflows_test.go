package ghactions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dagger/pipeline/environments"
)

// The workflows and buildspec.yml are thin; these tests keep them in step with
// the Go side: the Dagger version of dagger.json, the environment names of
// environments.json and the event each environment deploys on.

var repoRoot = filepath.Join("..", "..")

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func engineVersion(t *testing.T) string {
	t.Helper()
	var module struct {
		EngineVersion string `json:"engineVersion"`
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, "dagger.json")), &module); err != nil {
		t.Fatal(err)
	}
	if module.EngineVersion == "" {
		t.Fatal("dagger.json has no engineVersion")
	}
	return strings.TrimPrefix(module.EngineVersion, "v")
}

func TestDaggerVersionMatchesEngineVersion(t *testing.T) {
	want := engineVersion(t)
	for _, name := range workflowFiles(t) {
		wf := readRepoFile(t, ".github/workflows/"+name)
		versions := regexp.MustCompile(`(?m)^\s+version: "([^"]+)"`).FindAllStringSubmatch(wf, -1)
		uses := strings.Count(wf, "uses: dagger/dagger-for-github@")
		if uses == 0 || len(versions) != uses {
			t.Errorf("%s: every dagger/dagger-for-github step needs a quoted version (found %d steps, %d versions)", name, uses, len(versions))
		}
		for _, v := range versions {
			if v[1] != want {
				t.Errorf("%s pins Dagger %q, dagger.json says %q", name, v[1], want)
			}
		}
	}
	buildspec := readRepoFile(t, "buildspec.yml")
	if !strings.Contains(buildspec, `DAGGER_VERSION: "`+want+`"`) {
		t.Errorf("buildspec.yml must pin DAGGER_VERSION %q", want)
	}
}

func TestDeployWorkflowsMatchEnvironments(t *testing.T) {
	cfg, err := environments.LoadFile(filepath.Join(repoRoot, "ci", "environments.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file, event, ref  string
		githubEnvironment string
	}{
		{"deploy-staging.yml", "push", "refs/heads/main", "staging"},
		{"deploy-prod.yml", "release", "refs/tags/v1.0.0", "production"},
	}
	// The credentials are the constructor's: they come before the function.
	deployFlag := regexp.MustCompile(`dagger call --progress=plain(?:\s+--aws-[a-z-]+=env://[A-Z_]+){3}\s+deploy --env=([a-z0-9-]+)`)
	envFlag := regexp.MustCompile(`--env=([a-z0-9-]+)`)
	for _, tt := range tests {
		wf := readRepoFile(t, ".github/workflows/"+tt.file)
		deploys := deployFlag.FindAllStringSubmatch(wf, -1)
		if len(deploys) != 1 {
			t.Errorf("%s: want exactly one `dagger call --progress=plain --aws-…=env://… (three) deploy --env=NAME`, found %v", tt.file, deploys)
			continue
		}
		want, err := cfg.ForEvent(tt.event, tt.ref)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if deploys[0][1] != want.Name {
			t.Errorf("%s deploys --env=%s, but environments.json deploys %q on %s %s", tt.file, deploys[0][1], want.Name, tt.event, tt.ref)
		}
		// The report checks the result against its --env: both must name the same environment.
		for _, flag := range envFlag.FindAllStringSubmatch(wf, -1) {
			if flag[1] != want.Name {
				t.Errorf("%s: --env=%s, but the workflow deploys %q", tt.file, flag[1], want.Name)
			}
		}
		reporting := []string{
			`2>&1 | tee "$RUNNER_TEMP/deploy.log"`,
			`go run ./cmd/github-report --env=` + want.Name + ` --log "$RUNNER_TEMP/deploy.log"`,
			"working-directory: ci",
			"if: always()",
			"go-version-file: ci/go.mod",
			"image: ${{ steps.report.outputs.image }}",
			"task-definition-arn: ${{ steps.report.outputs.task-definition-arn }}",
		}
		for _, line := range reporting {
			if !strings.Contains(wf, line) {
				t.Errorf("%s lacks %q: the deploy's log must reach cmd/github-report, which reports to GitHub", tt.file, line)
			}
		}
		if want.RequiresApproval != (tt.githubEnvironment == "production") {
			t.Errorf("%s: requiresApproval of %q is %v; only the production GitHub environment has reviewers", tt.file, want.Name, want.RequiresApproval)
		}
		for _, line := range []string{
			"environment: " + tt.githubEnvironment,
			"id-token: write",
			"contents: read",
			"cancel-in-progress: false",
			"fetch-depth: 0",
			"--aws-access-key-id=env://AWS_ACCESS_KEY_ID",
			"--aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY",
			"--aws-session-token=env://AWS_SESSION_TOKEN",
		} {
			if !strings.Contains(wf, line) {
				t.Errorf("%s lacks %q", tt.file, line)
			}
		}
		if strings.Contains(wf, "secrets.AWS_") {
			t.Errorf("%s must assume a role through OIDC, not read stored AWS keys", tt.file)
		}
	}
}

// workflowFiles names every workflow in .github/workflows.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, ".github", "workflows"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yml") || strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no workflows in .github/workflows")
	}
	return names
}

func TestPullRequestWorkflowsNeedNoCloudAccess(t *testing.T) {
	for file, call := range map[string]string{"ci.yml": "call: check", "pipeline.yml": "call: lint --pipeline"} {
		wf := readRepoFile(t, ".github/workflows/"+file)
		for _, forbidden := range []string{"id-token: write", "configure-aws-credentials", "deploy"} {
			if strings.Contains(wf, forbidden) {
				t.Errorf("%s runs on untrusted pull requests and must not contain %q", file, forbidden)
			}
		}
		if !strings.Contains(wf, call) || !strings.Contains(wf, "pull_request:") {
			t.Errorf("%s must run `dagger %s` on pull requests", file, strings.TrimPrefix(call, "call: "))
		}
	}
}

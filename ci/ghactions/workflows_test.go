package ghactions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

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

// prereleaseConditions are the if: conditions (as expression returns them) that skip a job for a
// pre-release; any one of them, joined to others with &&, keeps the job from running for one.
var prereleaseConditions = []string{
	"!github.event.release.prerelease",
	"!(github.event.release.prerelease)",
	"github.event.release.prerelease==false",
	"false==github.event.release.prerelease",
}

// prereleaseProblems lists the jobs of wf that can run for a pre-release. GitHub sends
// release:published (and created, released…) for pre-releases too, so a workflow triggered by
// release events must skip them in every job's if:.
func prereleaseProblems(wf *parsedWorkflow) []string {
	if !slices.Contains(wf.triggers(), "release") {
		return nil
	}
	var problems []string
	for _, job := range wf.jobs() {
		where := fmt.Sprintf("%s: job %s", wf.file, job.name)
		cond := ""
		if n := mapValue(job.node, "if"); n != nil {
			cond = expression(n.Value)
		}
		switch {
		case cond == "":
			problems = append(problems, where+" has no if:, so it runs for a pre-release; add `if: ${{ !github.event.release.prerelease }}`")
		case strings.Contains(cond, "||"):
			problems = append(problems, fmt.Sprintf("%s: if: %s has an ||, which can let a pre-release through; skip pre-releases with && only", where, cond))
		case !slices.ContainsFunc(strings.Split(cond, "&&"), func(c string) bool { return slices.Contains(prereleaseConditions, c) }):
			problems = append(problems, fmt.Sprintf("%s: if: %s does not skip a pre-release; add && !github.event.release.prerelease", where, cond))
		}
	}
	return problems
}

func TestProdWorkflowSkipsPreReleases(t *testing.T) {
	var releaseWorkflows []string
	for _, wf := range loadWorkflows(t) {
		if slices.Contains(wf.triggers(), "release") {
			releaseWorkflows = append(releaseWorkflows, wf.file)
		}
		for _, p := range prereleaseProblems(wf) {
			t.Error(p)
		}
	}
	if !slices.Contains(releaseWorkflows, "deploy-prod.yml") {
		t.Errorf("deploy-prod.yml must run on release events, found them in %v", releaseWorkflows)
	}
}

func TestPrereleaseCheckCatchesMistakes(t *testing.T) {
	tests := []struct {
		on, cond string
		want     string // a substring of the one problem, or "" for none
	}{
		{"{release: {types: [published]}}", "${{ !github.event.release.prerelease }}", ""},
		{"release", "github.event.release.prerelease == false", ""},
		{"[release, workflow_dispatch]", "${{ github.repository == 'acme/service' && !github.event.release.prerelease }}", ""},
		{"push", "", ""},
		{"{release: {types: [published]}}", "", "has no if:"},
		{"release", "${{ !github.event.release.prerelease || github.event_name == 'release' }}", "has an ||"},
		{"release", "always()", "does not skip a pre-release"},
		{"release", "github.event.release.prerelease", "does not skip a pre-release"},
		{"release", "!github.event.release.draft", "does not skip a pre-release"},
	}
	for _, tt := range tests {
		doc := "on: " + tt.on + "\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
		if tt.cond != "" {
			doc += "    if: " + strconv.Quote(tt.cond) + "\n"
		}
		wf, err := parseWorkflow("t.yml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if tt.want != "" {
			want = []string{tt.want}
		}
		matchProblems(t, fmt.Sprintf("on: %s, if: %s", tt.on, tt.cond), prereleaseProblems(wf), want)
	}
}

// What a deploy job can take, for sizing its timeout and its credentials. The deploy holds the
// credentials it was given for its whole run (a Dagger secret cannot be refreshed), and after a
// failed rollout it watches the rollback as long as the rollout.
const (
	buildBudget    = 15 * time.Minute // a fresh runner: the engine, the module, check and publish
	derivedWaitCap = 30 * time.Minute // deploy's maxTimeout: the longest wait it derives when waitTimeout is unset
	jobAllowance   = 10 * time.Minute // the circuit breaker's grace, the smoke test, setup and the report
	maxRoleSeconds = 43200            // the longest session STS grants
)

var deployEnvFlag = regexp.MustCompile(`\bdeploy --env=([a-z0-9-]+)`)

// credentialProblems checks every job of wf that configures AWS credentials: its timeout-minutes
// covers a deploy's build, wait and rollback (wait gives an environment's wait), and its
// role-duration-seconds outlives the job.
func credentialProblems(wf *parsedWorkflow, wait func(env string) (time.Duration, error)) []string {
	var problems []string
	for _, job := range wf.jobs() {
		var creds *yaml.Node
		var envs []string
		for _, step := range job.steps() {
			if u := mapValue(step, "uses"); u != nil && strings.HasPrefix(u.Value, "aws-actions/configure-aws-credentials@") {
				creds = mapValue(step, "with")
				if creds == nil {
					creds = &yaml.Node{Kind: yaml.MappingNode}
				}
			}
			if run := mapValue(step, "run"); run != nil {
				for _, m := range deployEnvFlag.FindAllStringSubmatch(run.Value, -1) {
					envs = append(envs, m[1])
				}
			}
		}
		if creds == nil {
			continue
		}
		where := fmt.Sprintf("%s: job %s", wf.file, job.name)
		timeout, err := intValue(mapValue(job.node, "timeout-minutes"))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: timeout-minutes: %v; set it, or the job may run 6 h on credentials of 1 h", where, err))
			continue
		}
		for _, env := range envs {
			w, err := wait(env)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", where, err))
				continue
			}
			need := buildBudget + 2*w + jobAllowance
			if time.Duration(timeout)*time.Minute < need {
				problems = append(problems, fmt.Sprintf("%s: timeout-minutes: %d is shorter than a deploy to %s can take: %s to build + %s to wait + %s for a rollback + %s = %d min",
					where, timeout, env, buildBudget, w, w, jobAllowance, int(need.Minutes())))
			}
		}
		seconds, err := intValue(mapValue(creds, "role-duration-seconds"))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: role-duration-seconds: %v; the default (3600) can expire before the job ends, set it to timeout-minutes × 60 = %d", where, err, timeout*60))
		case seconds < timeout*60:
			problems = append(problems, fmt.Sprintf("%s: role-duration-seconds: %d expires before the job's timeout (%d min = %d s)", where, seconds, timeout, timeout*60))
		case seconds > maxRoleSeconds:
			problems = append(problems, fmt.Sprintf("%s: role-duration-seconds: %d is more than STS grants (%d)", where, seconds, maxRoleSeconds))
		}
	}
	return problems
}

func intValue(n *yaml.Node) (int, error) {
	if n == nil {
		return 0, errors.New("not set")
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a positive number", n.Value)
	}
	return v, nil
}

func TestCredentialsOutliveDeployJobs(t *testing.T) {
	cfg, err := environments.LoadFile(filepath.Join(repoRoot, "ci", "environments.json"))
	if err != nil {
		t.Fatal(err)
	}
	wait := func(name string) (time.Duration, error) {
		env, err := cfg.Get(name)
		if err != nil {
			return 0, err
		}
		if env.WaitTimeout == 0 {
			return derivedWaitCap, nil
		}
		return env.WaitTimeout, nil
	}
	var checked int
	for _, wf := range loadWorkflows(t) {
		if strings.Contains(readRepoFile(t, ".github/workflows/"+wf.file), "configure-aws-credentials") {
			checked++
		}
		for _, p := range credentialProblems(wf, wait) {
			t.Error(p)
		}
	}
	if checked < 2 {
		t.Errorf("want the staging and prod workflows to configure AWS credentials, found %d workflows", checked)
	}
}

func TestCredentialCheckCatchesMistakes(t *testing.T) {
	wait := func(env string) (time.Duration, error) {
		if env != "prod" {
			return 0, fmt.Errorf("unknown environment %q", env)
		}
		return 20 * time.Minute, nil
	}
	job := func(timeout, duration string) string {
		doc := "on: push\njobs:\n  deploy:\n"
		if timeout != "" {
			doc += "    timeout-minutes: " + timeout + "\n"
		}
		doc += "    steps:\n      - uses: aws-actions/configure-aws-credentials@" + strings.Repeat("a", 40) + " # v6.1.0\n        with:\n          aws-region: eu-west-1\n"
		if duration != "" {
			doc += "          role-duration-seconds: " + duration + "\n"
		}
		return doc + "      - run: dagger call deploy --env=prod\n"
	}
	tests := []struct {
		doc  string
		want []string
	}{
		{job("65", "3900"), nil},
		{job("65", "7200"), nil},
		{job("", "3900"), []string{"timeout-minutes: not set"}},
		{job("60", "3600"), []string{"timeout-minutes: 60 is shorter than a deploy to prod can take"}},
		{job("65", ""), []string{"role-duration-seconds: not set"}},
		{job("65", "3600"), []string{"role-duration-seconds: 3600 expires before the job's timeout (65 min = 3900 s)"}},
		{job("65", "${{ vars.SECONDS }}"), []string{"is not a positive number"}},
		{job("65", "50000"), []string{"more than STS grants"}},
		{strings.Replace(job("65", "3900"), "--env=prod", "--env=qa", 1), []string{`unknown environment "qa"`}},
	}
	for i, tt := range tests {
		wf, err := parseWorkflow("t.yml", []byte(tt.doc))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		matchProblems(t, fmt.Sprintf("case %d", i), credentialProblems(wf, wait), tt.want)
	}
}

//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPipeline runs every documented call in the order a user meets them, on one workspace so the
// engine's caches carry from call to call as they do on a laptop.
func TestPipeline(t *testing.T) {
	w := newWorkspace(t, t.TempDir(), true, addTestEnvironments)
	t.Run("check", func(t *testing.T) { testCheck(t, w) })
	t.Run("check failures", func(t *testing.T) { testCheckFailures(t, w) })
	t.Run("build", func(t *testing.T) { testBuild(t, w) })
	t.Run("container", func(t *testing.T) { testContainer(t, w) })
	t.Run("dev", func(t *testing.T) { testDev(t, w) })
	t.Run("serve", func(t *testing.T) { testServe(t, w) })
	t.Run("validate", func(t *testing.T) { testValidate(t, w) })
	t.Run("deploy local", func(t *testing.T) { testDeployLocal(t, w) })
	t.Run("aws", func(t *testing.T) { testAWS(t, w) })
	t.Run("dotenv", func(t *testing.T) { testDotEnv(t, w) })
	t.Run("interactive", func(t *testing.T) { testInteractive(t, w) })
	t.Run("publish", func(t *testing.T) { testPublish(t, w) })
	t.Run("without git", func(t *testing.T) { testWithoutGit(t) })
}

// addTestEnvironments gives the workspace's environments.json what the suite deploys to: a local
// environment that gives up sooner, and ECS environments served by the scenario fake and moto
// (one of them promoted from another).
func addTestEnvironments(t *testing.T, dir string) {
	ecs := func(cluster, service, account string) map[string]any {
		return map[string]any{
			"region": "us-east-1", "accountId": account, "ecrRepository": "web",
			"cluster": cluster, "service": service, "container": "app", "taskDefinition": "live",
			"requiresApproval": false, "smokeTestURL": "none", "waitTimeout": "2m",
		}
	}
	editJSON(t, filepath.Join(dir, "ci", "environments.json"), func(doc map[string]any) {
		envs := doc["environments"].(map[string]any)
		envs["local"].(map[string]any)["waitTimeout"] = "40s"
		envs["fake"] = ecs("demo", "web", motoAccount)
		envs["other-account"] = ecs("demo", "web", "999999999999")
		envs["moto"] = ecs(motoCluster, motoService, motoAccount)
		// Deploys what fake deployed for the commit, the way prod takes staging's digest.
		envs["fake-promoted"] = ecs("demo", "web", motoAccount)
		envs["fake-promoted"].(map[string]any)["promoteFrom"] = "fake"
		// Runs the sample app's migration before each rollout.
		envs["fake-migrate"] = ecs("demo", "web", motoAccount)
		envs["fake-migrate"].(map[string]any)["migration"] = map[string]any{"command": []string{"/app/service", "migrate"}, "timeout": "1m"}
		// Deploys web and a queue worker without a load balancer as one release.
		release := ecs("demo", "", motoAccount)
		delete(release, "service")
		delete(release, "container")
		delete(release, "taskDefinition")
		release["services"] = []map[string]any{
			{"service": "web", "container": "app", "taskDefinition": "live"},
			{"service": "worker", "container": "worker", "taskDefinition": "live"},
		}
		envs["fake-services"] = release
		// Ships app/site to moto's S3 and CloudFront after each rollout; testSite sets the ID of
		// the distribution moto made.
		envs["fake-site"] = ecs("demo", "web", motoAccount)
		envs["fake-site"].(map[string]any)["site"] = map[string]any{"directory": "app/site", "bucket": siteBucket, "distributionId": "E2E0000000000", "invalidationTimeout": "1m"}
	})
}

// testValidate checks the workspace's environments file, then a copy whose prod names a
// task-definition file that is not in the repository: found without a deploy, and named.
func testValidate(t *testing.T, w *workspace) {
	ok := w.mustCall(t, "call", "validate")
	wantIn(t, ok, "ci/environments.json: 11 environments, all valid: dev, fake, fake-migrate, fake-promoted, fake-services, fake-site, local, moto, other-account, prod, staging")

	broken := w.path("ci/broken-environments.json")
	writeFile(t, broken, readFile(t, w.path("ci/environments.json")), 0o644)
	defer os.Remove(broken)
	editJSON(t, broken, func(doc map[string]any) {
		doc["environments"].(map[string]any)["prod"].(map[string]any)["taskDefinition"] = "deploy/prod.json"
	})
	r := w.call(t, "call", "validate", "--file=ci/broken-environments.json")
	if r.code == 0 {
		t.Fatalf("validate of a file naming a missing task definition succeeded: %v", r)
	}
	wantIn(t, r, "ci/broken-environments.json has 1 problem:",
		`environment "prod", key "taskDefinition": "deploy/prod.json" is not in the repository`)
}

func testCheck(t *testing.T, w *workspace) {
	first := w.mustCall(t, "call", "check")
	wantIn(t, first, "== lint ==", "service (.): lint: clean",
		"== test ==", "ok  \tgithub.com/acme/service/app", "== build ==", "built app")
	if strings.Contains(first.stdout, "pipeline (ci)") {
		t.Errorf("check linted the pipeline's module; that is lint --pipeline's job:\n%s", first.stdout)
	}
	figure(t, "check, first call of this run", "%s", seconds(first.took))

	pipelineLint := w.mustCall(t, "call", "lint", "--pipeline")
	wantIn(t, pipelineLint, "service (.): lint: clean", "pipeline (ci): lint: clean")
	figure(t, "lint --pipeline, after that check", "%s", seconds(pipelineLint.took))

	again := w.mustCall(t, "call", "check")
	figure(t, "check, nothing changed", "%s", seconds(again.took))

	// A one-line change, three times over (each a new greeting): one call's time on an engine
	// varies by seconds, the median of three much less.
	handlers := w.path("app/handlers.go")
	original := readFile(t, handlers)
	defer writeFile(t, handlers, original, 0o644)
	var took []time.Duration
	for i := range 3 {
		edited := strings.Replace(original, `"hello from acme service"`, fmt.Sprintf(`"hello from the acme service %d"`, i), 1)
		if edited == original {
			t.Fatal("app/handlers.go no longer has the greeting this test edits")
		}
		writeFile(t, handlers, edited, 0o644)
		changed := w.mustCall(t, "call", "check")
		wantIn(t, changed, "ok  \tgithub.com/acme/service/app")
		if strings.Contains(changed.stdout, "(cached)") {
			t.Errorf("the tests were answered from go's test cache after a change:\n%s", changed.stdout)
		}
		took = append(took, changed.took)
	}
	slices.Sort(took)
	figure(t, "check, one-line change in app/", "%s (the median of 3; %s to %s)", seconds(took[1]), seconds(took[0]), seconds(took[2]))

	// The race detector compiles everything again, with cgo: once per engine.
	race := w.mustCall(t, "call", "check", "--race")
	wantIn(t, race, "== test ==", "ok  \tgithub.com/acme/service/app", "== build ==")
	figure(t, "check --race, first on this engine", "%s", seconds(race.took))
	raceTest := w.mustCall(t, "call", "test", "--race")
	wantIn(t, raceTest, "ok  \tgithub.com/acme/service/app")
}

func testCheckFailures(t *testing.T, w *workspace) {
	failing := w.path("app/e2e_failing_test.go")
	writeFile(t, failing, "package main\n\nimport \"testing\"\n\nfunc TestE2EDeliberateFailure(t *testing.T) {\n\tt.Fatal(\"this test fails on purpose\")\n}\n", 0o644)
	r := w.mustFail(t, "call", "check")
	os.Remove(failing)
	wantIn(t, r, "--- FAIL: TestE2EDeliberateFailure", "this test fails on purpose", "test:")

	unformatted := w.path("app/e2e_unformatted.go")
	writeFile(t, unformatted, "package main\n\nfunc  e2eUnformatted( ) int { return 1 }\n", 0o644)
	r = w.mustFail(t, "call", "check")
	os.Remove(unformatted)
	wantIn(t, r, "gofmt: these files need formatting", "e2e_unformatted.go")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

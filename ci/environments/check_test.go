package environments

import (
	"dagger/pipeline/deploy"

	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"strings"
	"testing"
)

// A task definition the deploy engine registers: RegisterTaskDefinition's input.
const goodTaskDefinition = `{"family": "web", "containerDefinitions": [{"name": "app", "image": "x"}]}`

func TestCheckTaskDefinitionFiles(t *testing.T) {
	files := map[string]string{
		"deploy/good.json":      goodTaskDefinition,
		"deploy/notjson.json":   "family: web",
		"deploy/typo.json":      `{"family": "web", "containerDefinitons": []}`,
		"deploy/described.json": `{"taskDefinition": ` + goodTaskDefinition + `, "tags": []}`,
	}
	read := func(path string) ([]byte, error) {
		if data, ok := files[path]; ok {
			return []byte(data), nil
		}
		if path == "deploy/locked.json" {
			return nil, fs.ErrPermission
		}
		return nil, fmt.Errorf("open %s: %w", path, fs.ErrNotExist)
	}
	tests := []struct {
		name           string
		taskDefinition string
		want           []wantProblem // empty: valid
	}{
		{"live reads no file", "live", nil},
		{"a committed file that registers", "deploy/good.json", nil},
		{"describe-task-definition output", "deploy/described.json", nil},
		{"a file that is not there", "deploy/missing.json",
			[]wantProblem{{"staging", "taskDefinition", `"deploy/missing.json" is not in the repository`, `commit the task definition at "deploy/missing.json"`}}},
		{"a file that is not JSON", "deploy/notjson.json",
			[]wantProblem{{"staging", "taskDefinition", `"deploy/notjson.json" is not a task definition the deploy can register: it is not a JSON object`, `make "deploy/notjson.json" hold`}}},
		{"a misspelt field", "deploy/typo.json",
			[]wantProblem{{"staging", "taskDefinition", `containerDefinitons`, `make "deploy/typo.json" hold`}}},
		{"a file that cannot be read", "deploy/locked.json",
			[]wantProblem{{"staging", "taskDefinition", `"deploy/locked.json" cannot be read: permission denied`, "readable"}}},
		// The path itself is wrong: said once, and nothing is read outside the repository.
		{"a path outside the repository", "../secrets.json",
			[]wantProblem{{"staging", "taskDefinition", "not a clean path inside the repository", "no \"..\""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validECS()
			env["taskDefinition"] = tt.taskDefinition
			cfg, err := Check(document(t, map[string]map[string]any{"staging": env}), read, deploy.TaskDefinitionProblem)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v; want valid", err)
				}
				if got := cfg.Names(); len(got) != 1 || got[0] != "staging" {
					t.Fatalf("Names() = %v, want [staging]", got)
				}
				return
			}
			assertProblems(t, err, tt.want)
		})
	}
}

// Check reports the file's own problems and the task-definition files' together, in one error.
func TestCheckReportsEveryProblemAtOnce(t *testing.T) {
	env := validECS()
	env["taskDefinition"] = "deploy/missing.json"
	env["region"] = "eu-west"
	_, err := Check(document(t, map[string]map[string]any{"staging": env}), func(string) ([]byte, error) { return nil, fs.ErrNotExist }, deploy.TaskDefinitionProblem)
	assertProblems(t, err, []wantProblem{
		{"staging", "region", `"eu-west" is not an AWS region code`, ""},
		{"staging", "taskDefinition", "is not in the repository", ""},
	})
}

// The shipped file is valid, with its task definitions as they are in the repository.
func TestCheckShippedFile(t *testing.T) {
	data, err := os.ReadFile("../environments.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(data, func(path string) ([]byte, error) { return os.ReadFile("../../" + path) }, deploy.TaskDefinitionProblem); err != nil {
		t.Fatalf("ci/environments.json: %v", err)
	}
}

// A fix speaks only of its own environment: what it suggests is the environment's own value, a
// placeholder, or a format, never what another environment has. Each broken prod is checked
// alone and next to a complete staging whose values are its own: the problems must be the same,
// and name none of staging's values.
func TestFixesNeverBorrowFromAnotherEnvironment(t *testing.T) {
	staging := validECS()
	staging["accountId"] = "222233334444"
	staging["cluster"] = "staging-cluster-7"
	staging["service"] = "staging-service-7"
	staging["container"] = "staging-container-7"
	staging["ecrRepository"] = "staging-team/staging-repo"
	staging["region"] = "ap-southeast-2"
	staging["taskDefinition"] = "deploy/staging-taskdef.json"
	staging["smokeTestURL"] = "http://staging-alb-7.ap-southeast-2.elb.amazonaws.com"
	staging["smokeTestPath"] = "/staging-health"
	staging["waitTimeout"] = "17m"
	staging["deployOn"] = map[string]any{"event": "push", "branches": []string{"staging-branch"}}
	stagingValues := []string{"222233334444", "staging-cluster-7", "staging-service-7", "staging-container-7",
		"staging-team", "staging-repo", "ap-southeast-2", "staging-taskdef", "staging-alb-7", "staging-health", "17m", "staging-branch"}

	files := map[string]string{"deploy/staging-taskdef.json": goodTaskDefinition}
	read := func(path string) ([]byte, error) {
		if data, ok := files[path]; ok {
			return []byte(data), nil
		}
		return nil, fs.ErrNotExist
	}
	broken := map[string]func(e map[string]any){
		"every key missing": func(e map[string]any) {
			for k := range e {
				delete(e, k)
			}
		},
		"every value wrong": func(e map[string]any) {
			e["region"], e["accountId"], e["ecrRepository"] = "Sydney", "2222", "123456789012.dkr.ecr.x.amazonaws.com/repo:1"
			e["cluster"], e["service"], e["container"] = "arn:aws:ecs:x", "a b", "c d"
			e["taskDefinition"], e["smokeTestURL"], e["smokeTestPath"] = "taskdef.yaml", "alb.example.com/x", "health"
			e["waitTimeout"], e["deployOn"] = "17", map[string]any{"event": "push"}
		},
		"misspelt keys": func(e map[string]any) {
			for _, k := range []string{"cluster", "accountId", "smokeTestURL", "taskDefinition"} {
				e[k+"Name"] = e[k]
				delete(e, k)
			}
		},
		"a task definition that is not there": func(e map[string]any) { e["taskDefinition"] = "deploy/prod-taskdef.json" },
		"a task definition that does not parse": func(e map[string]any) {
			e["taskDefinition"] = "deploy/prod-bad.json"
			files["deploy/prod-bad.json"] = `{"containerDefinitions": "x"}`
		},
	}
	for name, breakIt := range broken {
		t.Run(name, func(t *testing.T) {
			prod := validECS()
			prod["deployOn"] = map[string]any{"event": "release"}
			breakIt(prod)
			_, err := Check(document(t, map[string]map[string]any{"prod": prod}), read, deploy.TaskDefinitionProblem)
			alone := prodProblems(t, err)
			_, err = Check(document(t, map[string]map[string]any{"prod": prod, "staging": staging}), read, deploy.TaskDefinitionProblem)
			withStaging := prodProblems(t, err)
			if len(alone) == 0 {
				t.Fatal("prod has no problem; the case breaks nothing")
			}
			if strings.Join(alone, "\n") != strings.Join(withStaging, "\n") {
				t.Errorf("prod's problems change when staging is in the file:\nalone:\n%s\nwith staging:\n%s",
					strings.Join(alone, "\n"), strings.Join(withStaging, "\n"))
			}
			for _, p := range withStaging {
				for _, v := range stagingValues {
					if strings.Contains(p, v) {
						t.Errorf("prod's problem borrows staging's %q: %s", v, p)
					}
				}
			}
		})
	}
}

// prodProblems renders prod's problems in err; it fails the test when err is of another kind.
func prodProblems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var invalid *ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("Check error = %v, want a *ValidationError", err)
	}
	var lines []string
	for _, p := range invalid.Problems {
		if p.Environment == "prod" {
			lines = append(lines, p.String())
		}
	}
	return lines
}

// The same in the shipped file: with any one setting of an environment removed, its fix names no
// value that belongs to another environment (one that differs from the removed value).
func TestShippedFileFixesNeverBorrow(t *testing.T) {
	data, err := os.ReadFile("../environments.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Environments map[string]map[string]any `json:"environments"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	read := func(path string) ([]byte, error) { return os.ReadFile("../../" + path) }
	for name, env := range file.Environments {
		if env["kind"] == "local" {
			continue
		}
		for _, key := range awsKeys {
			if key == "promoteFrom" || key == "notifyTopic" || key == "migration" || key == "services" || key == "site" {
				continue // optional: without them the file is still valid
			}
			t.Run(name+" without "+key, func(t *testing.T) {
				envs := map[string]map[string]any{}
				for n, e := range file.Environments {
					envs[n] = maps.Clone(e)
				}
				delete(envs[name], key)
				_, err := Check(document(t, envs), read, deploy.TaskDefinitionProblem)
				var invalid *ValidationError
				if !errors.As(err, &invalid) {
					t.Fatalf("Check error = %v, want a *ValidationError", err)
				}
				for _, p := range invalid.Problems {
					if p.Environment != name {
						continue
					}
					for other, e := range file.Environments {
						if v, ok := e[key].(string); ok && other != name && v != env[key] && strings.Contains(p.String(), v) {
							t.Errorf("the fix borrows %s's %s %q: %s", other, key, v, p)
						}
					}
				}
			})
		}
	}
}

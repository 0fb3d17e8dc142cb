package environments

import (
	"errors"
	"strings"
	"testing"
)

// wantProblem describes one expected problem; Message and Fix are substrings.
type wantProblem struct {
	env, key, message, fix string
}

func TestValidationProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(env map[string]any)
		want   []wantProblem
	}{
		{"unknown key suggests the closest", func(e map[string]any) { e["acountId"] = e["accountId"]; delete(e, "accountId") },
			[]wantProblem{{"staging", "acountId", "unknown key", `did you mean "accountId"?`},
				{"staging", "accountId", "is missing", `add "accountId"`}}},
		{"unknown key in another case", func(e map[string]any) { e["smokeTestUrl"] = e["smokeTestURL"]; delete(e, "smokeTestURL") },
			[]wantProblem{{"staging", "smokeTestUrl", "unknown key", `did you mean "smokeTestURL"?`},
				{"staging", "smokeTestURL", "is missing", "http://my-alb"}}},
		{"unknown key without a close match lists the allowed ones", func(e map[string]any) { e["replicas"] = 3 },
			[]wantProblem{{"staging", "replicas", "unknown key", "remove it; allowed keys are accountId, cluster, container, deployOn"}}},
		{"unknown key inside deployOn", func(e map[string]any) { e["deployOn"] = map[string]any{"event": "push", "branch": []string{"main"}} },
			[]wantProblem{{"staging", "deployOn.branch", "unknown key", `did you mean "deployOn.branches"?`},
				{"staging", "deployOn.branches", "needs the branches", `"branches": ["main"]`}}},
		{"missing cluster", func(e map[string]any) { delete(e, "cluster") },
			[]wantProblem{{"staging", "cluster", "is missing; the deploy must know the ECS cluster", `add "cluster": "my-cluster"`}}},
		{"cluster given as ARN", func(e map[string]any) { e["cluster"] = "arn:aws:ecs:eu-west-1:123456789012:cluster/acme" },
			[]wantProblem{{"staging", "cluster", "is an ARN", "plain name"}}},
		{"service with a space", func(e map[string]any) { e["service"] = "my service" },
			[]wantProblem{{"staging", "service", "not a valid ECS name", "letters, digits"}}},
		{"account ID too short", func(e map[string]any) { e["accountId"] = "12345" },
			[]wantProblem{{"staging", "accountId", `"12345" is not a 12-digit AWS account ID`, `"123456789012"`}}},
		{"account ID with dashes", func(e map[string]any) { e["accountId"] = "1234-5678-9012" },
			[]wantProblem{{"staging", "accountId", "not a 12-digit", "no dashes"}}},
		{"account ID as a number", func(e map[string]any) { e["accountId"] = 123456789012 },
			[]wantProblem{{"staging", "accountId", "must be a string, not 123456789012", "would lose leading zeros"},
				{"staging", "accountId", "is missing", ""}}},
		{"region as display name", func(e map[string]any) { e["region"] = "Ireland" },
			[]wantProblem{{"staging", "region", `"Ireland" is not an AWS region code`, `"eu-west-1"`}}},
		{"region as availability zone", func(e map[string]any) { e["region"] = "eu-west-1a" },
			[]wantProblem{{"staging", "region", "not an AWS region code", "availability zone"}}},
		{"missing region", func(e map[string]any) { delete(e, "region") },
			[]wantProblem{{"staging", "region", "is missing", `"eu-west-1"`}}},
		{"bad duration", func(e map[string]any) { e["waitTimeout"] = "10" },
			[]wantProblem{{"staging", "waitTimeout", `"10" is not a duration`, `"10m"`}}},
		{"negative duration", func(e map[string]any) { e["waitTimeout"] = "-5m" },
			[]wantProblem{{"staging", "waitTimeout", "not positive", ""}}},
		{"empty duration", func(e map[string]any) { e["waitTimeout"] = "" },
			[]wantProblem{{"staging", "waitTimeout", `"" is not a duration`, "remove the key"}}},
		{"too long duration", func(e map[string]any) { e["waitTimeout"] = "5h" },
			[]wantProblem{{"staging", "waitTimeout", "exceeds the 3h0m0s limit", ""}}},
		{"migration without a command", func(e map[string]any) { e["migration"] = map[string]any{"timeout": "5m"} },
			[]wantProblem{{"staging", "migration.command", "is missing or empty", `["/app/service", "migrate"]`}}},
		{"migration command as one string with spaces", func(e map[string]any) {
			e["migration"] = map[string]any{"command": []string{"/app/service migrate"}}
		}, []wantProblem{{"staging", "migration.command", "one string with spaces", `["/app/service" "migrate"]`}}},
		{"migration command as a string", func(e map[string]any) { e["migration"] = map[string]any{"command": "/app/service migrate"} },
			[]wantProblem{{"staging", "migration.command", "must be", ""}, {"staging", "migration.command", "is missing or empty", ""}}},
		{"migration timeout not a duration", func(e map[string]any) {
			e["migration"] = map[string]any{"command": []string{"/app/service", "migrate"}, "timeout": "10"}
		}, []wantProblem{{"staging", "migration.timeout", `"10" is not a duration`, `"10m"`}}},
		{"migration timeout too long", func(e map[string]any) {
			e["migration"] = map[string]any{"command": []string{"/app/service", "migrate"}, "timeout": "4h"}
		}, []wantProblem{{"staging", "migration.timeout", "exceeds the 3h0m0s limit", ""}}},
		{"unknown key inside migration", func(e map[string]any) {
			e["migration"] = map[string]any{"cmd": []string{"/app/service", "migrate"}}
		}, []wantProblem{{"staging", "migration.cmd", "unknown key", ""}, {"staging", "migration.command", "is missing", ""}}},
		{"ECR repository as image URI", func(e map[string]any) {
			e["ecrRepository"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:latest"
		}, []wantProblem{{"staging", "ecrRepository", "is an image URI", `e.g. "acme/service"`}}},
		{"ECR repository as pinned image URI", func(e map[string]any) {
			e["ecrRepository"] = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:v1@sha256:" + strings.Repeat("ab", 32)
		}, []wantProblem{{"staging", "ecrRepository", "is an image URI", `e.g. "acme/service"`}}},
		{"ECR repository with a tag", func(e map[string]any) { e["ecrRepository"] = "acme/service:latest" },
			[]wantProblem{{"staging", "ecrRepository", "is an image URI", `e.g. "acme/service"`}}},
		{"ECR repository of one component with a tag", func(e map[string]any) { e["ecrRepository"] = "service:v1" },
			[]wantProblem{{"staging", "ecrRepository", "is an image URI", `e.g. "service"`}}},
		{"ECR repository with capitals", func(e map[string]any) { e["ecrRepository"] = "Acme/Service" },
			[]wantProblem{{"staging", "ecrRepository", "not a valid ECR repository name", "lower-case"}}},
		{"ECR repository with a trailing separator", func(e map[string]any) { e["ecrRepository"] = "acme/service-" },
			[]wantProblem{{"staging", "ecrRepository", "not a valid ECR repository name", ""}}},
		{"smoke path without slash", func(e map[string]any) { e["smokeTestPath"] = "health" },
			[]wantProblem{{"staging", "smokeTestPath", `"health" does not start with "/"`, `write "/health"`}}},
		{"smoke path as URL", func(e map[string]any) { e["smokeTestPath"] = "http://x/health" },
			[]wantProblem{{"staging", "smokeTestPath", "is a URL, not a path", "smokeTestURL"}}},
		{"smoke URL without scheme", func(e map[string]any) { e["smokeTestURL"] = "alb-1.eu-west-1.elb.amazonaws.com" },
			[]wantProblem{{"staging", "smokeTestURL", "not an absolute URL", `"http://alb-1.eu-west-1.elb.amazonaws.com"`}}},
		{"smoke URL with a path", func(e map[string]any) { e["smokeTestURL"] = "http://alb-1/health" },
			[]wantProblem{{"staging", "smokeTestURL", "has a path", `keep only "http://alb-1"`}}},
		{"smoke URL with another scheme", func(e map[string]any) { e["smokeTestURL"] = "ftp://alb-1" },
			[]wantProblem{{"staging", "smokeTestURL", `scheme "ftp"`, "https://"}}},
		{"task definition neither live nor json", func(e map[string]any) { e["taskDefinition"] = "clone" },
			[]wantProblem{{"staging", "taskDefinition", `"clone" is neither "live" nor a .json file`, "relative to the repository root"}}},
		{"task definition outside the repository", func(e map[string]any) { e["taskDefinition"] = "../other/taskdef.json" },
			[]wantProblem{{"staging", "taskDefinition", "not a clean path inside the repository", `no ".."`}}},
		{"task definition absolute", func(e map[string]any) { e["taskDefinition"] = "/etc/taskdef.json" },
			[]wantProblem{{"staging", "taskDefinition", "not a clean path", ""}}},
		{"unknown kind", func(e map[string]any) { e["kind"] = "k8s" },
			[]wantProblem{{"staging", "kind", `"k8s" is not a kind of environment`, `"ecs"`}}},
		{"deployOn as a string", func(e map[string]any) { e["deployOn"] = "release" },
			[]wantProblem{{"staging", "deployOn", `must be a JSON object, not "release"`, `{"event": "release"}`}}},
		{"deployOn unknown event", func(e map[string]any) { e["deployOn"] = map[string]any{"event": "tag"} },
			[]wantProblem{{"staging", "deployOn.event", `"tag" is not a deploy event`, `"release"`}}},
		{"deployOn release with branches", func(e map[string]any) {
			e["deployOn"] = map[string]any{"event": "release", "branches": []string{"main"}}
		}, []wantProblem{{"staging", "deployOn.branches", "branches do not apply", `remove "branches"`}}},
		{"deployOn bad pattern", func(e map[string]any) {
			e["deployOn"] = map[string]any{"event": "push", "branches": []string{"feature/["}}
		}, []wantProblem{{"staging", "deployOn.branches", `"feature/[" is not a valid pattern`, "path.Match"}}},
		{"deployOn full ref", func(e map[string]any) {
			e["deployOn"] = map[string]any{"event": "push", "branches": []string{"refs/heads/main"}}
		}, []wantProblem{{"staging", "deployOn.branches", "is a ref, not a branch", `write "main"`}}},
		{"requiresApproval as a string", func(e map[string]any) { e["requiresApproval"] = "yes" },
			[]wantProblem{{"staging", "requiresApproval", `must be true or false, not "yes"`, "without quotes"}}},
		{"branches as a string", func(e map[string]any) { e["deployOn"] = map[string]any{"event": "push", "branches": "main"} },
			[]wantProblem{{"staging", "deployOn.branches", "must be a list of strings", `["main"]`},
				{"staging", "deployOn.branches", "needs the branches", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validECS()
			tt.change(env)
			_, err := Load(document(t, map[string]map[string]any{"staging": env}))
			assertProblems(t, err, tt.want)
		})
	}
}

func TestLocalEnvironmentRejectsAWSSettings(t *testing.T) {
	doc := document(t, map[string]map[string]any{
		"local": {"kind": "local", "region": "eu-west-1", "smokeTestURL": "http://x", "smokeTestPath": "/health"},
	})
	_, err := Load(doc)
	assertProblems(t, err, []wantProblem{
		{"local", "region", "uses no AWS setting", `remove "region"`},
		{"local", "smokeTestURL", "uses no AWS setting", `"kind": "ecs"`},
	})
	cfg, err := Load(document(t, map[string]map[string]any{"local": {"kind": "local", "region": nil, "deployOn": nil}}))
	if err != nil {
		t.Fatalf("a bare local environment (null reads as unset) must be valid: %v", err)
	}
	local, _ := cfg.Get("local")
	if local.SmokeTestPath != "/" || local.WaitTimeout != DefaultLocalWaitTimeout {
		t.Errorf("local defaults not applied: %+v", local)
	}
}

func TestValidationCollectsEveryProblemAcrossEnvironments(t *testing.T) {
	dev := validECS()
	dev["accountId"] = "1"
	dev["deployOn"] = map[string]any{"event": "push", "branches": []string{"feature/*"}}
	staging := validECS()
	delete(staging, "cluster")
	staging["smokeTestPath"] = "health"
	prod := validECS()
	prod["region"] = "europe"
	prod["deployOn"] = map[string]any{"event": "release"}
	prod["waitTimeout"] = "forever"
	_, err := Load(document(t, map[string]map[string]any{"dev": dev, "staging": staging, "prod": prod}))
	assertProblems(t, err, []wantProblem{
		{"dev", "accountId", "not a 12-digit", ""},
		{"prod", "region", "not an AWS region code", ""},
		{"prod", "waitTimeout", "not a duration", ""},
		{"staging", "cluster", "is missing", ""},
		{"staging", "smokeTestPath", "does not start", ""},
	})
	if !strings.HasPrefix(err.Error(), "environments.json has 5 problems:\n  - environment \"dev\", key \"accountId\": ") {
		t.Errorf("the message must count and list the problems:\n%v", err)
	}
}

func TestFileLevelProblems(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []wantProblem
	}{
		{"syntax error names line and column", "{\n  \"environments\": {\n    \"dev\": {\"kind\": \"local\",}\n  }\n}",
			[]wantProblem{{"", "", "invalid JSON at line 3, column 29", "trailing comma"}}},
		{"truncated", `{"environments": {`, []wantProblem{{"", "", "invalid JSON", "truncated"}}},
		{"not an object", `["dev"]`, []wantProblem{{"", "", "must hold a JSON object", ""}}},
		{"no environments key", `{"environment": {}}`, []wantProblem{
			{"", "environment", "unknown key", `did you mean "environments"?`},
			{"", "environments", "no \"environments\" object", ""}}},
		{"environments not an object", `{"environments": ["dev"]}`, []wantProblem{{"", "environments", "must be an object", ""}}},
		{"empty environments", `{"environments": {}}`, []wantProblem{{"", "environments", "no environment is defined", ""}}},
		{"environment not an object", `{"environments": {"dev": "eu-west-1"}}`, []wantProblem{{"dev", "", "must be a JSON object", `"region": "eu-west-1"`}}},
		{"duplicate environment", `{"environments": {"dev": {"kind": "local"}, "dev": {"kind": "local"}}}`,
			[]wantProblem{{"dev", "", "is defined twice", "merge"}}},
		{"duplicate key", `{"environments": {"dev": {"kind": "local", "kind": "local"}}}`,
			[]wantProblem{{"dev", "kind", "is set twice", "keep one"}}},
		{"bad environment name", `{"environments": {"Prod EU": {"kind": "local"}}}`,
			[]wantProblem{{"Prod EU", "", "not usable as a --env value", `"prod-eu"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.data))
			assertProblems(t, err, tt.want)
		})
	}
}

func TestTwoEnvironmentsOnTheSameTrigger(t *testing.T) {
	a, b := validECS(), validECS()
	a["deployOn"] = map[string]any{"event": "release"}
	b["deployOn"] = map[string]any{"event": "release"}
	c := validECS()
	c["deployOn"] = map[string]any{"event": "push", "branches": []string{"main"}}
	d := validECS()
	d["deployOn"] = map[string]any{"event": "push", "branches": []string{"develop", "main"}}
	_, err := Load(document(t, map[string]map[string]any{"prod": a, "prod-us": b, "staging": c, "staging-2": d}))
	assertProblems(t, err, []wantProblem{
		{"prod-us", "deployOn", `release also deploys "prod"`, `change the deployOn of "prod" or "prod-us"`},
		{"staging-2", "deployOn", `push to main also deploys "staging"`, ""},
	})
}

// assertProblems checks that err is a *ValidationError with exactly the
// wanted problems, in order.
func assertProblems(t *testing.T, err error, want []wantProblem) {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	if len(verr.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(verr.Problems), len(want), err)
	}
	for i, w := range want {
		p := verr.Problems[i]
		if p.Environment != w.env || p.Key != w.key || !strings.Contains(p.Message, w.message) || !strings.Contains(p.Fix, w.fix) {
			t.Errorf("problem %d = %#v\nwant env=%q key=%q message~%q fix~%q", i, p, w.env, w.key, w.message, w.fix)
		}
		if !strings.Contains(err.Error(), p.String()) {
			t.Errorf("Error() does not include problem %d: %s", i, p)
		}
	}
}

package environments

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestShippedFileIsValid(t *testing.T) {
	cfg, err := LoadFile("../environments.json")
	if err != nil {
		t.Fatalf("the committed ci/environments.json must load: %v", err)
	}
	if got, want := cfg.Names(), []string{"dev", "local", "prod", "staging"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	prod, err := cfg.Get("prod")
	if err != nil {
		t.Fatal(err)
	}
	if !prod.RequiresApproval || prod.DeployOn.Event != EventRelease {
		t.Errorf("prod must deploy on release with approval, got %+v", prod)
	}
	local, err := cfg.Get("local")
	if err != nil {
		t.Fatal(err)
	}
	if !local.IsLocal() || local.RegistryHost() != "" || local.SmokeTestTarget() != "" {
		t.Errorf("local must need no AWS, got %+v", local)
	}
	for _, name := range []string{"dev", "staging", "prod"} {
		env, _ := cfg.Get(name)
		if env.IsLocal() || env.AccountID == "" || env.SmokeTestURL == "" {
			t.Errorf("%s must be a complete ECS environment, got %+v", name, env)
		}
	}
}

func TestLoadAppliesDefaults(t *testing.T) {
	env := validECS()
	delete(env, "smokeTestPath")
	delete(env, "waitTimeout")
	delete(env, "deployOn")
	delete(env, "requiresApproval")
	cfg, err := Load(document(t, map[string]map[string]any{"staging": env}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Get("staging")
	if err != nil {
		t.Fatal(err)
	}
	want := Environment{
		Name: "staging", Kind: KindECS, Region: "eu-west-1", AccountID: "123456789012",
		ECRRepository: "acme/service", Cluster: "acme-staging", Service: "web", Container: "app",
		TaskDefinition: "live", SmokeTestPath: "/", SmokeTestURL: "http://alb-1.eu-west-1.elb.amazonaws.com",
		Services: []Service{{Service: "web", Container: "app", TaskDefinition: "live"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if got.DeployOn.Event != "" {
		t.Errorf("no deployOn must mean manual only, got %+v", got.DeployOn)
	}
}

func TestEnvironmentDerivedValues(t *testing.T) {
	env := validECS()
	env["smokeTestURL"] = "https://alb-1.eu-west-1.elb.amazonaws.com/"
	env["waitTimeout"] = "1h30m"
	env["taskDefinition"] = "deploy/taskdef.json"
	cn := validECS()
	cn["region"] = "cn-north-1"
	cn["deployOn"] = map[string]any{"event": "release"}
	cfg, err := Load(document(t, map[string]map[string]any{"staging": env, "china": cn}))
	if err != nil {
		t.Fatal(err)
	}
	staging, _ := cfg.Get("staging")
	if got, want := staging.ImageRepository(), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service"; got != want {
		t.Errorf("ImageRepository() = %q, want %q", got, want)
	}
	if got, want := staging.SmokeTestTarget(), "https://alb-1.eu-west-1.elb.amazonaws.com/health"; got != want {
		t.Errorf("SmokeTestTarget() = %q, want %q", got, want)
	}
	if staging.WaitTimeout != 90*time.Minute {
		t.Errorf("WaitTimeout = %v, want 1h30m", staging.WaitTimeout)
	}
	if staging.UsesLiveTaskDefinition() || staging.TaskDefinition != "deploy/taskdef.json" {
		t.Errorf("task definition file not kept: %+v", staging)
	}
	china, _ := cfg.Get("china")
	if got, want := china.RegistryHost(), "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"; got != want {
		t.Errorf("RegistryHost() = %q, want %q", got, want)
	}
}

func TestGetUnknownListsKnownNames(t *testing.T) {
	cfg, err := LoadFile("../environments.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"stagin", `unknown environment "stagin"; environments.json defines: dev, local, prod, staging (did you mean "staging"?)`},
		{"production", `unknown environment "production"; environments.json defines: dev, local, prod, staging (did you mean "prod"?)`},
		{"qa", `unknown environment "qa"; environments.json defines: dev, local, prod, staging`},
	}
	for _, tt := range tests {
		_, err := cfg.Get(tt.name)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Get(%q) error = %v\nwant %s", tt.name, err, tt.want)
		}
	}
}

func TestLoadFileErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFile(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "cannot read the environments file") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "environments.json")
	if err := os.WriteFile(bad, []byte(`{"environments": {"x": {"kind": "local"},}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(bad)
	var verr *ValidationError
	if !errors.As(err, &verr) || !strings.HasPrefix(err.Error(), bad+": ") {
		t.Errorf("invalid file: want a *ValidationError prefixed with the path, got %v", err)
	}
}

func TestSmokeTestURLNoneTurnsTheSmokeTestOff(t *testing.T) {
	env := validECS()
	env["smokeTestURL"] = NoSmokeTest
	cfg, err := Load(document(t, map[string]map[string]any{"staging": env}))
	if err != nil {
		t.Fatalf("smokeTestURL %q must be accepted: %v", NoSmokeTest, err)
	}
	got, err := cfg.Get("staging")
	if err != nil {
		t.Fatal(err)
	}
	if got.SmokeTestURL != "" || got.SmokeTestTarget() != "" {
		t.Errorf("smokeTestURL none gave URL %q and target %q, want both empty (no smoke test)", got.SmokeTestURL, got.SmokeTestTarget())
	}
	env["smokeTestURL"] = "None"
	if _, err := Load(document(t, map[string]map[string]any{"staging": env})); err == nil || !strings.Contains(err.Error(), "not an absolute URL") {
		t.Errorf("smokeTestURL \"None\" = %v, want the URL error: only the exact word turns the check off", err)
	}
}

func TestMigrationIsLoaded(t *testing.T) {
	env := validECS()
	env["migration"] = map[string]any{"command": []string{"/app/service", "migrate"}, "timeout": "90s"}
	plain := validECS()
	delete(plain, "deployOn")
	cfg, err := Load(document(t, map[string]map[string]any{"staging": env, "dev": plain}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := cfg.Get("staging")
	if m := got.Migration; m == nil || strings.Join(m.Command, " ") != "/app/service migrate" || m.Timeout != 90*time.Second {
		t.Errorf("migration = %+v, want /app/service migrate within 90s", m)
	}
	if none, _ := cfg.Get("dev"); none.Migration != nil {
		t.Errorf("an environment without the key has migration %+v", none.Migration)
	}
}

func TestSummaryNamesTheFileAndEveryEnvironment(t *testing.T) {
	cfg, err := LoadFile("../environments.json")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Summary("ci/environments.json")
	want := "ci/environments.json: 4 environments, all valid: dev, local, prod, staging"
	if got != want {
		t.Fatalf("Summary = %q, want %q", got, want)
	}
}

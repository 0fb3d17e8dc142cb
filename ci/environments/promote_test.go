package environments

import "testing"

func TestPromoteFrom(t *testing.T) {
	staging, prod := validECS(), validECS()
	prod["deployOn"] = map[string]any{"event": "release"}
	prod["promoteFrom"] = "staging"
	cfg, err := Load(document(t, map[string]map[string]any{"staging": staging, "prod": prod}))
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := cfg.Get("prod"); !env.Promoted() || env.PromoteFrom != "staging" {
		t.Errorf("prod: Promoted() = %v, PromoteFrom = %q; want promoted from staging", env.Promoted(), env.PromoteFrom)
	}
	if env, _ := cfg.Get("staging"); env.Promoted() {
		t.Errorf("staging has no promoteFrom and must build, got %+v", env)
	}
	// A chain ends at an environment that builds: prod-us takes what prod took from staging.
	prodUS := validECS()
	prodUS["deployOn"] = nil
	prodUS["promoteFrom"] = "prod"
	if _, err := Load(document(t, map[string]map[string]any{"staging": staging, "prod": prod, "prod-us": prodUS})); err != nil {
		t.Errorf("a chain of promotions is valid: %v", err)
	}
}

func TestPromoteFromProblems(t *testing.T) {
	ecs := func(from any) map[string]any {
		e := validECS()
		e["deployOn"] = nil
		e["promoteFrom"] = from
		return e
	}
	local := map[string]any{"kind": "local"}
	tests := []struct {
		name string
		envs map[string]map[string]any
		want []wantProblem
	}{
		{"itself", map[string]map[string]any{"prod": ecs("prod")},
			[]wantProblem{{"prod", "promoteFrom", `"prod" is this environment`, `remove the key to build here`}}},
		{"unknown, with a suggestion", map[string]map[string]any{"prod": ecs("stagin"), "staging": validECS()},
			[]wantProblem{{"prod", "promoteFrom", `"stagin" is not an environment of this file`, `did you mean "staging"?`}}},
		{"unknown, listing the environments", map[string]map[string]any{"prod": ecs("qa"), "staging": validECS()},
			[]wantProblem{{"prod", "promoteFrom", `"qa" is not an environment`, `name one of "prod", "staging"`}}},
		{"empty", map[string]map[string]any{"prod": ecs("")},
			[]wantProblem{{"prod", "promoteFrom", `"" names no environment`, `e.g. "staging"`}}},
		{"not a string", map[string]map[string]any{"prod": ecs(true), "staging": validECS()},
			[]wantProblem{{"prod", "promoteFrom", "must be a string, not true", ""},
				{"prod", "promoteFrom", `"" names no environment`, ""}}},
		{"from a local environment", map[string]map[string]any{"prod": ecs("local"), "local": local},
			[]wantProblem{{"prod", "promoteFrom", `"local" runs on this machine and publishes no image`, "name an ECS environment"}}},
		{"on a local environment", map[string]map[string]any{"local": {"kind": "local", "promoteFrom": "staging"}, "staging": validECS()},
			[]wantProblem{{"local", "promoteFrom", "uses no AWS setting", `remove "promoteFrom"`}}},
		{"a cycle", map[string]map[string]any{"a": ecs("b"), "b": ecs("a"), "c": ecs("a")},
			[]wantProblem{{"a", "promoteFrom", "in a cycle (a → b → a)", "remove promoteFrom"},
				{"b", "promoteFrom", "in a cycle (b → a → b)", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(document(t, tt.envs))
			assertProblems(t, err, tt.want)
		})
	}
}

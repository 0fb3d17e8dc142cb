package environments

import (
	"errors"
	"strings"
	"testing"
)

func TestForEventOnShippedFile(t *testing.T) {
	cfg, err := LoadFile("../environments.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		event, ref, want string
	}{
		{"push", "refs/heads/main", "staging"},
		{"push", "main", "staging"},
		{"push", "refs/heads/feature/login", "dev"},
		{"push", "refs/heads/test/load", "dev"},
		{"release", "refs/tags/v1.2.0", "prod"},
		{"release", "", "prod"},
		{"push", "refs/heads/feature/a/b", ""}, // path.Match's * stops at "/"
		{"push", "refs/heads/mainline", ""},
		{"push", "refs/tags/v1.2.0", ""},
		{"pull_request", "refs/pull/7/merge", ""},
		{"workflow_dispatch", "refs/heads/main", ""},
	}
	for _, tt := range tests {
		env, err := cfg.ForEvent(tt.event, tt.ref)
		if tt.want == "" {
			if !errors.Is(err, ErrNoEnvironment) {
				t.Errorf("ForEvent(%q, %q) = %q, %v; want ErrNoEnvironment", tt.event, tt.ref, env.Name, err)
			} else if !strings.Contains(err.Error(), tt.event) || !strings.Contains(err.Error(), "--env") {
				t.Errorf("the error must name the event and the way out: %v", err)
			}
			continue
		}
		if err != nil || env.Name != tt.want {
			t.Errorf("ForEvent(%q, %q) = %q, %v; want %q", tt.event, tt.ref, env.Name, err, tt.want)
		}
	}
}

func TestForEventOverlappingPatternsIsAnError(t *testing.T) {
	a, b := validECS(), validECS()
	a["deployOn"] = map[string]any{"event": "push", "branches": []string{"main"}}
	b["deployOn"] = map[string]any{"event": "push", "branches": []string{"*"}}
	cfg, err := Load(document(t, map[string]map[string]any{"staging": a, "preview": b}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.ForEvent("push", "refs/heads/main")
	want := `the "push" event on "refs/heads/main" matches environments "preview" and "staging"; narrow their deployOn branches so that exactly one matches`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	env, err := cfg.ForEvent("push", "refs/heads/develop")
	if err != nil || env.Name != "preview" {
		t.Fatalf("develop must deploy preview alone, got %q, %v", env.Name, err)
	}
}

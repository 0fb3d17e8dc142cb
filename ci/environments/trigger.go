package environments

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Event is a GitHub Actions event name that can trigger a deploy.
type Event string

const (
	// EventPush deploys when a matching branch is pushed.
	EventPush Event = "push"
	// EventRelease deploys when a release is published.
	EventRelease Event = "release"
)

// DeployTrigger says which GitHub event deploys an environment. The zero
// value means only manual deploys (dagger call deploy --env=NAME).
type DeployTrigger struct {
	// Event is EventPush or EventRelease; empty for manual-only environments.
	Event Event
	// Branches are path.Match patterns such as "main" or "feature/*"; only for EventPush.
	Branches []string
}

// Matches reports whether this trigger fires for a GitHub event on ref,
// where ref is a full ref ("refs/heads/main") or a bare branch name.
func (t DeployTrigger) Matches(event, ref string) bool {
	switch Event(event) {
	case EventRelease:
		return t.Event == EventRelease
	case EventPush:
		if t.Event != EventPush || strings.HasPrefix(ref, "refs/tags/") {
			return false
		}
		branch := strings.TrimPrefix(ref, "refs/heads/")
		for _, pattern := range t.Branches {
			if ok, _ := path.Match(pattern, branch); ok {
				return true
			}
		}
	}
	return false
}

// ErrNoEnvironment is wrapped by ForEvent when no environment deploys on the
// given event; CI treats it as "nothing to deploy".
var ErrNoEnvironment = errors.New("no environment deploys on this event")

// ForEvent returns the environment that a GitHub event deploys, e.g.
// ForEvent("push", "refs/heads/main") or ForEvent("release", "refs/tags/v1.2.0").
// It wraps ErrNoEnvironment when none does, and fails when several do, since
// deploying one commit to two places from one event is a configuration slip.
func (c *Config) ForEvent(event, ref string) (Environment, error) {
	var matched []Environment
	for _, name := range c.Names() {
		env := c.environments[name]
		if env.DeployOn.Matches(event, ref) {
			matched = append(matched, env)
		}
	}
	switch len(matched) {
	case 0:
		return Environment{}, fmt.Errorf("%w: no environment in environments.json has a deployOn matching the %q event on %q; add one, or deploy by hand with --env", ErrNoEnvironment, event, ref)
	case 1:
		return matched[0], nil
	default:
		names := make([]string, len(matched))
		for i, env := range matched {
			names[i] = fmt.Sprintf("%q", env.Name)
		}
		return Environment{}, fmt.Errorf("the %q event on %q matches environments %s; narrow their deployOn branches so that exactly one matches", event, ref, strings.Join(names, " and "))
	}
}

func (c *checker) checkDeployOn(d deployOnJSON) {
	switch Event(d.Event) {
	case EventPush:
		if len(d.Branches) == 0 {
			c.add("deployOn.branches", "a push trigger needs the branches it deploys",
				`add "branches": ["main"] (patterns such as "feature/*" work too)`)
		}
		for _, pattern := range d.Branches {
			_, err := path.Match(pattern, "")
			switch {
			case pattern == "":
				c.add("deployOn.branches", "contains an empty pattern", "remove it")
			case err != nil:
				c.add("deployOn.branches", fmt.Sprintf("%q is not a valid pattern: %v", pattern, err), `use path.Match syntax, e.g. "feature/*"`)
			case strings.HasPrefix(pattern, "refs/"):
				c.add("deployOn.branches", fmt.Sprintf("%q is a ref, not a branch", pattern), fmt.Sprintf("write %q", strings.TrimPrefix(strings.TrimPrefix(pattern, "refs/"), "heads/")))
			}
		}
	case EventRelease:
		if len(d.Branches) > 0 {
			c.add("deployOn.branches", "a release trigger deploys the published tag, so branches do not apply",
				`remove "branches", or use "event": "push" to deploy a branch`)
		}
	case "":
		c.add("deployOn.event", "is missing", `add "event": "push" (with "branches") or "event": "release"`)
	default:
		c.add("deployOn.event", fmt.Sprintf("%q is not a deploy event", d.Event),
			`use "push" (with "branches") or "release"; remove "deployOn" for manual-only deploys`)
	}
}

// validateTriggers rejects two environments that the same event would
// obviously deploy: both on release, or the same branch pattern. Overlapping
// patterns ("main" and "*") are caught by ForEvent at deploy time.
func validateTriggers(envs []rawEnvironment) []Problem {
	var problems []Problem
	owner := map[string]string{}
	for _, env := range envs {
		d := env.json.DeployOn
		if d == nil {
			continue
		}
		var claims []string
		switch Event(d.Event) {
		case EventRelease:
			claims = []string{"release"}
		case EventPush:
			for _, b := range d.Branches {
				claims = append(claims, "push to "+b)
			}
		}
		for _, claim := range claims {
			if first, taken := owner[claim]; taken && first != env.name {
				problems = append(problems, Problem{
					Environment: env.name, Key: "deployOn",
					Message: fmt.Sprintf("%s also deploys %q; one event must pick exactly one environment", claim, first),
					Fix:     fmt.Sprintf("change the deployOn of %q or %q", first, env.name),
				})
				continue
			}
			owner[claim] = env.name
		}
	}
	return problems
}

package environments

import (
	"fmt"
	"strings"
)

// validatePromotions checks every promoteFrom against the other environments: a promotion needs
// an ECS environment that deploys images of its own, or nothing could ever reach this one.
func validatePromotions(envs []rawEnvironment) []Problem {
	byName := make(map[string]rawEnvironment, len(envs))
	var names []string
	for _, env := range envs {
		byName[env.name] = env
		names = append(names, env.name)
	}
	var problems []Problem
	for _, env := range envs {
		from := env.json.PromoteFrom
		if !env.keys["promoteFrom"] || Kind(env.json.Kind) == KindLocal {
			continue // a local environment's promoteFrom is already reported as an AWS setting
		}
		add := func(message, fix string) {
			problems = append(problems, Problem{Environment: env.name, Key: "promoteFrom", Message: message, Fix: fix})
		}
		source, ok := byName[from]
		switch {
		case from == "":
			add(`"" names no environment`, `write the environment whose deploys this one promotes, e.g. "staging", or remove the key to build here`)
		case from == env.name:
			add(fmt.Sprintf("%q is this environment: it would promote only what it already deployed, and nothing ever would be", from),
				`name the environment deployed before this one, e.g. "staging", or remove the key to build here`)
		case !ok:
			fix := "name one of " + strings.Join(quoteAll(names), ", ") + ", or remove the key to build here"
			if s := suggest(from, names); s != "" && s != env.name {
				fix = fmt.Sprintf("did you mean %q?", s)
			}
			add(fmt.Sprintf("%q is not an environment of this file", from), fix)
		case Kind(source.json.Kind) == KindLocal:
			add(fmt.Sprintf("%q runs on this machine and publishes no image to promote", from),
				"name an ECS environment, or remove the key to build here")
		default:
			if cycle := promotionCycle(env.name, byName); cycle != "" {
				add("environments promote each other in a cycle ("+cycle+"), so none of them builds an image",
					"remove promoteFrom from the one that should build, usually the first after development")
			}
		}
	}
	return problems
}

// promotionCycle follows promoteFrom from start and returns the cycle through start, written
// "a → b → a", or "" when the chain ends at an environment that builds.
func promotionCycle(start string, byName map[string]rawEnvironment) string {
	chain := []string{start}
	seen := map[string]bool{start: true}
	for name := start; ; {
		next := byName[name].json.PromoteFrom
		if next == "" {
			return ""
		}
		if _, ok := byName[next]; !ok {
			return "" // reported at the environment that names it
		}
		chain = append(chain, next)
		if next == start {
			return strings.Join(chain, " → ")
		}
		if seen[next] {
			return "" // a cycle further up the chain, reported at its own members
		}
		seen[next] = true
		name = next
	}
}

func quoteAll(names []string) []string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return quoted
}

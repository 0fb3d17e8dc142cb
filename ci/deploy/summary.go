package deploy

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// How output stays readable from 2 tasks to 500: targets and tasks are counted, and named only
// when they are few or when they are the evidence, up to a handful.
const (
	// maxNamed is how many targets of a group a progress line names; a group with more is
	// counted per state.
	maxNamed = 3
	// maxExamples is how many unhealthy targets a counted group names as examples.
	maxExamples = 2
	// maxLine is the width a progress line keeps to: longer, its target groups go on lines of
	// their own.
	maxLine = 160
)

// targetStateOrder is the order states are counted in: the goal first, then the way there,
// then the trouble.
var targetStateOrder = []string{"healthy", "initial", "unhealthy", "draining", "unused", "unavailable", "not registered"}

// renderTargets summarises target states per group: each target named while a group has at
// most maxNamed ("tg web: 10.0.1.7:8080 initial (Elb.RegistrationInProgress)"), counted above
// that ("tg web: 148 healthy, 2 unhealthy (e.g. 10.0.1.9:8080 Target.ResponseCodeMismatch)").
func renderTargets(ts []targetState) []string {
	var out []string
	for _, g := range groupTargets(ts) {
		out = append(out, "tg "+g.name+": "+summariseGroup(g.targets))
	}
	return out
}

type targetGroupStates struct {
	name    string
	targets []targetState
}

// groupTargets splits ts (sorted by group) into its groups, in order.
func groupTargets(ts []targetState) []targetGroupStates {
	var out []targetGroupStates
	for _, t := range ts {
		if len(out) == 0 || out[len(out)-1].name != t.group {
			out = append(out, targetGroupStates{name: t.group})
		}
		out[len(out)-1].targets = append(out[len(out)-1].targets, t)
	}
	return out
}

func summariseGroup(ts []targetState) string {
	if len(ts) <= maxNamed {
		items := make([]string, len(ts))
		for i, t := range ts {
			items[i] = t.String()
		}
		return strings.Join(items, ", ")
	}
	counts := map[string]int{}
	var unhealthy []string
	for _, t := range ts {
		counts[t.state]++
		if t.state == "unhealthy" && len(unhealthy) < maxExamples {
			unhealthy = append(unhealthy, fmt.Sprintf("%s:%d %s", t.id, t.port, t.reason))
		}
	}
	var parts []string
	for _, s := range targetStateOrder {
		if n := counts[s]; n > 0 {
			part := fmt.Sprintf("%d %s", n, s)
			if s == "unhealthy" {
				part += " (e.g. " + strings.Join(unhealthy, ", ") + ")"
			}
			parts = append(parts, part)
			delete(counts, s)
		}
	}
	for s, n := range counts { // a state ELB may add one day
		parts = append(parts, fmt.Sprintf("%d %s", n, s))
	}
	return strings.Join(parts, ", ")
}

// sampled: the watcher knows a sample of our running tasks, not each (see followLive).
func (st watchState) sampled(ours *types.Deployment) bool {
	return int(ours.RunningCount) > len(st.runningTasks()) && len(st.live) >= describeBatch
}

// renderGroupStates counts every target of each group by state, ours or not: what a line says
// of a service too large to name its tasks' targets.
func renderGroupStates(spec *watchSpec, states map[string]map[string]int) []string {
	var out []string
	for _, lb := range spec.loadBalancers {
		group := aws.ToString(lb.TargetGroupArn)
		counts, ok := states[group]
		if group == "" || !ok {
			continue
		}
		var parts []string
		for _, s := range targetStateOrder {
			if n := counts[s]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		if len(parts) == 0 {
			parts = []string{"no targets"}
		}
		out = append(out, "tg "+groupName(spec.groups, group)+": "+strings.Join(parts, ", ")+" (all targets)")
	}
	return out
}

// joinLine is a progress line: head, then the target groups on the same line while it stays
// within maxLine, each on an indented line of its own otherwise.
func joinLine(head string, groups []string) string {
	if len(groups) == 0 {
		return head
	}
	one := head + "  | " + strings.Join(groups, " | ")
	if len(one) <= maxLine {
		return one
	}
	return head + "\n" + "            | " + strings.Join(groups, "\n            | ")
}

// sameWay groups evidence lines that differ only in the task or target they name: the first is
// kept whole, the others counted ("…; and 37 more tasks the same way").
type sameWay struct {
	order  []string
	first  map[string]string
	counts map[string]int
}

func (s *sameWay) add(key, line string) {
	if s.first == nil {
		s.first, s.counts = map[string]string{}, map[string]int{}
	}
	if _, ok := s.first[key]; !ok {
		s.order = append(s.order, key)
		s.first[key] = line
	}
	s.counts[key]++
}

func (s *sameWay) lines(what string) []string {
	var out []string
	for _, k := range s.order {
		line := s.first[k]
		if n := s.counts[k] - 1; n > 0 {
			line += fmt.Sprintf("; and %d more %s the same way", n, plural(n, what))
		}
		out = append(out, line)
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return what
	}
	return what + "s"
}

// stoppedTaskEvidence is the evidence of stopped tasks (scale-ins left out), identical stops
// counted under one example.
func stoppedTaskEvidence(tasks []types.Task) []string {
	var s sameWay
	for _, t := range tasks {
		if isScaleIn(t) {
			continue
		}
		line := taskEvidence(t)
		s.add(strings.Replace(line, shortTaskID(aws.ToString(t.TaskArn)), "", 1), line)
	}
	return s.lines("task")
}

// targetEvidence is the evidence of targets in state (all of them when state is ""), identical
// ones counted under one example.
func targetEvidence(ts []targetState, keep func(targetState) bool) []string {
	var s sameWay
	for _, t := range ts {
		if keep(t) {
			s.add(t.group+"|"+t.state+"|"+t.reason+"|"+t.description, t.evidence())
		}
	}
	return s.lines("target")
}

package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Timeline is where a deploy's time went, phase by phase, as measured from what the deploy
// watched, next to the floor the service's own settings impose and advice where a setting
// dominates. Its JSON is part of the result line: add fields, never rename them.
type Timeline struct {
	// Phases follow one another: each starts where the one before ended, and together they
	// span the deploy from its start to its end.
	Phases []Phase `json:"phases"`
	// Floor is what the service's settings impose on any deploy of it.
	Floor []Floor `json:"floor,omitempty"`
	// Advice names the settings that dominate, and what to change.
	Advice []string `json:"advice,omitempty"`
}

// Phase is one phase of a deploy: from the end of the one before to when Name happened.
type Phase struct {
	Name     string        `json:"name"`     // e.g. "targets healthy"
	Duration time.Duration `json:"duration"` // nanoseconds in JSON
	// Unseen: the deploy saw no evidence of the phase's end (no target groups, a task not
	// described): its time counts in the phase after it.
	Unseen bool `json:"unseen,omitempty"`
}

// Phase names, in order.
const (
	PhaseRegistered = "revision registered"
	PhasePlaced     = "tasks placed"
	PhasePulled     = "image pulled"
	PhaseStarted    = "containers started"
	PhaseHealthy    = "targets healthy"
	PhaseDrained    = "old tasks drained"
	PhaseRest       = "until the end" // the last phase of a deploy that did not succeed
)

// Floor is one setting of the service and the time it imposes on a deploy.
type Floor struct {
	Setting  string        `json:"setting"`  // e.g. "health checks", "deregistration delay"
	Duration time.Duration `json:"duration"` // the time it imposes; 0 when it is a count (Detail says)
	Detail   string        `json:"detail"`   // where it comes from, e.g. "target group web-tg: 5 checks × 30 s"
}

// Total is the phases' sum: the deploy's measured duration.
func (t *Timeline) Total() time.Duration {
	var sum time.Duration
	for _, p := range t.Phases {
		sum += p.Duration
	}
	return sum
}

// Share is p's part of the whole, in whole percent.
func (t *Timeline) Share(p Phase) int {
	total := t.Total()
	if total <= 0 {
		return 0
	}
	return int((p.Duration*100 + total/2) / total)
}

// Phase returns the phase named name, and whether there is one.
func (t *Timeline) Phase(name string) (Phase, bool) {
	for _, p := range t.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// RenderTimeline is the timeline as Render shows it; a nil t renders empty.
func RenderTimeline(t *Timeline) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	if len(t.Phases) > 0 {
		b.WriteString("timeline:\n")
		for _, p := range t.Phases {
			note := ""
			if p.Unseen {
				note = "  (not observed; counted in the next phase)"
			}
			fmt.Fprintf(&b, "  %-20s %8s %4d %%%s\n", p.Name, took(p.Duration), t.Share(p), note)
		}
		fmt.Fprintf(&b, "  %-20s %8s\n", "total", took(t.Total()))
	}
	b.WriteString(renderFloor(t.Floor, t.Advice))
	return b.String()
}

func renderFloor(floor []Floor, advice []string) string {
	var b strings.Builder
	if len(floor) > 0 {
		b.WriteString("what the service's settings impose:\n")
		for _, f := range floor {
			d := ""
			if f.Duration > 0 {
				d = took(f.Duration).String()
			}
			fmt.Fprintf(&b, "  %-20s %8s  %s\n", f.Setting, d, f.Detail)
		}
	}
	if len(advice) > 0 {
		b.WriteString("advice:\n")
		for _, a := range advice {
			fmt.Fprintf(&b, "  - %s\n", a)
		}
	}
	return b.String()
}

// TimelineMarkdown is the timeline as a Markdown table, for the GitHub Actions step summary;
// the floor and advice follow as a list. A nil t renders empty.
func TimelineMarkdown(t *Timeline) string {
	if t == nil || len(t.Phases) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| Phase | Took | Share |\n| --- | ---: | ---: |\n")
	for _, p := range t.Phases {
		name := p.Name
		if p.Unseen {
			name += " (not observed)"
		}
		fmt.Fprintf(&b, "| %s | %s | %d %% |\n", name, took(p.Duration), t.Share(p))
	}
	fmt.Fprintf(&b, "| **total** | **%s** | |\n", took(t.Total()))
	if len(t.Floor) > 0 {
		b.WriteString("\nWhat the service's settings impose:\n\n")
		for _, f := range t.Floor {
			d := ""
			if f.Duration > 0 {
				d = " " + took(f.Duration).String()
			}
			fmt.Fprintf(&b, "- %s%s: %s\n", f.Setting, d, f.Detail)
		}
	}
	if len(t.Advice) > 0 {
		b.WriteString("\nAdvice:\n\n")
		for _, a := range t.Advice {
			fmt.Fprintf(&b, "- %s\n", a)
		}
	}
	return b.String()
}

// Doctor is the analysis of a service's deploy settings, without deploying.
type Doctor struct {
	Cluster, Service string
	TaskDefinition   string // the live revision's ARN
	Floor            []Floor
	Advice           []string
	// LastDeploy is how long the service's last deployment took, as ECS recorded it (0 when
	// ECS keeps no record of one).
	LastDeploy time.Duration
	LastStatus string // that deployment's status, e.g. SUCCESSFUL
}

// Render writes the analysis for a person.
func (d *Doctor) Render(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "doctor: %s/%s", d.Cluster, d.Service)
	if d.TaskDefinition != "" {
		fmt.Fprintf(&b, " on %s", Revision(d.TaskDefinition))
	}
	b.WriteString("\n")
	if d.LastDeploy > 0 {
		fmt.Fprintf(&b, "last deployment: %s (%s)\n", took(d.LastDeploy), d.LastStatus)
	}
	b.WriteString(renderFloor(d.Floor, d.Advice))
	if len(d.Advice) == 0 {
		b.WriteString("advice: none; no setting stands out\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

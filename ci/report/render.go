package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Render writes res for a person, under heading (e.g. "deploy to staging"): what runs where
// now, how long it took, and the diagnosis with its next steps as n's commands. A nil res means
// the run stopped before it changed anything in AWS.
func Render(w io.Writer, heading string, res *Result, n Names) error {
	var b strings.Builder
	if res == nil {
		fmt.Fprintf(&b, "%s: nothing changed\n", heading)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%s: %s\n", heading, res.Outcome)
	row := rowsTo(&b, "  ")
	if len(res.Services) > 0 {
		renderRelease(&b, res, n)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if res.Cluster != "" || res.Service != "" {
		row("service", res.Cluster+"/"+res.Service)
	}
	row("image", res.Image)
	revisionRows(row, res)
	if m := res.Migration; m != nil {
		row("migration", m.String())
	}
	row("deployment", res.DeploymentID)
	if !res.Started.IsZero() && !res.Finished.IsZero() {
		row("took", fmt.Sprintf("%s (%d AWS calls)", took(res.Finished.Sub(res.Started)), res.APICalls))
	}
	b.WriteString(RenderTimeline(res.Timeline))
	b.WriteString(RenderDiagnosis(res.Diagnosis, n))
	_, err := io.WriteString(w, b.String())
	return err
}

// rowFunc writes one "label: value" row, or nothing when value is empty.
type rowFunc func(label, value string)

func rowsTo(b *strings.Builder, indent string) rowFunc {
	return func(label, value string) {
		if value != "" {
			fmt.Fprintf(b, "%s%-11s %s\n", indent, label+":", value)
		}
	}
}

// revisionRows says which revision the service went from and to.
func revisionRows(row rowFunc, res *Result) {
	switch old, next := Revision(res.PreviousTaskDefinition), Revision(res.TaskDefinition); {
	case res.Forced:
		row("revision", "forced redeployment of "+old)
	case old == next || next == "":
		row("revision", old)
	case old == "":
		row("revision", next)
	default:
		row("revision", old+" -> "+next)
	}
}

// renderRelease is Render for several services deployed as one: the release as a whole, its
// diagnosis and next steps once, then each service with its revisions, timeline and own diagnosis
// (its evidence and where it stands; the next steps are the release's).
func renderRelease(b *strings.Builder, res *Result, n Names) {
	row := rowsTo(b, "  ")
	var names []string
	for _, s := range res.Services {
		names = append(names, s.Cluster+"/"+s.Service)
	}
	row("services", strings.Join(names, ", "))
	row("image", res.Image)
	if m := res.Migration; m != nil {
		row("migration", m.String())
	}
	if !res.Started.IsZero() && !res.Finished.IsZero() {
		row("took", fmt.Sprintf("%s (%d AWS calls)", took(res.Finished.Sub(res.Started)), res.APICalls))
	}
	b.WriteString(RenderDiagnosis(res.Diagnosis, n))
	for i := range res.Services {
		s := &res.Services[i]
		fmt.Fprintf(b, "\nservice %s: %s\n", s.Service, s.Outcome)
		revisionRows(rowsTo(b, "  "), s)
		rowsTo(b, "  ")("deployment", s.DeploymentID)
		b.WriteString(RenderTimeline(s.Timeline))
		if d := s.Diagnosis; d != nil {
			own := *d
			own.NextSteps = nil
			b.WriteString(RenderDiagnosis(&own, n))
		}
	}
}

// String says the migration's command, task and end in one line.
func (m *Migration) String() string {
	line := strings.Join(m.Command, " ")
	if m.TaskID != "" {
		line += ", task " + m.TaskID
	}
	switch {
	case m.ExitCode != nil:
		line += fmt.Sprintf(", exit code %d", *m.ExitCode)
	case m.TaskID != "":
		line += ", no exit code"
	}
	return line + fmt.Sprintf(" after %s", took(m.Duration))
}

// took rounds a duration the way people read it: seconds, or milliseconds under one second.
func took(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// maxLine is the width a rendered line keeps to when it can be split.
const maxLine = 160

// RenderDiagnosis is the diagnosis as Render shows it, for callers that lay out the rest of the
// result themselves (the GitHub Actions step summary). A nil d renders empty.
func RenderDiagnosis(d *Diagnosis, n Names) string {
	if d == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(d.Summary)
	b.WriteString("\n")
	if len(d.Evidence) > 0 {
		b.WriteString("evidence:\n")
		for _, e := range d.Evidence {
			fmt.Fprintf(&b, "  - %s\n", e)
		}
	}
	if d.ServiceState != "" {
		line := "service now: " + d.ServiceState
		if len(line) > maxLine {
			// A service in several target groups: one part per line, for a terminal's width.
			line = "service now:\n  " + strings.ReplaceAll(d.ServiceState, "; ", "\n  ")
		}
		b.WriteString(line + "\n")
	}
	if len(d.NextSteps) > 0 {
		b.WriteString("next steps:\n")
		for _, s := range d.NextSteps {
			fmt.Fprintf(&b, "  - %s\n", StepLine(s, n))
		}
	}
	return b.String()
}

// StepLine says one step: its note, then the command n gives for its action (or the action in
// words when n has no command).
func StepLine(s Step, n Names) string {
	var command string
	if s.Action != "" {
		if command = n.Command(s); command == "" {
			command = s.describe()
		}
	}
	switch {
	case s.Note == "":
		return command
	case command == "":
		return s.Note
	}
	return s.Note + ": " + command
}

// describe says the step's action without a command.
func (s Step) describe() string {
	switch s.Action {
	case Rollback:
		if s.Revision == "" {
			return "roll back to the revision you pick"
		}
		return "roll back to " + s.Revision
	case Status:
		return "look at the service's status"
	case Deploy:
		if s.Force {
			return "deploy the same image again, forcing a new deployment"
		}
		if s.Image != "" {
			return "deploy " + s.Image
		}
		return "deploy again"
	}
	return string(s.Action)
}

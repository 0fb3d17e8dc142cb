package deploy

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	diffplan "dagger/pipeline/plan"
)

// PlanPreview is what a deploy with the same Options would do, read without changing anything.
type PlanPreview struct {
	Cluster, Service      string
	CurrentTaskDefinition string   // ARN of the revision the service runs
	Unchanged             bool     // the deploy would register nothing and leave the service alone
	Forced                bool     // the deploy would register nothing and start a new deployment of the live revision (Options.Force)
	Current               []byte   // canonical JSON of the RegisterTaskDefinitionInput of the live revision
	Next                  []byte   // … and of the revision the deploy would register
	ServiceChanges        []string // e.g. "taskDefinition: app:41 -> app:(next)"
	// Migration says the one-off task the deploy would run before it updates the service; ""
	// when none would run (no Options.Migration, or nothing to deploy).
	Migration string
}

// Preview reads and validates exactly as Deploy does before its first change (same errors:
// InputError for bad input) and tells what the deploy would change. It makes only Describe
// calls.
func Preview(ctx context.Context, c Clients, opts Options) (*PlanPreview, error) {
	r := &run{api: newAPI(c), progress: newProgress(opts.Progress)}
	p, err := r.prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	current, err := apiJSON(cloneTaskDefinition(p.live, p.tags))
	if err != nil {
		return nil, fmt.Errorf("render the live task definition: %w", err)
	}
	next, err := apiJSON(p.input)
	if err != nil {
		return nil, fmt.Errorf("render the new task definition: %w", err)
	}
	preview := &PlanPreview{
		Cluster: opts.Cluster, Service: opts.Service,
		CurrentTaskDefinition: aws.ToString(p.svc.TaskDefinition),
		Unchanged:             p.same && !opts.Force,
		Forced:                p.same && opts.Force,
		Current:               current, Next: next,
	}
	switch {
	case preview.Forced:
		preview.ServiceChanges = []string{fmt.Sprintf("deployment: a new deployment of %s, forced (no new revision)",
			revisionName(preview.CurrentTaskDefinition))}
	case !p.same:
		preview.ServiceChanges = []string{fmt.Sprintf("taskDefinition: %s -> %s:(next)",
			revisionName(preview.CurrentTaskDefinition), aws.ToString(p.input.Family))}
		if m := opts.Migration; m != nil {
			timeout := m.Timeout
			if timeout <= 0 {
				timeout = DefaultMigrationTimeout
			}
			preview.Migration = fmt.Sprintf("first runs %q once as a task of %s:(next), container %s, within %s; the service is updated only if it exits 0",
				m.Command, aws.ToString(p.input.Family), opts.Container, timeout)
		}
	}
	return preview, nil
}

// Changes lists the differences between the live task definition and the next one.
func (p *PlanPreview) Changes() ([]diffplan.Change, error) {
	return diffplan.DiffTaskDefinitions(p.Current, p.Next)
}

// Render writes the plan for a person: the service, what changes on it, and the task
// definition diff, one line per change.
func (p *PlanPreview) Render(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "service %s in cluster %s runs %s\n", p.Service, p.Cluster, revisionName(p.CurrentTaskDefinition))
	if p.Unchanged {
		b.WriteString("nothing to deploy: the image already runs (no new revision, service untouched)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	if p.Migration != "" {
		fmt.Fprintf(&b, "+ migration: %s\n", p.Migration)
	}
	for _, c := range p.ServiceChanges {
		fmt.Fprintf(&b, "~ service.%s\n", c)
	}
	if p.Forced {
		b.WriteString("task definition: unchanged (the image already runs)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("task definition:\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	changes, err := p.Changes()
	if err != nil {
		return err
	}
	return diffplan.Render(w, changes)
}

// PreviewServices is Preview of every service a deploy with opts changes (Options.More), the
// Target service's first; only its preview names the migration, which runs once.
func PreviewServices(ctx context.Context, c Clients, opts Options) ([]*PlanPreview, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	var all []*PlanPreview
	for _, o := range opts.members() {
		p, err := Preview(ctx, c, o)
		if err != nil {
			return nil, err
		}
		all = append(all, p)
	}
	return all, nil
}

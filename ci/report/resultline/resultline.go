// Package resultline is a deploy's result as one log line: the contract between the Dagger
// function, which runs in a container and can only print, and the runner-side GitHub Actions
// report (cmd/github-report), which finds the line in the log and turns it into the step summary,
// outputs and annotations. It lives apart from ghactions so that the GitHub Actions I/O depends on
// nothing of this module, and apart from report so that report stays free of third-party code.
package resultline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"

	"dagger/pipeline/ghactions"
	"dagger/pipeline/report"
)

// Marker starts the one log line that carries a deploy's result. A
// Dagger function runs in a container and cannot reach the runner's
// GITHUB_OUTPUT or GITHUB_STEP_SUMMARY, so it prints this line and a later
// workflow step (cmd/github-report) finds it in the log and reports it.
const Marker = "ecs-deploy-result: "

// Result is the machine-readable result of one deploy, as printed by
// Line and read back by Find. Its JSON field names are a contract
// between the Dagger function and the runner-side reporter: add fields, never
// rename them.
type Result struct {
	// Environment is the environments.json name, e.g. "staging".
	Environment string `json:"environment"`
	// Outcome is a report.Outcome: succeeded, unchanged, started, rolled-back, failed, superseded or interrupted.
	Outcome string `json:"outcome"`
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	// Image is the digest-pinned reference that was deployed (REPO[:TAG]@sha256:…).
	Image string `json:"image"`
	// PreviousTaskDefinition is the task-definition ARN that was live before the deploy.
	PreviousTaskDefinition string `json:"previousTaskDefinition"`
	// TaskDefinition is the ARN registered by the deploy, or the live one when unchanged.
	TaskDefinition string `json:"taskDefinition"`
	// DeploymentID is the ECS deployment the deploy started (ecs-svc/…).
	DeploymentID    string  `json:"deploymentId"`
	DurationSeconds float64 `json:"durationSeconds"`
	// APICalls counts the AWS calls the deploy made, retries included.
	APICalls int `json:"apiCalls"`
	// Migration is the one-off task the deploy ran before it updated the service; nil for none.
	Migration *Migration `json:"migration,omitempty"`
	// Diagnosis explains a failure; nil on success.
	Diagnosis *Diagnosis `json:"diagnosis,omitempty"`
	// Timeline is where the deploy's time went (report.Timeline), when it watched a rollout.
	Timeline *report.Timeline `json:"timeline,omitempty"`
	// Error is set by the caller when the deploy failed for a reason the
	// engine's Result does not cover: before any AWS change (bad input,
	// access denied), or after a good rollout (the smoke test).
	Error string `json:"error,omitempty"`
	// Services, for a deploy of several services as one release, is each one's result (without
	// environment, image and migration, which are the release's); the fields above are then the
	// release's, and its first service's.
	Services []Result `json:"services,omitempty"`
}

// Migration is report.Migration in the result line.
type Migration struct {
	Command []string `json:"command"`
	TaskID  string   `json:"taskId,omitempty"`
	// ExitCode is absent when the task ended without one (timed out, interrupted, not started).
	ExitCode        *int32  `json:"exitCode,omitempty"`
	DurationSeconds float64 `json:"durationSeconds"`
}

// Diagnosis is report.Diagnosis in the result line.
type Diagnosis struct {
	// Summary is one line naming the failing evidence.
	Summary string `json:"summary"`
	// Evidence lists stopped tasks, unhealthy targets, the circuit breaker's reason...
	Evidence []string `json:"evidence,omitempty"`
	// ServiceState is where the service stands now.
	ServiceState string `json:"serviceState,omitempty"`
	// NextSteps says what a person should do next, in the words of the deploy's caller (the
	// Dagger module's commands).
	NextSteps []string `json:"nextSteps,omitempty"`
	// Steps are the same steps as actions, for a reader that words them its own way (the
	// report names the workflow to re-run).
	Steps []report.Step `json:"steps,omitempty"`
}

// FromDeploy converts the deploy engine's result for environment env; n words its next steps
// as the deploy's caller would. A nil res (the deploy stopped before it changed anything in
// AWS) gives the outcome "failed"; set Error to say why.
func FromDeploy(env string, res *report.Result, n report.Names) Result {
	if res == nil {
		return Result{Environment: env, Outcome: string(report.Failed)}
	}
	out := Result{
		Environment:            env,
		Outcome:                string(res.Outcome),
		Cluster:                res.Cluster,
		Service:                res.Service,
		Image:                  res.Image,
		PreviousTaskDefinition: res.PreviousTaskDefinition,
		TaskDefinition:         res.TaskDefinition,
		DeploymentID:           res.DeploymentID,
		APICalls:               res.APICalls,
		Timeline:               res.Timeline,
	}
	if !res.Started.IsZero() && res.Finished.After(res.Started) {
		out.DurationSeconds = math.Round(res.Finished.Sub(res.Started).Seconds()*1000) / 1000
	}
	if m := res.Migration; m != nil {
		out.Migration = &Migration{Command: m.Command, TaskID: m.TaskID, ExitCode: m.ExitCode,
			DurationSeconds: math.Round(m.Duration.Seconds()*1000) / 1000}
	}
	if d := res.Diagnosis; d != nil {
		out.Diagnosis = &Diagnosis{
			Summary:      d.Summary,
			Evidence:     d.Evidence,
			ServiceState: d.ServiceState,
			Steps:        d.NextSteps,
		}
		for _, s := range d.NextSteps {
			out.Diagnosis.NextSteps = append(out.Diagnosis.NextSteps, report.StepLine(s, n))
		}
	}
	for i := range res.Services {
		one := FromDeploy("", &res.Services[i], n)
		one.Image, one.Migration = "", nil
		out.Services = append(out.Services, one)
	}
	return out
}

// Line renders r as the single log line Find looks for: the
// Marker followed by compact JSON, without a trailing newline. Print
// it as the last line of the deploy's output (on success) or of its error
// (on failure).
func Line(r Result) string {
	if math.IsNaN(r.DurationSeconds) || math.IsInf(r.DurationSeconds, 0) {
		r.DurationSeconds = 0 // JSON has no NaN; a lost duration beats a lost result
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// URLs and "<none>" stay readable in the raw log.
	enc.SetEscapeHTML(false)
	// Cannot fail: Result holds only strings, finite numbers and slices.
	_ = enc.Encode(r)
	// encoding/json escapes control characters inside strings, so the only
	// newline is the one Encode appends.
	return Marker + strings.TrimRight(b.String(), "\n")
}

// Succeeded reports whether the outcome is one the deploy engine returns
// without an error and nothing else failed.
func (r Result) Succeeded() bool {
	if r.Error != "" {
		return false
	}
	return report.Outcome(r.Outcome).OK()
}

// Duration is DurationSeconds as a time.Duration.
func (r Result) Duration() time.Duration {
	return time.Duration(r.DurationSeconds * float64(time.Second))
}

// Summary is r as the step summary shows it: task definitions as
// family:revision, the image split from its digest, and the diagnosis as
// the deploy engine's callers render it, its next steps in n's words.
func (r Result) Summary(n report.Names) ghactions.DeploySummary {
	s := ghactions.DeploySummary{
		Environment: r.Environment,
		Outcome:     r.Outcome,
		OldRevision: report.Revision(r.PreviousTaskDefinition),
		NewRevision: report.Revision(r.TaskDefinition),
	}
	if r.Cluster != "" || r.Service != "" {
		s.Service = r.Cluster + "/" + r.Service
	}
	if len(r.Services) > 0 {
		// One row each for the services and their revisions, in the services' order.
		var services, old, next []string
		for _, one := range r.Services {
			services = append(services, one.Cluster+"/"+one.Service+" ("+one.Outcome+")")
			old = append(old, report.Revision(one.PreviousTaskDefinition))
			next = append(next, report.Revision(one.TaskDefinition))
		}
		s.Service, s.OldRevision, s.NewRevision = strings.Join(services, ", "), strings.Join(old, ", "), strings.Join(next, ", ")
	}
	s.Image, s.Digest = splitDigest(r.Image)
	if r.Outcome == string(report.Unchanged) || s.OldRevision == s.NewRevision {
		// "service:41 (unchanged)" says more than "service:41 → service:41".
		s.OldRevision, s.NewRevision = cmp.Or(s.OldRevision, s.NewRevision), ""
	}
	if d := r.Duration(); d > 0 {
		if d >= time.Second {
			d = d.Round(time.Second)
		} else {
			d = d.Round(time.Millisecond)
		}
		s.Duration = d.String()
	}
	if r.APICalls > 0 {
		s.APICalls = strconv.Itoa(r.APICalls)
	}
	if m := r.Migration; m != nil {
		s.Migration = (&report.Migration{Command: m.Command, TaskID: m.TaskID, ExitCode: m.ExitCode,
			Duration: time.Duration(m.DurationSeconds * float64(time.Second))}).String()
	}
	s.Timeline = report.TimelineMarkdown(r.Timeline)
	var diagnosis strings.Builder
	if d := r.Diagnosis; d != nil {
		steps := d.Steps
		if steps == nil {
			// A result line without actions: its caller's words are all there is.
			for _, line := range d.NextSteps {
				steps = append(steps, report.Step{Note: line})
			}
		}
		diagnosis.WriteString(report.RenderDiagnosis(&report.Diagnosis{
			Summary:      d.Summary,
			Evidence:     d.Evidence,
			ServiceState: d.ServiceState,
			NextSteps:    steps,
		}, n))
	}
	for _, one := range r.Services {
		if d := one.Diagnosis; d != nil {
			// Each service's own evidence; the next steps are the release's, above.
			diagnosis.WriteString("\nservice " + one.Service + ": ")
			diagnosis.WriteString(report.RenderDiagnosis(&report.Diagnosis{Summary: d.Summary, Evidence: d.Evidence, ServiceState: d.ServiceState}, n))
		}
	}
	if r.Error != "" {
		if diagnosis.Len() > 0 {
			diagnosis.WriteString("\n")
		}
		diagnosis.WriteString("error: " + r.Error + "\n")
		if r.Diagnosis == nil {
			diagnosis.WriteString("next step: " + report.StepLine(report.Step{Note: "fix the error, then deploy again", Action: report.Deploy}, n) + "\n")
		}
	}
	s.Diagnosis = diagnosis.String()
	return s
}

// splitDigest splits a digest-pinned image reference into the image, fully qualified as deploys
// compare it (with its tag, if any), and the digest; any other image is shown as it is.
func splitDigest(image string) (name, digest string) {
	ref, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image, ""
	}
	d, ok := ref.(reference.Digested)
	if !ok {
		return image, ""
	}
	digest, name = d.Digest().String(), ref.Name()
	if t, ok := ref.(reference.Tagged); ok {
		name += ":" + t.Tag()
	}
	return name, digest
}

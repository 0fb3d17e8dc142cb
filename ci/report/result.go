// Package report is the result of a deploy or rollback as every caller of the deploy engine
// shows it: the outcome, the diagnosis, the next steps as actions (not command lines), the
// engine's inputs as fields (not flags), and the one rendering of all of it for people.
//
// The engine knows neither how it was invoked nor what its inputs are called where a person
// typed them; each caller (the ecs-deploy CLI, the Dagger module, the GitHub Actions report)
// says that through Names. The package imports only the standard library, so a program that
// only reads a result, such as the runner-side GitHub Actions report, links no AWS SDK.
package report

import (
	"strings"
	"time"
)

// Outcome is how a deploy or rollback ended.
type Outcome string

// Outcomes. The engine's error is nil only for Succeeded, Unchanged and Started.
const (
	Succeeded   Outcome = "succeeded"
	Unchanged   Outcome = "unchanged"   // the image already runs: no new revision, no UpdateService
	RolledBack  Outcome = "rolled-back" // failed; the service is back on the previous revision (by us or ECS)
	Failed      Outcome = "failed"      // failed and left as is (no rollback wanted), or the rollback itself failed
	Superseded  Outcome = "superseded"  // someone else's deployment replaced ours while we waited: we do NOT roll back
	Interrupted Outcome = "interrupted" // cancelled while waiting: state reported, how to roll back told
	Started     Outcome = "started"     // not waited for: the deployment was started and not watched
)

// OK reports whether the outcome is one the engine returns without an error.
func (o Outcome) OK() bool {
	switch o {
	case Succeeded, Unchanged, Started:
		return true
	}
	return false
}

// Result of a deploy or rollback.
type Result struct {
	Outcome                Outcome
	Cluster, Service       string
	Image                  string
	PreviousTaskDefinition string // ARN live before the deploy
	TaskDefinition         string // ARN registered (or the live one when Unchanged)
	DeploymentID           string // the ECS deployment we started (ecs-svc/...)
	// Forced: the deployment restarted the revision that already ran (TaskDefinition is
	// PreviousTaskDefinition), so that its new tasks read their secrets and parameters afresh.
	Forced bool
	// Migration is the one-off task run on the new revision before the service was updated; nil
	// when the deploy ran none.
	Migration         *Migration
	Diagnosis         *Diagnosis // nil on success
	Started, Finished time.Time
	APICalls          int // AWS calls made by this deploy, retries included
	// Timeline is where the deploy's time went, with what the service's settings impose; nil
	// when the deploy watched no rollout.
	Timeline *Timeline
	// Services, for a deploy or rollback of several services as one release, holds each one's
	// own Result, in the order they were given. The fields above are then the first service's,
	// except Outcome (the worst of them), Diagnosis (the release's: the failure that decided it,
	// where each service ended, the next steps) and APICalls (the release's). Nil for one service.
	Services []Result
}

// Migration is what a deploy's migration task did.
type Migration struct {
	Command  []string
	TaskID   string        // "" when RunTask started no task
	ExitCode *int32        // nil when the task did not end with one (timed out, interrupted, never started)
	Duration time.Duration // from RunTask to the task's end (or the deploy giving up on it)
}

// Diagnosis explains a deploy that did not succeed: what failed, the evidence, where the service
// stands now and what a person should do next.
type Diagnosis struct {
	Summary      string   // one line naming the failing evidence
	Evidence     []string // stopped tasks with exit codes, unhealthy targets with reason codes, circuit breaker reason, unmet conditions
	ServiceState string   // where the service stands now
	NextSteps    []Step   // what a person should do; the caller's Names turn actions into its commands
}

// String renders the diagnosis in the engine's own words, with no caller's commands: for logs
// and tests. People get Render or RenderDiagnosis with their caller's Names.
func (d *Diagnosis) String() string { return RenderDiagnosis(d, Plain) }

// Action is something a person can do about a service, which each caller names as one of its
// own commands.
type Action string

// Actions.
const (
	// Rollback points the service back at Step.Revision (family:revision), or at a revision the
	// person picks when Revision is empty.
	Rollback Action = "rollback"
	// Status shows where the service stands.
	Status Action = "status"
	// Deploy deploys again: the same image, or Step.Image when set.
	Deploy Action = "deploy"
)

// Step is one next step of a diagnosis or an input error: the engine's note, an action, or a
// note that leads to an action ("to roll back" + Rollback to web:1). Its JSON is part of the
// result line the GitHub Actions report reads: add fields, never rename them.
type Step struct {
	Note     string `json:"note,omitempty"`     // in the engine's words; the whole step when Action is empty
	Action   Action `json:"action,omitempty"`   // what to run, named by the caller
	Revision string `json:"revision,omitempty"` // Rollback's target, family:revision
	// Image is what Deploy deploys instead of the same image: a digest-pinned reference, or only
	// the digest (sha256:…) when the engine knows no repository.
	Image string `json:"image,omitempty"`
	// Force: Deploy starts a new deployment even when the image already runs.
	Force bool `json:"force,omitempty"`
}

// Field is one of the engine's inputs. The engine names the fields at fault; the caller says
// where a person sets them (a flag, an environment variable, a key of a configuration file).
type Field string

// Fields.
const (
	FieldCluster        Field = "cluster"
	FieldService        Field = "service"
	FieldContainer      Field = "container"
	FieldImage          Field = "image"
	FieldTaskDefinition Field = "task definition"
	FieldRevision       Field = "revision"     // the revision a rollback goes to
	FieldImageDigest    Field = "image digest" // the image whose revision a rollback goes back to
	FieldRegion         Field = "region"
	FieldMigration      Field = "migration" // the command (and timeout) run before the service is updated
)

// Names is how a caller says the engine's fields and actions to a person.
type Names interface {
	// Command is the command line that takes step's action where the person is (step.Action is
	// not empty); "" when the caller has no command for it, and the action is then described.
	Command(step Step) string
	// Inputs says where a person sets these fields, e.g. "--cluster, --service".
	Inputs(fields ...Field) string
}

// Plain names no commands and calls fields by the engine's names.
var Plain Names = plain{}

type plain struct{}

func (plain) Command(Step) string { return "" }

func (plain) Inputs(fields ...Field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// Revision shortens a task-definition ARN to family:revision, the form people, the ECS console
// and `aws ecs` use; anything else is returned as is.
func Revision(taskDefinitionARN string) string {
	if i := strings.LastIndex(taskDefinitionARN, ":task-definition/"); i >= 0 && strings.HasPrefix(taskDefinitionARN, "arn:") {
		return taskDefinitionARN[i+len(":task-definition/"):]
	}
	return taskDefinitionARN
}

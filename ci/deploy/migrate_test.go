package deploy_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

var migrateCommand = []string{"/app/service", "migrate"}

func withMigration(timeout time.Duration) func(*deploy.Options) {
	return func(o *deploy.Options) { o.Migration = &deploy.Migration{Command: migrateCommand, Timeout: timeout} }
}

// The migration runs the new revision with the deploy container's command replaced and the
// service's network; its lines stream into the progress before the service is updated.
func TestMigrationSucceedsThenRollsOut(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit),
		Migration: fakeaws.MigrationSucceeds("applying 0001_init", "applying 0002_users", "2 migrations applied")}, withMigration(0))
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)
	r.wantServiceOn(t, 2, 2)
	reqs := r.fake.RunTaskRequests()
	if len(reqs) != 1 {
		t.Fatalf("RunTask calls = %d, want 1", len(reqs))
	}
	if q := reqs[0]; !refersTo(q.TaskDefinition, 2) || q.Container != fakeaws.DefaultContainer || !slices.Equal(q.Command, migrateCommand) ||
		q.LaunchType != "FARGATE" || len(q.Subnets) == 0 {
		t.Errorf("RunTask asked for %+v; want revision 2, container %s running %v, FARGATE, the service's subnets", q, fakeaws.DefaultContainer, migrateCommand)
	}
	last, update := strings.Index(r.progress, "migration | 2 migrations applied"), strings.Index(r.progress, "service "+fakeaws.DefaultService+" now on")
	if !strings.Contains(r.progress, "migration | applying 0001_init") || last < 0 || update < last {
		t.Errorf("want the migration's lines in order before the service update in the progress")
	}
	if n := strings.Count(r.progress, "migration | applying 0002_users"); n != 1 {
		t.Errorf("a log line printed %d times, want once: the next read starts after it", n)
	}
	if m := r.res.Migration; m == nil || m.TaskID != reqs[0].TaskID || m.ExitCode == nil || *m.ExitCode != 0 || m.Duration <= 0 {
		t.Errorf("Result.Migration = %+v; want task %s, exit code 0, a duration", m, reqs[0].TaskID)
	}
}

// A failing migration changes nothing: no UpdateService, and the diagnosis has what a person
// needs to act (the task, its exit code and reason, its last lines).
func TestMigrationFailureLeavesTheServiceAlone(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 25 {
		lines = append(lines, "step "+strings.Repeat("x", i%3)+string(rune('a'+i)))
	}
	lines = append(lines, "ERROR: relation \"users\" already exists")
	cfg := fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Migration: fakeaws.MigrationFails(3, lines...)}
	r := runDeploy(t, cfg, withMigration(0))
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1)
	if n := r.fake.CallCount("UpdateService"); n != 0 {
		t.Errorf("UpdateService called %d times after the migration failed", n)
	}
	id := r.fake.RunTaskRequests()[0].TaskID
	r.wantDiagnosis(t, "migration task "+id+" exited with code 3 (Essential container in task exited)",
		"the service was not updated (still on web:1)", "web:2 stays registered but unused",
		"last 20 log lines", "| ERROR: relation \"users\" already exists", "deploy again")
	if d := r.diagnosis(); strings.Contains(d, "| "+lines[5]+"\n") {
		t.Errorf("the diagnosis quotes more than the last 20 lines:\n%s", d)
	}
	if got := r.fake.TaskDefinitionStatus(2); got != "ACTIVE" {
		t.Errorf("revision 2 is %s; the diagnosis says it stays registered", got)
	}
	if m := r.res.Migration; m == nil || m.ExitCode == nil || *m.ExitCode != 3 {
		t.Errorf("Result.Migration = %+v, want exit code 3", m)
	}
}

// A migration that outlives its timeout is stopped, and the service is left alone.
func TestMigrationTimeoutStopsTheTask(t *testing.T) {
	t.Parallel()
	cfg := fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Migration: fakeaws.MigrationHangs("waiting for lock")}
	r := runDeploy(t, cfg, withMigration(500*time.Millisecond))
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1)
	if n := r.fake.CallCount("StopTask"); n != 1 {
		t.Errorf("StopTask called %d times, want 1", n)
	}
	r.wantDiagnosis(t, "did not finish within 500ms; it was stopped", "the service was not updated", "| waiting for lock")
}

// Ctrl-C during the migration stops its task with a context of its own and reports Interrupted.
func TestMigrationInterruptStopsTheTask(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit), Migration: fakeaws.MigrationHangs("locking schema")})
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := defaultOptions()
	withMigration(20 * time.Second)(&opts)
	// Ctrl-C once the migration is seen running: its first log line reached the progress.
	opts.Progress = cancelOn{"migration | locking schema", cancel}
	res, err := deploy.Deploy(ctx, clients, opts)
	if res == nil || res.Outcome != deploy.Interrupted || deploy.ExitCode(res, err) != deploy.ExitInterrupted || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want Interrupted caused by the cancellation", res, err)
	}
	if n := fake.CallCount("StopTask"); n != 1 {
		t.Errorf("StopTask called %d times, want 1", n)
	}
	if n := fake.CallCount("UpdateService"); n != 0 {
		t.Errorf("UpdateService called %d times", n)
	}
	if d := res.Diagnosis.String(); !strings.Contains(d, "it was stopped") || !strings.Contains(d, "the service was not updated") {
		t.Errorf("diagnosis:\n%s", d)
	}
}

// A task ECS cannot place is a failed migration too: the service is not updated.
func TestMigrationThatCannotStartLeavesTheServiceAlone(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{Scenario: fakeaws.HealthyRollout(scenarioUnit),
		Migration: &fakeaws.Migration{Unplaceable: "RESOURCE:MEMORY"}}, withMigration(0))
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	r.wantServiceOn(t, 1)
	r.wantDiagnosis(t, "the migration task could not be started: RunTask started no task: RESOURCE:MEMORY", "the service was not updated")
	if m := r.res.Migration; m == nil || m.TaskID != "" || m.ExitCode != nil {
		t.Errorf("Result.Migration = %+v, want no task and no exit code", m)
	}
}

// An empty command is refused before anything changes.
func TestMigrationWithoutCommandIsBadInput(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, fakeaws.Config{}, func(o *deploy.Options) { o.Migration = &deploy.Migration{} })
	var inputErr *deploy.InputError
	if !errors.As(r.err, &inputErr) || r.fake.CallCount("") != 0 {
		t.Errorf("err %v after %d calls; want an InputError before any call", r.err, r.fake.CallCount(""))
	}
}

// cancelOn cancels when a progress write holds its text.
type cancelOn struct {
	text   string
	cancel context.CancelFunc
}

func (c cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.text) {
		c.cancel()
	}
	return len(p), nil
}

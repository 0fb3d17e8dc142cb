package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
)

// webAndWorker is the fake's web service (behind the load balancer) playing web, next to a queue
// worker without a load balancer playing worker.
func webAndWorker(web, worker fakeaws.Scenario) fakeaws.Config {
	return fakeaws.Config{Scenario: web, MoreServices: []fakeaws.ServiceConfig{
		{Service: "worker", Container: "worker", NoLoadBalancer: true, Scenario: worker},
	}}
}

// withWorker deploys the worker too.
func withWorker(o *deploy.Options) {
	o.More = []deploy.Member{{Service: "worker", Container: "worker"}}
}

// serviceResult is the named service's own Result in a release.
func serviceResult(t *testing.T, res *deploy.Result, name string) deploy.Result {
	t.Helper()
	for _, s := range res.Services {
		if s.Service == name {
			return s
		}
	}
	t.Fatalf("the release has no result for %s: %+v", name, res.Services)
	return deploy.Result{}
}

func TestSeveralServicesRollOutTogether(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, webAndWorker(fakeaws.HealthyRollout(scenarioUnit), fakeaws.SlowStart(scenarioUnit)), withWorker)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)

	for _, name := range []string{fakeaws.DefaultService, "worker"} {
		own := serviceResult(t, r.res, name)
		if own.Outcome != deploy.Succeeded || own.TaskDefinition != r.fake.TaskDefinitionArnOf(name, 2) {
			t.Errorf("%s: %s on %s, want succeeded on its revision 2", name, own.Outcome, own.TaskDefinition)
		}
		if got := r.fake.ServiceTaskDefinitionOf(name); got != r.fake.TaskDefinitionArnOf(name, 2) {
			t.Errorf("%s runs %s, want its revision 2", name, got)
		}
		if !strings.Contains(r.progress, name+" | succeeded") {
			t.Errorf("no progress line says %s succeeded", name)
		}
	}
	// The worker has no load balancer: its own timeline has no target phase to wait for, and the
	// release waited for the slower of the two.
	if r.res.Services[1].Timeline == nil || r.res.Timeline != r.res.Services[0].Timeline {
		t.Errorf("timelines: release %v, web %v, worker %v", r.res.Timeline, r.res.Services[0].Timeline, r.res.Services[1].Timeline)
	}
}

// The watches share their DescribeServices calls: a release of two services costs about what a
// deploy of one does, not twice as much.
func TestSeveralServicesShareOneDescribeServicesARound(t *testing.T) {
	t.Parallel()
	poll := func(o *deploy.Options) {
		o.Poll = deploy.PollPolicy{Initial: 100 * time.Millisecond, Max: 200 * time.Millisecond, CallsPerSecond: 20}
	}
	// Rollouts of a few seconds: a dozen rounds of looks.
	unit := 3 * scenarioUnit
	one := runDeploy(t, webAndWorker(fakeaws.HealthyRollout(unit), fakeaws.HealthyRollout(unit)), poll)
	both := runDeploy(t, webAndWorker(fakeaws.HealthyRollout(unit), fakeaws.HealthyRollout(unit)), func(o *deploy.Options) {
		poll(o)
		withWorker(o)
	})
	one.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)
	both.wantOutcome(t, deploy.Succeeded, deploy.ExitOK)
	single, release := one.fake.CallCount("DescribeServices"), both.fake.CallCount("DescribeServices")
	t.Logf("DescribeServices: one %d, both %d", single, release)
	if release > single+single/2+2 {
		t.Errorf("DescribeServices: %d for two services, %d for one; want the release to read both in one call a round", release, single)
	}
	for _, c := range both.fake.Calls() {
		if c.Op == "DescribeServices" && len(c.Services) != 2 {
			t.Errorf("a DescribeServices of the release named %v, want both services", c.Services)
		}
	}
}

// One of two services crashes: both go back to their previous revisions, the healthy one too,
// and each says why.
func TestSeveralServicesOneFailsBothRollBack(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, webAndWorker(fakeaws.HealthyRollout(scenarioUnit), fakeaws.CrashLoop(scenarioUnit)), withWorker)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.RolledBack, deploy.ExitRolledBack)

	for _, name := range []string{fakeaws.DefaultService, "worker"} {
		if got := r.fake.ServiceTaskDefinitionOf(name); got != r.fake.TaskDefinitionArnOf(name, 1) {
			t.Errorf("%s runs %s, want its previous revision 1", name, got)
		}
		if got := r.fake.UpdateServiceRequestsOf(name); len(got) != 2 || got[1] != r.fake.TaskDefinitionArnOf(name, 1) {
			t.Errorf("%s's UpdateService calls: %v; want the deploy, then back to revision 1", name, got)
		}
		if own := serviceResult(t, r.res, name); own.Outcome != deploy.RolledBack {
			t.Errorf("%s: %s, want rolled-back", name, own.Outcome)
		}
	}
	worker := serviceResult(t, r.res, "worker").Diagnosis.String()
	if !strings.Contains(worker, "exit code") {
		t.Errorf("worker's diagnosis does not name the exit code:\n%s", worker)
	}
	web := serviceResult(t, r.res, fakeaws.DefaultService).Diagnosis.String()
	if !strings.Contains(web, "taken back with the rest of the release: worker failed") {
		t.Errorf("web's diagnosis does not say why it went back:\n%s", web)
	}
	release := r.res.Diagnosis
	if !strings.HasPrefix(release.Summary, "worker: ") || !strings.Contains(release.ServiceState, "web rolled-back (on web:1); worker rolled-back (on worker:1)") {
		t.Errorf("the release's diagnosis: %q, state %q", release.Summary, release.ServiceState)
	}
	if !strings.Contains(r.err.Error(), "worker") {
		t.Errorf("err = %v, want it to name worker", r.err)
	}
}

// Told not to roll back, a release leaves every service where the deploy took it.
func TestSeveralServicesNoRollbackLeavesThem(t *testing.T) {
	t.Parallel()
	r := runDeploy(t, webAndWorker(fakeaws.HealthyRollout(scenarioUnit), fakeaws.CrashLoop(scenarioUnit)), func(o *deploy.Options) {
		withWorker(o)
		o.NoRollback = true
	})
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	for _, name := range []string{fakeaws.DefaultService, "worker"} {
		if got := len(r.fake.UpdateServiceRequestsOf(name)); got != 1 {
			t.Errorf("%s got %d UpdateService calls, want only the deploy's", name, got)
		}
	}
	steps := report.RenderDiagnosis(r.res.Diagnosis, report.Plain)
	if !strings.Contains(steps, "roll back to the revision you pick") && !strings.Contains(steps, "roll back") {
		t.Errorf("the next steps do not say how to roll back:\n%s", steps)
	}
	for _, s := range r.res.Diagnosis.NextSteps {
		if s.Action == report.Rollback && s.Revision != "" {
			t.Errorf("a release's rollback step names one service's revision %s: a rollback of the release takes each back", s.Revision)
		}
	}
}

// A migration that fails changes no service: neither is updated, and both new revisions are
// said to stay unused.
func TestSeveralServicesMigrationFailsNoneUpdated(t *testing.T) {
	t.Parallel()
	cfg := webAndWorker(fakeaws.HealthyRollout(scenarioUnit), fakeaws.HealthyRollout(scenarioUnit))
	cfg.Migration = fakeaws.MigrationFails(2, "relation already exists")
	r := runDeploy(t, cfg, func(o *deploy.Options) {
		withWorker(o)
		withMigration(0)(o)
	})
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	for _, name := range []string{fakeaws.DefaultService, "worker"} {
		if got := r.fake.UpdateServiceRequestsOf(name); len(got) != 0 {
			t.Errorf("%s was updated (%v) after a failed migration", name, got)
		}
	}
	if n := len(r.fake.RunTaskRequests()); n != 1 {
		t.Errorf("%d migration tasks, want one for the release", n)
	}
	if d := serviceResult(t, r.res, "worker").Diagnosis.String(); !strings.Contains(d, "worker:2 stays registered but unused") {
		t.Errorf("worker's diagnosis:\n%s", d)
	}
}

// Ctrl-C while both roll out: each is reported interrupted, where it stands, with the way back.
func TestSeveralServicesInterruptedWhileWatching(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(webAndWorker(fakeaws.SlowStart(scenarioUnit), fakeaws.SlowStart(scenarioUnit)))
	clients := fakeClients(t, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		select {
		case <-fake.DeploymentStartedOf("worker"):
			cancel() // Ctrl-C
		case <-ctx.Done():
		}
	}()
	opts := defaultOptions()
	withWorker(&opts)
	res, err := deploy.Deploy(ctx, clients, opts)
	if res == nil || res.Outcome != deploy.Interrupted || !errors.Is(err, context.Canceled) && deploy.ExitCode(res, err) != deploy.ExitInterrupted {
		t.Fatalf("Deploy = %+v, %v; want interrupted", res, err)
	}
	for _, s := range res.Services {
		if s.Outcome != deploy.Interrupted || s.Diagnosis == nil {
			t.Errorf("%s: %s, diagnosis %v; want interrupted with a diagnosis", s.Service, s.Outcome, s.Diagnosis)
			continue
		}
		if !strings.Contains(s.Diagnosis.String(), "roll back to "+strings.SplitN(s.Service, "-", 2)[0]+":1") {
			t.Errorf("%s's diagnosis does not say how to go back:\n%s", s.Service, s.Diagnosis)
		}
	}
}

// UpdateService fails for the second service: the first, already updated, goes back; the second's
// unused revision is deregistered.
func TestSeveralServicesUpdateFailsForOneTheOtherGoesBack(t *testing.T) {
	t.Parallel()
	cfg := webAndWorker(fakeaws.HealthyRollout(scenarioUnit), fakeaws.HealthyRollout(scenarioUnit))
	cfg.Faults = []fakeaws.Fault{{Op: "UpdateService", Code: "AccessDeniedException", Skip: 1, Times: 1}}
	r := runDeploy(t, cfg, withWorker)
	defer r.logOnFailure(t)
	r.wantOutcome(t, deploy.Failed, deploy.ExitFailed)
	for _, name := range []string{fakeaws.DefaultService, "worker"} {
		if got := r.fake.ServiceTaskDefinitionOf(name); got != r.fake.TaskDefinitionArnOf(name, 1) {
			t.Errorf("%s runs %s, want its previous revision 1", name, got)
		}
	}
	if got := serviceResult(t, r.res, fakeaws.DefaultService).Outcome; got != deploy.RolledBack {
		t.Errorf("web: %s, want rolled-back with the release", got)
	}
	if got := r.fake.TaskDefinitionStatusOf("worker", 2); got != "INACTIVE" {
		t.Errorf("worker:2 is %s, want INACTIVE: it was never deployed", got)
	}
	if !strings.HasPrefix(r.res.Diagnosis.Summary, "worker: UpdateService failed") {
		t.Errorf("the release's diagnosis: %q", r.res.Diagnosis.Summary)
	}
}

// Bad input about the services themselves is told before any AWS call.
func TestSeveralServicesValidate(t *testing.T) {
	many := make([]deploy.Member, deploy.MaxServices)
	for i := range many {
		many[i] = deploy.Member{Service: fmt.Sprintf("worker-%d", i), Container: "worker"}
	}
	base := defaultOptions()
	for _, c := range []struct {
		name string
		more []deploy.Member
		want string
	}{
		{"eleven", many, "11 services in one deploy"},
		{"twice", []deploy.Member{{Service: fakeaws.DefaultService, Container: "app"}}, `service "web" is named twice`},
		{"no container", []deploy.Member{{Service: "worker"}}, "missing container"},
	} {
		opts := base
		opts.More = c.more
		var input *deploy.InputError
		if err := opts.Validate(); !errors.As(err, &input) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Validate = %v, want an InputError saying %q", c.name, err, c.want)
		}
	}
	names := make([]string, deploy.MaxServices)
	for i := range names {
		names[i] = fmt.Sprintf("worker-%d", i)
	}
	for _, c := range []struct {
		name string
		opts deploy.RollbackOptions
		want string
	}{
		{"eleven", deploy.RollbackOptions{Cluster: "demo", Service: "web", More: names}, "11 services in one rollback"},
		{"twice", deploy.RollbackOptions{Cluster: "demo", Service: "web", More: []string{"worker", "web"}}, `service "web" is named twice`},
		{"empty", deploy.RollbackOptions{Cluster: "demo", Service: "web", More: []string{""}}, "missing service"},
	} {
		var input *deploy.InputError
		if err := c.opts.Validate(); !errors.As(err, &input) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rollback %s: Validate = %v, want an InputError saying %q", c.name, err, c.want)
		}
	}
}

// Package deploy deploys a container image to an Amazon ECS service behind an Application Load
// Balancer and tells, at the first evidence, whether it worked: it registers a new task
// definition revision (cloned from the live one, or rendered from a committed file), points the
// service at it, and watches the rollout — our deployment, our tasks, and our tasks' targets in
// the load balancer — until all are good, something fails, or the time runs out. On failure it
// names the task that died (exit codes, reasons), the target that stayed out (reason codes) or
// the circuit breaker's verdict, and rolls back unless told not to.
//
// The package imports no Dagger types: the ecs-deploy CLI (cmd/ecs-deploy) and the Dagger
// functions both drive it. It speaks of its own inputs (cluster, service, container, image, task
// definition) and of actions (roll back to a revision, look at the service), never of a
// caller's flags or commands: results and input errors carry them as package report's fields
// and steps, which each caller words (report.Names).
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// Options of a deploy.
type Options struct {
	Target
	Image string // must be digest-pinned: REGISTRY/REPO[:TAG]@sha256:<64 hex>
	// TaskDefinition, when not nil, is the committed task definition to register instead of a
	// clone of the live revision: JSON of RegisterTaskDefinition's input or of
	// DescribeTaskDefinition's output (see ParseTaskDefinition).
	TaskDefinition   []byte
	Timeout          time.Duration // 0: derived from the target groups' health-check settings + deregistration delay (see deriveTimeout)
	NoRollback       bool          // on failure, leave the service as it is
	DeregisterFailed bool          // deregister the failed revision after rolling back
	Poll             PollPolicy    // zero value = defaults; tests use small values
	Progress         io.Writer     // one line per state change; nil discards

	// NoWait stops after UpdateService: the Result (Outcome Started) says which revision and
	// deployment were started, and nobody watches the rollout. For emulators that simulate no
	// rollout (moto), and for callers that watch on their own.
	NoWait bool

	// Force starts a new deployment of the live revision when the image already runs, instead of
	// leaving the service untouched: its new tasks read their secrets and parameters afresh (a
	// rotated secret). Nothing else differs from a deploy, except what a failure can undo (see
	// recoverForced). When the image or task definition changes it has no effect: the new
	// revision starts a new deployment anyway.
	Force bool

	// Migration, when not nil, runs once on the new revision before the service is updated; if
	// it does not exit 0 the service is left as it was (see Migration).
	Migration *Migration

	// More are further services of Cluster that take Image in the same deploy, as one release
	// (see deploySeveral): each gets its own revision, all are updated and watched together, and
	// if any fails all go back. The migration runs once, as the Target service's task.
	More []Member
}

// The result types live in package report, which its readers can import without the AWS SDK.
type (
	// Outcome is how a deploy or rollback ended.
	Outcome = report.Outcome
	// Result of a deploy or rollback.
	Result = report.Result
	// Diagnosis explains a deploy that did not succeed.
	Diagnosis = report.Diagnosis
)

// Outcomes. err is nil only for Succeeded, Unchanged and Started.
const (
	Succeeded   = report.Succeeded
	Unchanged   = report.Unchanged
	RolledBack  = report.RolledBack
	Failed      = report.Failed
	Superseded  = report.Superseded
	Interrupted = report.Interrupted
	Started     = report.Started
)

// plan is everything read and checked before the first change.
type plan struct {
	svc     *types.Service
	live    *types.TaskDefinition
	tags    []types.Tag                      // the live revision's
	input   *ecs.RegisterTaskDefinitionInput // the new revision
	groups  map[string]targetGroup
	timeout time.Duration
	same    bool // the new revision would be the live one
}

// run is one Deploy or Rollback: its API wrapper (call count), progress log and options.
type run struct {
	api      *api
	progress *progress
	poll     PollPolicy
	updateAt time.Time // just before our UpdateService: the service deployments since are ours or later
	budget   *budget   // the call budget of all the run's waiting (the deploy's and its rollback's), from UpdateService
	// instances: the EC2 instances of the container instances the run's watches learnt
	instances map[string]string
	// timeline records the deploy's watch (not a rollback's); settings are what it is read against
	timeline *timelineRecorder
	settings settings
}

// Deploy runs the whole flow: read and validate, register the new revision, update the
// service, watch the rollout, and roll back on failure. err is nil only for Succeeded,
// Unchanged and Started. The Result is non-nil whenever anything may have changed in AWS, so
// callers can always report it.
func Deploy(ctx context.Context, c Clients, opts Options) (res *Result, err error) {
	if len(opts.More) > 0 {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
		return deploySeveral(ctx, c, opts)
	}
	r := &run{api: newAPI(c), progress: newProgress(opts.Progress), poll: opts.Poll}
	r.api.recent.maxAge = opts.Poll.withDefaults().Max // the watcher's own freshness
	started := time.Now()
	defer func() {
		if res != nil {
			res.Started, res.Finished, res.APICalls = started, time.Now(), r.api.calls.Count()
			r.addTimeline(res)
		}
	}()

	// 1. Read the service and check everything, before any change.
	p, err := r.prepare(ctx, opts)
	if err != nil {
		return nil, err
	}
	res = &Result{
		Cluster: opts.Cluster, Service: opts.Service, Image: opts.Image,
		PreviousTaskDefinition: aws.ToString(p.svc.TaskDefinition),
	}
	if p.same && !opts.Force {
		res.Outcome, res.TaskDefinition = Unchanged, res.PreviousTaskDefinition
		r.progress.printf("%s already runs in %s: nothing to deploy (no new revision, service untouched)",
			opts.Image, revisionName(res.PreviousTaskDefinition))
		return res, nil
	}
	if p.same {
		return r.redeploy(ctx, opts, res, p)
	}

	// 2. Register the new revision.
	registered, err := r.api.register(ctx, p.input)
	if err != nil {
		return nil, err // nothing changed
	}
	res.TaskDefinition = aws.ToString(registered.TaskDefinitionArn)
	r.progress.printf("registered %s (container %s: %s)", revisionName(res.TaskDefinition), opts.Container, opts.Image)
	if ctx.Err() != nil {
		return r.interruptedBeforeUpdate(ctx, res)
	}

	// 3. Run the migration on it, if any: the service changes only after it exited 0.
	if opts.Migration != nil {
		if failed, err := r.migrate(ctx, opts, res, p, registered); failed != nil {
			return failed, err
		}
	}

	// 4. Point the service at it, and remember which deployment is ours.
	r.startUpdate()
	id, updated, err := r.api.updateService(ctx, opts.Cluster, opts.Service, res.TaskDefinition, false)
	if err != nil {
		return r.updateFailed(ctx, res, err)
	}
	res.DeploymentID = id
	r.progress.printf("service %s now on %s: deployment %s", opts.Service, revisionName(res.TaskDefinition), orUnknown(id))
	return r.await(ctx, opts, res, p, updated)
}

// addTimeline gives res the timeline of the run's watch, if it watched a rollout: its phases
// from res.Started to res.Finished, what the service's settings impose, and advice.
func (r *run) addTimeline(res *Result) {
	if r.timeline == nil {
		return
	}
	res.Timeline = r.timeline.timeline(res.Started, r.updateAt, res.Finished, res.Outcome == Succeeded)
	res.Timeline.Floor = r.settings.floor()
	res.Timeline.Advice = advise(r.settings, res.Timeline)
}

// redeploy starts a new deployment of the live revision (Options.Force with the image that
// already runs): no new revision, then the same watch as any deploy.
func (r *run) redeploy(ctx context.Context, opts Options, res *Result, p *plan) (*Result, error) {
	res.TaskDefinition, res.Forced = res.PreviousTaskDefinition, true
	rev := revisionName(res.TaskDefinition)
	r.progress.printf("%s already runs in %s: starting a new deployment of it (forced; no new revision)", opts.Image, rev)
	before := primaryDeployment(p.svc)
	r.startUpdate()
	id, updated, err := r.api.updateService(ctx, opts.Cluster, opts.Service, res.TaskDefinition, true)
	if err != nil {
		return r.redeployFailed(ctx, res, p, before, err)
	}
	if before != nil && id == aws.ToString(before.Id) {
		// The PRIMARY deployment on the revision is the one that already ran: ECS started none,
		// and watching that one would report its old success as ours.
		id = ""
	}
	res.DeploymentID = id
	r.progress.printf("service %s: new deployment %s of %s", opts.Service, orUnknown(id), rev)
	return r.await(ctx, opts, res, p, updated)
}

// await watches the deployment UpdateService started (res.DeploymentID) to its end, and
// recovers from a failure.
func (r *run) await(ctx context.Context, opts Options, res *Result, p *plan, updated *types.Service) (*Result, error) {
	id := res.DeploymentID
	if opts.NoWait {
		res.Outcome = Started
		return res, nil
	}
	if id == "" {
		return r.noDeployment(ctx, res, p)
	}

	// 5. Wait until our deployment, tasks and targets are all good — or fail at the first evidence.
	out, err := r.watchRollout(ctx, opts, res, p, updated)
	if err != nil {
		return r.lostSight(ctx, res, p, err)
	}
	switch out.verdict {
	case verdictSucceeded:
		res.Outcome = Succeeded
		r.progress.printf("succeeded: %s", out.summary)
		return res, nil
	case verdictInterrupted:
		return r.interrupted(ctx, res, p, fmt.Sprintf("waiting for deployment %s", id), r.undoTarget(res))
	case verdictSuperseded:
		return r.superseded(ctx, res, p, out)
	}

	// 6. It failed: roll back (or let ECS's rollback finish), unless told not to.
	return r.recover(ctx, opts, res, p, out)
}

// watchRollout watches the deployment UpdateService started (res.DeploymentID) to its end, and
// records its timeline; updated is UpdateService's answer, the watch's first observation.
func (r *run) watchRollout(ctx context.Context, opts Options, res *Result, p *plan, updated *types.Service) (*watchOutcome, error) {
	r.progress.printf("waiting up to %s for %s", p.timeout, res.DeploymentID)
	spec := r.spec(opts.Target, p, res.DeploymentID, res.TaskDefinition, res.PreviousTaskDefinition, updated)
	r.timeline, r.settings = &timelineRecorder{}, settingsOf(p.svc, p.live, p.groups)
	spec.timeline = r.timeline
	return r.api.watch(ctx, spec)
}

// noDeploymentSummary says that UpdateService started no deployment of taskDefinition that
// could be watched.
func noDeploymentSummary(taskDefinition string) string {
	return fmt.Sprintf("ECS started no deployment of %s (UpdateService answered no new PRIMARY deployment on it); cannot watch the rollout", revisionName(taskDefinition))
}

// Validate checks what can be checked without AWS: the target is named, the image is pinned by
// digest, the task definition (if any) parses. Its error is an InputError. Deploy and Preview
// run it first; a caller may run it before it loads credentials.
func (opts Options) Validate() error {
	if _, err := opts.check(); err != nil {
		return err
	}
	return opts.checkMembers()
}

// check is Validate, returning the parsed task definition (nil when the live one is cloned).
func (opts Options) check() (*ecs.RegisterTaskDefinitionInput, error) {
	if err := opts.Target.validate(); err != nil {
		return nil, err
	}
	if _, err := parseImageRef(opts.Image); err != nil {
		return nil, err
	}
	if err := opts.Migration.validate(); err != nil {
		return nil, err
	}
	if opts.TaskDefinition == nil {
		return nil, nil
	}
	return ParseTaskDefinition(opts.TaskDefinition)
}

// prepare reads the service and its task definition and checks every input; any problem is an
// InputError and nothing has changed.
func (r *run) prepare(ctx context.Context, opts Options) (*plan, error) {
	fromFile, err := opts.check()
	if err != nil {
		return nil, err
	}
	svc, err := r.api.readService(ctx, opts.Cluster, opts.Service)
	if err != nil {
		return nil, err
	}
	r.progress.markEventsSeen(svc.Events) // only events from now on are news
	live, tags, err := r.api.describeTaskDefinition(ctx, aws.ToString(svc.TaskDefinition))
	if err != nil {
		return nil, err
	}
	p := &plan{svc: svc, live: live, tags: tags, input: cloneTaskDefinition(live, tags)}
	liveImage, _ := containerImage(live, opts.Container)
	if fromFile != nil {
		if f, l := aws.ToString(fromFile.Family), aws.ToString(live.Family); f != l {
			return nil, &InputError{
				What:   fmt.Sprintf("the task definition is for family %q, but service %q runs family %q", f, opts.Service, l),
				Why:    "deploying it would switch the service to another application's task definition",
				Fix:    fmt.Sprintf("set \"family\": %q in the task definition, or name the service that runs %q", l, f),
				Fields: []report.Field{report.FieldTaskDefinition, report.FieldService},
			}
		}
		liveInput := p.input
		if liveImage != "" {
			// Compare against the live revision as it would be with the new image.
			_, _ = replaceImage(liveInput, opts.Container, opts.Image)
		}
		if _, err := replaceImage(fromFile, opts.Container, opts.Image); err != nil {
			return nil, err
		}
		p.same = liveImage != "" && sameImage(liveImage, opts.Image) && sameTaskDefinition(fromFile, liveInput)
		p.input = fromFile
	} else {
		if _, err := replaceImage(p.input, opts.Container, opts.Image); err != nil {
			return nil, err
		}
		p.same = sameImage(liveImage, opts.Image)
	}
	if p.groups, err = r.api.describeTargetGroups(ctx, svc.LoadBalancers); err != nil {
		return nil, err
	}
	p.timeout = opts.Timeout
	if p.timeout <= 0 {
		p.timeout = deriveTimeout(svc, p.groups)
	}
	return p, nil
}

// spec is what to watch for a deployment on taskDefinition that replaces previous; seed is
// UpdateService's answer when the watch starts right after it (nil otherwise).
func (r *run) spec(t Target, p *plan, deploymentID, taskDefinition, previous string, seed *types.Service) watchSpec {
	return watchSpec{
		cluster: t.Cluster, service: t.Service,
		deploymentID: deploymentID, taskDefinition: taskDefinition, previous: previous,
		loadBalancers: p.svc.LoadBalancers, groups: p.groups,
		timeout: p.timeout, poll: r.poll, progress: r.progress, seed: seed, budget: r.waitBudget(),
		instances: r.instanceCache(),
	}
}

func (r *run) instanceCache() map[string]string {
	if r.instances == nil {
		r.instances = map[string]string{}
	}
	return r.instances
}

// startUpdate marks the moment just before the UpdateService that starts our deployment. The
// call budget of the run's waiting starts there and counts that call: it is the average from
// UpdateService until the run returns, the load a deploy puts on the account's describe limits.
func (r *run) startUpdate() {
	r.updateAt = time.Now()
	if r.budget == nil { // a rollback of several services shares one, started before (see rollbackSeveral)
		r.budget = newBudget(r.api.calls.Count, r.updateAt)
	}
}

// waitBudget is the run's call budget, started by startUpdate (or else by its first watch).
func (r *run) waitBudget() *budget {
	if r.budget == nil {
		r.budget = newBudget(r.api.calls.Count, time.Now())
	}
	return r.budget
}

// interruptedBeforeUpdate: cancelled after RegisterTaskDefinition but before UpdateService.
// The service is untouched; the orphan revision is deregistered so it is not mistaken for a
// deployed one, and the report says so.
func (r *run) interruptedBeforeUpdate(ctx context.Context, res *Result) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	res.Outcome = Interrupted
	rev := revisionName(res.TaskDefinition)
	summary := fmt.Sprintf("interrupted after registering %s and before updating service %s: the service was not changed", rev, res.Service)
	if err := r.api.deregister(fctx, res.TaskDefinition); err != nil {
		summary += fmt.Sprintf("; deregistering the unused revision %s failed (%v)", rev, err)
	} else {
		summary += fmt.Sprintf("; the unused revision %s was deregistered", rev)
	}
	res.Diagnosis = &Diagnosis{
		Summary:      summary,
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, nil),
		NextSteps:    []report.Step{deployStep("nothing to undo; when ready, deploy again")},
	}
	r.progress.printf("%s", summary)
	return res, fmt.Errorf("deploy interrupted: %w", context.Cause(ctx))
}

// updateFailed handles an UpdateService error. If ctx was cancelled the call may or may not
// have reached ECS, so the service is read again (with a fresh context) to find out.
func (r *run) updateFailed(ctx context.Context, res *Result, updateErr error) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	svc, err := r.api.describeService(fctx, retried, res.Cluster, res.Service)
	if err == nil && aws.ToString(svc.TaskDefinition) == res.TaskDefinition {
		// It was applied after all.
		if d := deploymentOn(svc, res.TaskDefinition); d != nil {
			res.DeploymentID = aws.ToString(d.Id)
		}
		if ctx.Err() != nil {
			return r.interrupted(ctx, res, nil, "updating the service", res.PreviousTaskDefinition)
		}
		res.Outcome = Failed
		res.Diagnosis = &Diagnosis{
			Summary:      fmt.Sprintf("UpdateService answered an error but the service is on %s: %v", revisionName(res.TaskDefinition), updateErr),
			ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, nil),
			NextSteps:    []report.Step{statusStep(""), rollbackStep("", res.PreviousTaskDefinition)},
		}
		return res, updateErr
	}
	// Not applied: the new revision is an orphan.
	if ctx.Err() != nil {
		return r.interruptedBeforeUpdate(ctx, res)
	}
	rev := revisionName(res.TaskDefinition)
	summary := fmt.Sprintf("UpdateService failed, the service stays on %s: %s", revisionName(res.PreviousTaskDefinition), errorMessage(updateErr))
	if derr := r.api.deregister(fctx, res.TaskDefinition); derr == nil {
		summary += fmt.Sprintf("; the unused revision %s was deregistered", rev)
	}
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{Summary: summary, NextSteps: []report.Step{deployStep("fix the cause above, then deploy again")}}
	var inputErr *InputError
	if c := errorCode(updateErr); c == "InvalidParameterException" || c == "ClientException" {
		inputErr = &InputError{What: fmt.Sprintf("ECS refused to update service %q to %s", res.Service, rev), Why: errorMessage(updateErr),
			Fix: "fix the task definition or service configuration; the service was not changed", Err: updateErr}
		return res, inputErr
	}
	return res, updateErr
}

// redeployFailed handles an UpdateService error of a forced redeployment. Nothing was
// registered, so there is nothing to clean up; the service is read again to tell whether ECS
// started the deployment anyway (a PRIMARY deployment other than before, the one that ran).
func (r *run) redeployFailed(ctx context.Context, res *Result, p *plan, before *types.Deployment, updateErr error) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	rev := revisionName(res.TaskDefinition)
	svc, err := r.api.describeService(fctx, retried, res.Cluster, res.Service)
	if err == nil {
		if d := primaryDeployment(svc); d != nil && (before == nil || aws.ToString(d.Id) != aws.ToString(before.Id)) {
			res.DeploymentID = aws.ToString(d.Id)
			if ctx.Err() != nil {
				return r.interrupted(ctx, res, p, "starting a new deployment of "+rev, "")
			}
			res.Outcome = Failed
			res.Diagnosis = &Diagnosis{
				Summary:      fmt.Sprintf("UpdateService answered an error but ECS started deployment %s of %s: %v", res.DeploymentID, rev, updateErr),
				ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, p.groups),
				NextSteps:    []report.Step{statusStep("watch it")},
			}
			return res, updateErr
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted before a new deployment of %s started: %w", rev, context.Cause(ctx))
	}
	return nil, fmt.Errorf("the service stays on its deployment of %s: %w", rev, updateErr)
}

// noDeployment: UpdateService's answer had no PRIMARY deployment on our revision, so there is
// nothing we could safely call ours.
func (r *run) noDeployment(ctx context.Context, res *Result, p *plan) (*Result, error) {
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{
		Summary:      noDeploymentSummary(res.TaskDefinition),
		ServiceState: r.api.serviceState(ctx, res.Cluster, res.Service, p.groups),
		NextSteps:    undoSteps(res),
	}
	return res, errors.New(res.Diagnosis.Summary)
}

// lostSight: the rollout could not be observed (e.g. access denied mid-way). Nothing is rolled
// back blindly; the person is told how.
func (r *run) lostSight(ctx context.Context, res *Result, p *plan, watchErr error) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{
		Summary:      fmt.Sprintf("lost sight of deployment %s: %v", res.DeploymentID, watchErr),
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, p.groups),
		NextSteps:    undoSteps(res),
	}
	r.progress.printf("FAILED: %s", res.Diagnosis.Summary)
	return res, watchErr
}

// interrupted reports the state after ctx was cancelled while waiting; rollbackTo is the
// revision to go back to ("" when there is nothing to undo).
func (r *run) interrupted(ctx context.Context, res *Result, p *plan, during, rollbackTo string) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	var groups map[string]targetGroup
	if p != nil {
		groups = p.groups
	}
	res.Outcome = Interrupted
	d := &Diagnosis{
		Summary:      fmt.Sprintf("interrupted while %s; ECS carries on with it", during),
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, groups),
		NextSteps:    []report.Step{statusStep("watch it")},
	}
	if rollbackTo != "" {
		d.NextSteps = append(d.NextSteps, rollbackStep("to roll back", rollbackTo))
	}
	res.Diagnosis = d
	r.progress.printf("INTERRUPTED: %s", d.Summary)
	return res, fmt.Errorf("%s: %w", d.Summary, context.Cause(ctx))
}

// superseded: someone else's deployment replaced ours. Rolling back would undo their work, so
// we only report.
func (r *run) superseded(ctx context.Context, res *Result, p *plan, out *watchOutcome) (*Result, error) {
	res.Outcome = Superseded
	res.Diagnosis = &Diagnosis{
		Summary:      out.summary,
		Evidence:     dedupe(out.evidence),
		ServiceState: r.api.serviceState(ctx, res.Cluster, res.Service, p.groups),
		NextSteps: []report.Step{
			noteStep("not rolled back: the newer deployment is someone else's; check the service events for who started it"),
			statusStep(""),
		},
	}
	// No service deployment history: DescribeServices already named the deployment that
	// replaced ours and its revision, and ours was merely stopped by it, so the history would
	// add two calls and no cause.
	r.progress.printf("SUPERSEDED: %s", out.summary)
	return res, errors.New(out.summary)
}

// undoTarget is the revision that undoes the deploy: the previous one, or none when the deploy
// restarted the revision that ran (going back to it would be the same deployment again).
func (r *run) undoTarget(res *Result) string {
	if res.Forced {
		return ""
	}
	return res.PreviousTaskDefinition
}

// undoSteps: look at the service, and go back to the previous revision if the deploy changed it.
func undoSteps(res *Result) []report.Step {
	if res.Forced {
		return []report.Step{statusStep(""), {Note: "a forced redeployment has no earlier revision of its own to go back to; to run an older one", Action: report.Rollback}}
	}
	return []report.Step{statusStep(""), rollbackStep("", res.PreviousTaskDefinition)}
}

func orUnknown(s string) string {
	if s == "" {
		return "(not reported by ECS)"
	}
	return s
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// ecsRollbackGrace is how long to wait for the circuit breaker's own rollback to appear once it
// has marked our deployment FAILED: starting ours meanwhile would race with it.
const ecsRollbackGrace = 30 * time.Second

// recover handles a failed deployment: when ECS's circuit breaker rolls back, wait for that
// rollback; otherwise roll back ourselves (UpdateService to the previous revision, watched with
// the same checks) unless NoRollback.
func (r *run) recover(ctx context.Context, opts Options, res *Result, p *plan, out *watchOutcome) (*Result, error) {
	failure := out.summary
	evidence := dedupe(out.evidence)
	if out.withRelease {
		r.progress.printf("going back: %s", failure)
	} else {
		r.progress.printf("FAILED: %s", failure)
	}
	previous := res.PreviousTaskDefinition

	next := out.next
	if next == nil && out.circuitBreaker && circuitBreakerRollsBack(p.svc) {
		var err error
		if next, err = r.awaitECSRollback(ctx, res, p); err != nil && ctx.Err() != nil {
			return r.interrupted(ctx, res, p, "waiting for ECS to roll back "+res.DeploymentID, previous)
		}
	}

	var rollbackID, rollbackTD, by string
	var seed *types.Service
	switch {
	case next != nil && (out.verdict == verdictECSRollback || out.circuitBreaker):
		rollbackID, rollbackTD, by = aws.ToString(next.Id), aws.ToString(next.TaskDefinition), "ECS (circuit breaker)"
		r.progress.printf("ECS is rolling back to %s (deployment %s); waiting for it", revisionName(rollbackTD), rollbackID)
	case res.Forced:
		return r.forcedFailed(ctx, res, p, failure, evidence)
	case opts.NoRollback:
		res.Outcome = Failed
		res.Diagnosis = &Diagnosis{
			Summary:      failure,
			Evidence:     evidence,
			ServiceState: r.api.serviceState(ctx, res.Cluster, res.Service, p.groups),
			NextSteps:    []report.Step{rollbackStep("not rolled back, as the deploy was told; to roll back", previous)},
		}
		r.addHistory(ctx, res)
		return res, errors.New("deploy failed: " + failure)
	default:
		r.progress.printf("rolling back to %s", revisionName(previous))
		id, updated, err := r.api.updateService(ctx, res.Cluster, res.Service, previous, false)
		if err != nil || id == "" {
			if ctx.Err() != nil {
				return r.interrupted(ctx, res, p, "rolling back to "+revisionName(previous), previous)
			}
			return r.rollbackFailed(ctx, res, p, failure, evidence, fmt.Sprintf("the rollback to %s could not start: %v", revisionName(previous), orUnknownErr(err)))
		}
		rollbackID, rollbackTD, by, seed = id, previous, "the deploy", updated
	}

	spec := r.spec(opts.Target, p, rollbackID, rollbackTD, res.TaskDefinition, seed)
	back, err := r.api.watch(ctx, spec)
	if err != nil {
		return r.rollbackFailed(ctx, res, p, failure, evidence, fmt.Sprintf("lost sight of the rollback deployment %s: %v", rollbackID, err))
	}
	switch back.verdict {
	case verdictSucceeded:
	case verdictInterrupted:
		return r.interrupted(ctx, res, p, fmt.Sprintf("waiting for the rollback to %s (deployment %s)", revisionName(rollbackTD), rollbackID), "")
	default:
		return r.rollbackFailed(ctx, res, p, failure, append(evidence, back.evidence...),
			fmt.Sprintf("the rollback to %s did not complete: %s", revisionName(rollbackTD), back.summary))
	}

	res.Outcome = RolledBack
	d := &Diagnosis{
		Summary:  failure,
		Evidence: evidence,
		NextSteps: []report.Step{
			deployStep(fmt.Sprintf("rolled back by %s to %s; fix the cause above, then deploy again", by, revisionName(rollbackTD))),
		},
	}
	switch {
	case opts.DeregisterFailed && res.Forced:
		d.NextSteps = append(d.NextSteps, noteStep(fmt.Sprintf("%s was not deregistered: the service runs it", revisionName(res.TaskDefinition))))
	case opts.DeregisterFailed:
		if err := r.api.deregister(ctx, res.TaskDefinition); err != nil {
			d.NextSteps = append(d.NextSteps, noteStep(fmt.Sprintf("deregistering the failed revision failed: %v", err)))
		} else {
			d.NextSteps = append(d.NextSteps, noteStep(fmt.Sprintf("the failed revision %s was deregistered", revisionName(res.TaskDefinition))))
		}
	}
	d.NextSteps[0].Force = res.Forced // the same image again is only a new deployment when forced
	d.ServiceState = r.api.serviceState(ctx, res.Cluster, res.Service, p.groups)
	res.Diagnosis = d
	r.addHistory(ctx, res)
	r.progress.printf("rolled back to %s", revisionName(rollbackTD))
	return res, errors.New("deploy failed and was rolled back: " + failure)
}

// forcedFailed: a forced redeployment failed and ECS did not roll it back. It is not rolled
// back: its previous revision is its own, so going back would start the same tasks, reading the
// same secrets and parameters, which is what just failed; and the revision before that is an
// older image nobody asked for. The tasks of the deployment it replaces were started before the
// change it was to pick up, and ECS stops them only as this one's tasks become healthy, so
// leaving it is what keeps them serving. Exit code 3: a person must act.
func (r *run) forcedFailed(ctx context.Context, res *Result, p *plan, failure string, evidence []string) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	rev := revisionName(res.TaskDefinition)
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{
		Summary:      "forced redeployment of " + rev + " failed: " + failure,
		Evidence:     evidence,
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, p.groups),
		NextSteps: []report.Step{
			noteStep(fmt.Sprintf("not rolled back: the revision before this deployment is %s itself, and its new tasks would read the same "+
				"secrets and parameters as the ones that failed; ECS keeps trying to start them until a newer deployment replaces this one", rev)),
			{Note: "fix what the tasks read when they start (the rotated secret?), then", Action: report.Deploy, Image: res.Image, Force: true},
			statusStep(""),
			{Note: "to run an older revision instead", Action: report.Rollback},
		},
	}
	r.addHistory(fctx, res)
	r.progress.printf("FAILED (not rolled back): %s", res.Diagnosis.Summary)
	return res, errors.New(res.Diagnosis.Summary)
}

// awaitECSRollback polls (briefly) for the PRIMARY deployment the circuit breaker starts.
func (r *run) awaitECSRollback(ctx context.Context, res *Result, p *plan) (*types.Deployment, error) {
	ctx, cancel := context.WithTimeout(ctx, ecsRollbackGrace)
	defer cancel()
	interval := r.poll.withDefaults().Initial
	for {
		svc, err := r.api.describeService(ctx, retried, res.Cluster, res.Service)
		if err == nil {
			r.progress.events(svc.Events)
			if d := primaryDeployment(svc); d != nil && aws.ToString(d.Id) != res.DeploymentID {
				return d, nil
			}
		} else if !isTransient(err) {
			return nil, err
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// rollbackFailed: the deploy failed and so did the way back. Exit code 3: a person must act.
func (r *run) rollbackFailed(ctx context.Context, res *Result, p *plan, failure string, evidence []string, why string) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{
		Summary:      failure,
		Evidence:     dedupe(append(evidence, why)),
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, p.groups),
		NextSteps:    append([]report.Step{noteStep("ROLLBACK FAILED: " + why)}, undoSteps(res)...),
	}
	r.addHistory(fctx, res)
	r.progress.printf("ROLLBACK FAILED: %s", why)
	return res, errors.New("deploy failed and the rollback failed: " + why)
}

func orUnknownErr(err error) error {
	if err == nil {
		return errors.New("ECS answered no PRIMARY deployment on that revision")
	}
	return err
}

// RollbackOptions of an explicit rollback.
type RollbackOptions struct {
	Cluster, Service string
	To               string // "" = previous ACTIVE revision of the family; or a revision number, family:rev, or ARN
	// ToImageDigest ("sha256:<64 hex>"), with To empty, selects the newest ACTIVE revision of the
	// family whose containers run that image; setting both is an InputError.
	ToImageDigest string
	Timeout       time.Duration
	Poll          PollPolicy
	Progress      io.Writer
	NoWait        bool // stop after UpdateService (Outcome Started); see Options.NoWait
	// More are further services of Cluster rolled back together with Service, each to its own
	// previous revision (or to its newest revision running ToImageDigest), watched together
	// within one call budget; To, which names one family's revision, cannot go with them.
	More []string
}

// Rollback points the service at an earlier revision and watches that deployment with the same
// checks as Deploy. Outcomes: Succeeded, Unchanged (already there), Started (NoWait), Failed,
// Superseded, Interrupted.
func Rollback(ctx context.Context, c Clients, opts RollbackOptions) (res *Result, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if len(opts.More) > 0 {
		return rollbackSeveral(ctx, c, opts)
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
	rb, err := r.prepareRollback(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r.rollback(ctx, opts, rb)
}

// rollbackPlan is what a rollback read and checked before its change.
type rollbackPlan struct {
	svc             *types.Service
	current, target string // task definition ARNs: the one the service runs, and the one it goes back to
	// targetDefinition is target, as read while resolving it: its container health check is part
	// of what the settings impose on the rollback's timeline.
	targetDefinition *types.TaskDefinition
}

// prepareRollback reads the service and resolves the revision it goes back to; nothing changes.
func (r *run) prepareRollback(ctx context.Context, opts RollbackOptions) (*rollbackPlan, error) {
	svc, err := r.api.readService(ctx, opts.Cluster, opts.Service)
	if err != nil {
		return nil, err
	}
	r.progress.markEventsSeen(svc.Events)
	current := aws.ToString(svc.TaskDefinition)
	var td *types.TaskDefinition
	if digest := strings.TrimSpace(opts.ToImageDigest); digest != "" {
		td, err = r.api.revisionRunningDigest(ctx, current, digest)
	} else {
		td, err = r.api.resolveRollbackTarget(ctx, current, opts.To)
	}
	if err != nil {
		return nil, err
	}
	return &rollbackPlan{svc: svc, current: current, target: aws.ToString(td.TaskDefinitionArn), targetDefinition: td}, nil
}

// rollback is Rollback of one service on r, which may share its API and budget with others'.
func (r *run) rollback(ctx context.Context, opts RollbackOptions, rb *rollbackPlan) (*Result, error) {
	svc, current, target := rb.svc, rb.current, rb.target
	res := &Result{Cluster: opts.Cluster, Service: opts.Service, PreviousTaskDefinition: current, TaskDefinition: target}
	if target == current {
		res.Outcome = Unchanged
		r.progress.printf("service %s already runs %s: nothing to roll back", opts.Service, revisionName(target))
		return res, nil
	}
	groups, err := r.api.describeTargetGroups(ctx, svc.LoadBalancers)
	if err != nil {
		return nil, err
	}
	p := &plan{svc: svc, groups: groups, timeout: opts.Timeout}
	if p.timeout <= 0 {
		p.timeout = deriveTimeout(svc, groups)
	}

	r.progress.printf("rolling service %s back from %s to %s", opts.Service, revisionName(current), revisionName(target))
	r.startUpdate()
	id, updated, err := r.api.updateService(ctx, opts.Cluster, opts.Service, target, false)
	if err != nil {
		return nil, err // nothing changed
	}
	res.DeploymentID = id
	if opts.NoWait {
		res.Outcome = Started
		return res, nil
	}
	if id == "" {
		return r.noDeployment(ctx, res, p)
	}
	r.progress.printf("waiting up to %s for %s", p.timeout, id)
	spec := r.spec(Target{Cluster: opts.Cluster, Service: opts.Service}, p, id, target, current, updated)
	// A rollback is a deploy of an older revision: it gets the same timeline.
	r.timeline, r.settings = &timelineRecorder{}, settingsOf(svc, rb.targetDefinition, groups)
	spec.timeline = r.timeline
	out, err := r.api.watch(ctx, spec)
	if err != nil {
		return r.lostSight(ctx, res, p, err)
	}
	switch out.verdict {
	case verdictSucceeded:
		res.Outcome = Succeeded
		r.progress.printf("rolled back: %s", out.summary)
		return res, nil
	case verdictInterrupted:
		return r.interrupted(ctx, res, p, fmt.Sprintf("waiting for the rollback deployment %s", id), "")
	case verdictSuperseded:
		return r.superseded(ctx, res, p, out)
	}
	res.Outcome = Failed
	res.Diagnosis = &Diagnosis{
		Summary:      "the rollback failed: " + out.summary,
		Evidence:     dedupe(out.evidence),
		ServiceState: r.api.serviceState(ctx, res.Cluster, res.Service, groups),
		NextSteps:    []report.Step{statusStep(""), {Note: "pick another revision, or fix forward", Action: report.Rollback}},
	}
	r.addHistory(ctx, res)
	r.progress.printf("FAILED: %s", res.Diagnosis.Summary)
	return res, errors.New(res.Diagnosis.Summary)
}

// resolveRollbackTarget turns the rollback target (RollbackOptions.To) into a task definition
// of the service's family and checks that it exists and is ACTIVE.
func (a *api) resolveRollbackTarget(ctx context.Context, current, to string) (*types.TaskDefinition, error) {
	family, rev, ok := splitRevision(revisionName(current))
	if !ok {
		return nil, fmt.Errorf("cannot read family and revision from the service's task definition %q", current)
	}
	ref := strings.TrimSpace(to)
	switch {
	case ref == "":
		prev, err := a.previousRevision(ctx, family, rev)
		if err != nil {
			return nil, err
		}
		ref = prev
	case isDigits(ref):
		ref = family + ":" + ref
	}
	td, _, err := a.describeTaskDefinition(ctx, ref)
	if err != nil {
		if c := errorCode(err); c == "ClientException" || c == "InvalidParameterException" {
			return nil, &InputError{What: fmt.Sprintf("task definition %q not found", ref), Why: errorMessage(err),
				Fix:    fmt.Sprintf("name an ACTIVE revision of %s; ECS ListTaskDefinitions with family prefix %q lists them", family, family),
				Fields: []report.Field{report.FieldRevision}, Err: err}
		}
		return nil, err
	}
	if f := aws.ToString(td.Family); f != family {
		return nil, &InputError{What: fmt.Sprintf("revision %s is of family %q, but the service runs family %q", to, f, family),
			Why: "a rollback returns to an earlier revision of the same application", Fix: "name a revision of " + family,
			Fields: []report.Field{report.FieldRevision}}
	}
	if td.Status != types.TaskDefinitionStatusActive {
		return nil, &InputError{What: fmt.Sprintf("%s is %s", revisionName(aws.ToString(td.TaskDefinitionArn)), td.Status),
			Why: "ECS cannot start tasks from a deregistered revision", Fix: "name an ACTIVE revision",
			Fields: []report.Field{report.FieldRevision}}
	}
	return td, nil
}

// previousRevision is the newest ACTIVE revision of family older than rev.
func (a *api) previousRevision(ctx context.Context, family string, rev int) (string, error) {
	pages := ecs.NewListTaskDefinitionsPaginator(a.ecs, &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc,
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx, a.ecsOptions)
		if err != nil {
			return "", fmt.Errorf("list revisions of %s: %w", family, err)
		}
		for _, arn := range out.TaskDefinitionArns {
			if f, n, ok := splitRevision(revisionName(arn)); ok && f == family && n < rev {
				return arn, nil
			}
		}
	}
	return "", &InputError{What: fmt.Sprintf("no ACTIVE revision of %s older than %d", family, rev),
		Why: "there is nothing to roll back to", Fix: "name the revision to run",
		Fields: []report.Field{report.FieldRevision}}
}

func splitRevision(name string) (string, int, bool) {
	i := strings.LastIndex(name, ":")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(name[i+1:])
	return name[:i], n, err == nil
}

func isDigits(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "+")
}

package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// Member is one more service of the cluster that a deploy changes together with the one
// Options.Target names (Options.More): a queue worker next to the web service, running the same
// image under its own container name, with or without a load balancer.
type Member struct {
	Service   string
	Container string // the container whose image changes
	// TaskDefinition, when not nil, is the committed task definition to register, as
	// Options.TaskDefinition; nil clones the live revision.
	TaskDefinition []byte
}

// MaxServices is how many services one deploy changes: the watch reads all of them with one
// DescribeServices call a round, and one call reads at most ten.
const MaxServices = 10

// member is one service of a deploy of several: its options, its own run (progress, timeline)
// on the deploy's shared API and call budget, and what happened to it.
type member struct {
	opts       Options
	run        *run
	plan       *plan
	res        *Result
	registered *types.TaskDefinition // the new revision; nil when the service keeps its own
	updated    *types.Service        // UpdateService's answer: the first observation of its watch
	out        *watchOutcome         // how its watch ended; nil when it was not watched
	watchErr   error                 // it could not be watched to an end
	// failedAs is 1 for the member whose watch failed first, 2 for the next, …; 0 when its watch
	// succeeded or was stopped because another's failed.
	failedAs int
}

// members is Options split into one Options per service, the first being Target's. Only the
// first runs the migration: it is the release's, once.
func (opts Options) members() []Options {
	first := opts
	first.More = nil
	all := []Options{first}
	for _, m := range opts.More {
		o := first
		o.Migration = nil
		o.Service, o.Container, o.TaskDefinition = m.Service, m.Container, m.TaskDefinition
		all = append(all, o)
	}
	return all
}

// checkMembers is the part of Validate that concerns Options.More.
func (opts Options) checkMembers() error {
	if len(opts.More) == 0 {
		return nil
	}
	if n := 1 + len(opts.More); n > MaxServices {
		return &InputError{What: fmt.Sprintf("%d services in one deploy", n),
			Why: fmt.Sprintf("a deploy watches its services with one DescribeServices call a round, which reads at most %d", MaxServices),
			Fix: "split them into environments of at most ten services", Fields: []report.Field{report.FieldService}}
	}
	seen := map[string]bool{}
	for _, o := range opts.members() {
		if seen[o.Service] {
			return &InputError{What: fmt.Sprintf("service %q is named twice", o.Service),
				Why: "a deploy updates each service once", Fix: "name each service once", Fields: []report.Field{report.FieldService}}
		}
		seen[o.Service] = true
		if _, err := o.check(); err != nil {
			return err
		}
	}
	return nil
}

// deploySeveral deploys the image to every service of opts as one release: all of them move to
// their new revision, or none stays there. The steps are a single service's, each taken for all
// before the next: read and check all, register all, run the migration once, update all, watch
// all together (one DescribeServices a round for all, one call budget), and if any fails, roll
// every service back, each with its own diagnosis.
func deploySeveral(ctx context.Context, c Clients, opts Options) (res *Result, err error) {
	crew := newCrew(c, opts)
	started := time.Now()
	defer func() {
		if res != nil {
			res.Started, res.Finished, res.APICalls = started, time.Now(), crew[0].run.api.calls.Count()
		}
	}()

	// 1. Read every service and check everything, before any change.
	for _, m := range crew {
		if m.plan, err = m.run.prepare(ctx, m.opts); err != nil {
			return nil, err
		}
		m.res = &Result{Cluster: m.opts.Cluster, Service: m.opts.Service, Image: m.opts.Image,
			PreviousTaskDefinition: aws.ToString(m.plan.svc.TaskDefinition), Started: started}
	}

	// 2. Register a new revision for each service whose image changes.
	for _, m := range crew {
		if m.plan.same {
			m.res.TaskDefinition, m.res.Forced = m.res.PreviousTaskDefinition, opts.Force
			if !opts.Force {
				m.res.Outcome = Unchanged
				m.run.progress.printf("%s already runs in %s: nothing to deploy", opts.Image, revisionName(m.res.PreviousTaskDefinition))
			}
			continue
		}
		if m.registered, err = m.run.api.register(ctx, m.plan.input); err != nil {
			crew.deregisterUnused(ctx)
			return nil, err // nothing changed
		}
		m.res.TaskDefinition = aws.ToString(m.registered.TaskDefinitionArn)
		m.run.progress.printf("registered %s (container %s: %s)", revisionName(m.res.TaskDefinition), m.opts.Container, opts.Image)
	}
	if crew.all(func(m *member) bool { return m.res.Outcome == Unchanged }) {
		return crew.result()
	}
	if ctx.Err() != nil {
		return crew.stoppedBeforeUpdate(ctx, fmt.Sprintf("interrupted before the services were updated (%v)", context.Cause(ctx)), Interrupted)
	}

	// 3. Run the migration once, as a task of the first service's new revision.
	if first := crew[0]; opts.Migration != nil {
		revision := first.registered
		if revision == nil {
			revision = first.plan.live
		}
		if failed, _ := first.run.migrate(ctx, first.opts, first.res, first.plan, revision); failed != nil {
			outcome := failed.Outcome
			return crew.stoppedBeforeUpdate(ctx, "the migration did not succeed: "+failed.Diagnosis.Summary, outcome)
		}
	}

	// 4. Point every service at its new revision; one call budget covers all the waiting.
	crew.startUpdate()
	for i, m := range crew {
		if m.res.Outcome == Unchanged {
			continue
		}
		if err := m.update(ctx); err != nil {
			return crew.updateFailed(ctx, i, err)
		}
	}
	if opts.NoWait {
		crew.each(func(m *member) { m.setIf(Started) })
		return crew.result()
	}

	// 5. Watch every rollout together, to the end of all or the first failure.
	crew.watch(ctx)
	if ctx.Err() != nil {
		crew.inParallel(func(m *member) {
			if m.watched() {
				m.res, _ = m.run.interrupted(ctx, m.res, m.plan, "waiting for deployment "+m.res.DeploymentID, m.run.undoTarget(m.res))
			}
		})
		return crew.result()
	}
	cause := crew.cause()
	if cause == nil {
		crew.each(func(m *member) {
			if m.watched() {
				m.res.Outcome = Succeeded
				m.run.progress.printf("succeeded: %s", m.out.summary)
			}
		})
		return crew.result()
	}

	// 6. One failed: every service goes back, each told why.
	crew.recover(ctx, cause)
	return crew.result()
}

// crew is the members of a deploy of several, the first being Options.Target's.
type crew []*member

func newCrew(c Clients, opts Options) crew {
	members := opts.members()
	var names []string
	for _, o := range members {
		names = append(names, o.Service)
	}
	crew := newCrewOf(c, opts.Cluster, names, opts.Poll, opts.Progress)
	for i, m := range crew {
		m.opts = members[i]
	}
	return crew
}

// newCrewOf is a member per service, each with its own run (progress lines named after it) on
// one API, whose DescribeServices calls read every service at once for all the watches.
//
// The watches share one call budget, sized for the release: PollPolicy.CallsPerSecond for each
// service. Each still needs its task and target reads when its rollout changes, and a budget of
// one service's shared by all starves them: a rollback seen complete by ECS was confirmed 10 to
// 20 s late. With the DescribeServices calls shared, a release spends less than that budget.
func newCrewOf(c Clients, cluster string, services []string, poll PollPolicy, progress io.Writer) crew {
	poll = poll.withDefaults()
	poll.CallsPerSecond *= float64(len(services))
	shared := newAPI(c)
	shared.recent.maxAge = poll.withDefaults().Max
	shared.sharedReads = newServiceReads(shared.services, cluster, services, poll.withDefaults().Initial/2)
	shared.services = shared.sharedReads
	var out io.Writer = io.Discard
	if progress != nil {
		out = &lockedWriter{w: progress}
	}
	var crew crew
	for _, name := range services {
		p := newProgress(out)
		p.name = name
		crew = append(crew, &member{opts: Options{Target: Target{Cluster: cluster, Service: name}}, run: &run{api: shared, progress: p, poll: poll}})
	}
	return crew
}

func (c crew) each(f func(*member)) {
	for _, m := range c {
		f(m)
	}
}

func (c crew) all(f func(*member) bool) bool {
	for _, m := range c {
		if !f(m) {
			return false
		}
	}
	return true
}

// inParallel runs f for every member at once: each waits on its own rollout or rollback.
func (c crew) inParallel(f func(*member)) {
	var wg sync.WaitGroup
	for _, m := range c {
		wg.Go(func() { f(m) })
	}
	wg.Wait()
}

// setIf sets the member's outcome unless it already has one (Unchanged).
func (m *member) setIf(o Outcome) {
	if m.res.Outcome == "" {
		m.res.Outcome = o
	}
}

// watched reports whether the member's rollout was watched (it had a deployment of its own).
func (m *member) watched() bool { return m.out != nil || m.watchErr != nil }

// startUpdate starts the one call budget of all the members' waiting.
func (c crew) startUpdate() {
	c[0].run.startUpdate()
	for _, m := range c[1:] {
		m.run.updateAt, m.run.budget = c[0].run.updateAt, c[0].run.budget
	}
}

// update points the member's service at its new revision (or, forced, starts a new deployment
// of the one it runs) and remembers the deployment that is ours.
func (m *member) update(ctx context.Context) error {
	before := primaryDeployment(m.plan.svc)
	id, updated, err := m.run.api.updateService(ctx, m.opts.Cluster, m.opts.Service, m.res.TaskDefinition, m.registered == nil)
	if err != nil {
		return err
	}
	if m.registered == nil && before != nil && id == aws.ToString(before.Id) {
		id = "" // ECS started none: the PRIMARY deployment is the one that already ran (see redeploy)
	}
	m.res.DeploymentID, m.updated = id, updated
	what := "now on " + revisionName(m.res.TaskDefinition)
	if m.registered == nil {
		what = "new deployment of " + revisionName(m.res.TaskDefinition) + " (forced)"
	}
	m.run.progress.printf("service %s %s: deployment %s", m.opts.Service, what, orUnknown(id))
	return nil
}

// watch watches every member's deployment at once. The first that does not succeed stops the
// others' watches: the release has failed, and what they would show no longer decides anything.
func (c crew) watch(ctx context.Context) {
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var order sync.Mutex
	failures := 0
	c.inParallel(func(m *member) {
		if m.res.Outcome == Unchanged {
			return
		}
		if m.res.DeploymentID == "" {
			m.out = &watchOutcome{verdict: verdictFailed, summary: noDeploymentSummary(m.res.TaskDefinition)}
		} else {
			m.out, m.watchErr = m.run.watchRollout(wctx, m.opts, m.res, m.plan, m.updated)
		}
		if m.watchErr != nil || m.out.verdict != verdictSucceeded {
			order.Lock()
			if m.watchErr != nil || m.out.verdict != verdictInterrupted || ctx.Err() != nil {
				failures++
				m.failedAs = failures
			}
			order.Unlock()
			stop(errors.New(m.opts.Service + " failed"))
		}
	})
}

// cause is the member whose failure failed the release: the first whose watch did not succeed.
func (c crew) cause() *member {
	for _, m := range c {
		if m.failedAs == 1 {
			return m
		}
	}
	return nil
}

// recover takes every changed service back after cause failed: the ones that failed as a
// single deploy would (ECS's rollback, or ours, unless told not to), the others to their previous
// revision too, healthy or not, as the release is all or nothing. Someone else's deployment
// (superseded) is left alone, as in a single deploy.
func (c crew) recover(ctx context.Context, cause *member) {
	why := fmt.Sprintf("taken back with the rest of the release: %s failed (%s)", cause.opts.Service, cause.failure())
	c.inParallel(func(m *member) {
		switch {
		case m.res.Outcome == Unchanged:
		case m.watchErr != nil:
			m.res, _ = m.run.lostSight(ctx, m.res, m.plan, m.watchErr)
		case m.failedAs > 0 && m.out.verdict == verdictSuperseded:
			m.res, _ = m.run.superseded(ctx, m.res, m.plan, m.out)
		case m.failedAs > 0:
			m.res, _ = m.run.recover(ctx, m.opts, m.res, m.plan, m.out)
		case m.res.Forced && m.out.verdict == verdictSucceeded:
			// A forced redeployment runs the revision it ran before: nothing to go back to.
			m.res.Outcome = Succeeded
			m.run.progress.printf("succeeded: %s (a forced redeployment; nothing to roll back to)", m.out.summary)
		default:
			m.res, _ = m.run.recover(ctx, m.opts, m.res, m.plan, &watchOutcome{verdict: verdictFailed, summary: why, withRelease: true})
		}
	})
}

// failure is the member's failure in one line.
func (m *member) failure() string {
	if m.watchErr != nil {
		return "lost sight of its deployment: " + m.watchErr.Error()
	}
	return m.out.summary
}

// stoppedBeforeUpdate reports a release that stopped before any service was updated: the
// migration failed (its own report is the first service's), or the deploy was interrupted (the
// unused revisions are then deregistered, as a single deploy does).
func (c crew) stoppedBeforeUpdate(ctx context.Context, why string, outcome Outcome) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	for _, m := range c {
		if m.res.Diagnosis != nil || m.res.Outcome == Unchanged {
			continue
		}
		summary := fmt.Sprintf("service %s was not updated: %s", m.opts.Service, why)
		if m.registered != nil {
			rev := revisionName(m.res.TaskDefinition)
			switch {
			case outcome != Interrupted:
				summary += fmt.Sprintf("; %s stays registered but unused", rev)
			case m.run.api.deregister(fctx, m.res.TaskDefinition) == nil:
				summary += fmt.Sprintf("; the unused revision %s was deregistered", rev)
			default:
				summary += fmt.Sprintf("; %s stays registered but unused (deregistering it failed)", rev)
			}
		}
		m.res.Outcome = outcome
		m.res.Diagnosis = &Diagnosis{Summary: summary, NextSteps: []report.Step{deployStep("nothing to undo; when ready, deploy again")}}
		m.run.progress.printf("%s", summary)
	}
	return c.result()
}

// deregisterUnused deregisters the revisions registered so far, after a registration failed:
// none of them will be deployed.
func (c crew) deregisterUnused(ctx context.Context) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	for _, m := range c {
		if m.registered != nil {
			if err := m.run.api.deregister(fctx, m.res.TaskDefinition); err == nil {
				m.run.progress.printf("deregistered the unused revision %s", revisionName(m.res.TaskDefinition))
			}
		}
	}
}

// updateFailed: UpdateService failed for member failed. The services updated before it go
// back; the ones after it were not updated, and their new revisions are deregistered.
func (c crew) updateFailed(ctx context.Context, failed int, updateErr error) (*Result, error) {
	m := c[failed]
	var res *Result
	if m.registered != nil {
		res, _ = m.run.updateFailed(ctx, m.res, updateErr)
	} else {
		res, _ = m.run.redeployFailed(ctx, m.res, m.plan, primaryDeployment(m.plan.svc), updateErr)
	}
	if res == nil {
		m.res.Outcome = Failed
		m.res.Diagnosis = &Diagnosis{Summary: "UpdateService failed: " + errorMessage(updateErr), NextSteps: []report.Step{statusStep("")}}
	}
	why := fmt.Sprintf("taken back with the rest of the release: updating service %s failed", m.opts.Service)
	fctx, cancel := freshContext(ctx)
	defer cancel()
	c.inParallel(func(o *member) {
		j := c.index(o)
		switch {
		case j == failed || o.res.Outcome == Unchanged:
		case j > failed:
			o.res.Outcome = Failed
			summary := fmt.Sprintf("service %s was not updated: updating service %s failed", o.opts.Service, m.opts.Service)
			if ctx.Err() != nil {
				o.res.Outcome = Interrupted
				summary = fmt.Sprintf("service %s was not updated: interrupted while updating service %s", o.opts.Service, m.opts.Service)
			}
			if o.registered != nil && o.run.api.deregister(fctx, o.res.TaskDefinition) == nil {
				summary += fmt.Sprintf("; the unused revision %s was deregistered", revisionName(o.res.TaskDefinition))
			}
			o.res.Diagnosis = &Diagnosis{Summary: summary}
		case ctx.Err() != nil:
			o.res, _ = o.run.interrupted(ctx, o.res, o.plan, "updating the services", o.run.undoTarget(o.res))
		default:
			o.res, _ = o.run.recover(ctx, o.opts, o.res, o.plan, &watchOutcome{verdict: verdictFailed, summary: why, withRelease: true})
		}
	})
	return c.result()
}

func (c crew) index(m *member) int {
	for i, o := range c {
		if o == m {
			return i
		}
	}
	return -1
}

// outcomeRank orders outcomes by how much a person must do: the release's outcome is its
// members' worst.
var outcomeRank = map[Outcome]int{Unchanged: 0, Succeeded: 1, Started: 1, RolledBack: 2, Superseded: 3, Failed: 4, Interrupted: 5}

// result is the release's Result: the first service's fields, the worst outcome, a diagnosis
// that leads with the failure that decided it, and every service's own Result in Services.
func (c crew) result() (*Result, error) {
	finished := time.Now()
	for _, m := range c {
		m.res.Finished = finished
		m.run.addTimeline(m.res)
	}
	top := *c[0].res
	top.Services = nil
	worst := Unchanged
	for _, m := range c {
		top.Services = append(top.Services, *m.res)
		if outcomeRank[m.res.Outcome] > outcomeRank[worst] {
			worst = m.res.Outcome
		}
	}
	top.Outcome = worst
	top.Diagnosis = c.diagnosis(worst)
	if worst.OK() {
		return &top, nil
	}
	return &top, errors.New(top.Diagnosis.Summary)
}

// diagnosis is the release's: the failure that decided it (the first watch that failed, or the
// first service with the release's outcome), where each service ended, and the next steps, whose
// rollbacks concern every service (a rollback of the release takes each to its previous revision).
func (c crew) diagnosis(outcome Outcome) *Diagnosis {
	if outcome.OK() {
		return nil
	}
	lead := c.cause()
	if lead == nil || lead.res.Diagnosis == nil {
		for _, m := range c {
			if m.res.Outcome == outcome && m.res.Diagnosis != nil {
				lead = m
				break
			}
		}
	}
	d := &Diagnosis{Summary: fmt.Sprintf("release of %d services %s", len(c), outcome)}
	if lead != nil && lead.res.Diagnosis != nil {
		d.Summary = lead.opts.Service + ": " + lead.res.Diagnosis.Summary
		d.Evidence = lead.res.Diagnosis.Evidence
		for _, s := range lead.res.Diagnosis.NextSteps {
			if s.Action == report.Rollback {
				s.Revision = "" // each service to its previous revision
			}
			d.NextSteps = append(d.NextSteps, s)
		}
	}
	var ends []string
	for _, m := range c {
		end := fmt.Sprintf("%s %s", m.opts.Service, m.res.Outcome)
		if rev := m.currentRevision(); rev != "" {
			end += " (on " + revisionName(rev) + ")"
		}
		ends = append(ends, end)
	}
	d.ServiceState = strings.Join(ends, "; ")
	return d
}

// currentRevision is the revision the member's service was left on as far as the outcome
// tells; "" when only its own diagnosis can say (a failure left as is, or a failed rollback).
func (m *member) currentRevision() string {
	switch {
	case m.res.Outcome == RolledBack || m.res.Outcome == Unchanged || m.res.DeploymentID == "" && !m.res.Forced:
		return m.res.PreviousTaskDefinition
	case m.res.Outcome == Failed:
		return ""
	}
	return m.res.TaskDefinition
}

// checkMore is the part of RollbackOptions.Validate that concerns More.
func (opts RollbackOptions) checkMore() error {
	if len(opts.More) == 0 {
		return nil
	}
	if strings.TrimSpace(opts.To) != "" {
		return &InputError{What: fmt.Sprintf("a revision (%s) was given for a rollback of %d services", opts.To, 1+len(opts.More)),
			Why:    "a revision belongs to one service's task definition family",
			Fix:    "roll every service back to its previous revision (give no revision), or to the revisions that run an image (give its digest)",
			Fields: []report.Field{report.FieldRevision}}
	}
	if n := 1 + len(opts.More); n > MaxServices {
		return &InputError{What: fmt.Sprintf("%d services in one rollback", n), Why: fmt.Sprintf("one DescribeServices call reads at most %d", MaxServices),
			Fix: "roll them back in groups of at most ten", Fields: []report.Field{report.FieldService}}
	}
	seen := map[string]bool{}
	for _, s := range append([]string{opts.Service}, opts.More...) {
		if err := ValidateService(opts.Cluster, s); err != nil {
			return err
		}
		if seen[s] {
			return &InputError{What: fmt.Sprintf("service %q is named twice", s), Why: "a rollback changes each service once",
				Fix: "name each service once", Fields: []report.Field{report.FieldService}}
		}
		seen[s] = true
	}
	return nil
}

// rollbackOptions is opts for the member's service alone.
func (m *member) rollbackOptions(opts RollbackOptions) RollbackOptions {
	opts.Service, opts.More = m.opts.Service, nil
	return opts
}

// rollbackSeveral rolls every service of opts back at once, on one API (one DescribeServices a
// round for all their watches) and one call budget, and reports them as one Result whose
// Services are each one's. A service whose rollback fails does not stop the others': a rollback
// is what a person asks for when things are already wrong, so each service gets there if it can.
func rollbackSeveral(ctx context.Context, c Clients, opts RollbackOptions) (*Result, error) {
	names := append([]string{opts.Service}, opts.More...)
	crew := newCrewOf(c, opts.Cluster, names, opts.Poll, opts.Progress)
	started := time.Now()
	// Every service is read and its revision resolved before the first change: a service with
	// nothing to go back to fails the whole rollback with nothing changed.
	plans := make([]*rollbackPlan, len(crew))
	for i, m := range crew {
		var err error
		if plans[i], err = m.run.prepareRollback(ctx, m.rollbackOptions(opts)); err != nil {
			return nil, err
		}
	}
	budget := newBudget(crew[0].run.api.calls.Count, time.Now())
	crew.inParallel(func(m *member) {
		m.run.budget = budget
		res, err := m.run.rollback(ctx, m.rollbackOptions(opts), plans[crew.index(m)])
		if res == nil {
			res = &Result{Cluster: opts.Cluster, Service: m.opts.Service, Outcome: Failed,
				Diagnosis: &Diagnosis{Summary: fmt.Sprintf("the rollback of %s did not start: %v", m.opts.Service, err)}}
		}
		res.Started = started
		m.res = res
	})
	res, err := crew.result()
	res.Started, res.Finished, res.APICalls = started, time.Now(), crew[0].run.api.calls.Count()
	return res, err
}

package deploy

import (
	"context"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// watchSpec says which deployment to watch and how.
type watchSpec struct {
	cluster, service string
	deploymentID     string // the deployment we started (or ECS's rollback deployment)
	taskDefinition   string // the revision it runs
	previous         string // the revision before it, to recognise an ECS rollback
	loadBalancers    []types.LoadBalancer
	groups           map[string]targetGroup
	timeout          time.Duration
	poll             PollPolicy
	budget           *budget // shared by the run's watches; nil: the watch's own
	progress         *progress
	// seed is the service as UpdateService answered it, when that is the start of the watch:
	// it is the first observation, so the first DescribeServices can wait for its tick.
	seed *types.Service
	// tick is the schedule's tick, set by watch: the decision to confirm the targets at once
	// or on the next alternate tick depends on it.
	tick time.Duration
	// timeline records when the rollout's phases ended; nil records nothing (timeline.go).
	timeline *timelineRecorder
	// instances are the EC2 instances of container instances the run already knows; the watch
	// adds those it learns, so a rollback's watch does not ask again.
	instances map[string]string
}

// watch looks until the deployment succeeds, fails, is replaced, the timeout passes or ctx is
// cancelled. An error means the deployment could not be observed (not that it failed).
//
// Each tick the schedule (poll.go) picks one evidence source: the service (DescribeServices)
// every round, with the task calls its counts call for; our running tasks' targets
// (DescribeTargetHealth per target group) while they are not all healthy; on idle ticks well
// within the budget, a re-check of the task set. What a look means is decided in decide.go;
// this loop only fetches what the decisions ask for and feeds the answers back.
func (a *api) watch(ctx context.Context, spec watchSpec) (*watchOutcome, error) {
	start := time.Now()
	deadline := start.Add(spec.timeout)
	if spec.budget == nil {
		spec.budget = newBudget(a.calls.Count, start)
	}
	sched := newSchedule(spec.poll, start)
	sched.since = spec.budget.start
	spec.tick = sched.tick
	st := newWatchState()
	if spec.seed != nil {
		if seeded, ok := seed(&spec, st, spec.seed, start); ok {
			st = seeded
			spec.progress.events(spec.seed.Events)
			sched.looked(lookService, 0)
		}
	}
	var lastErr string
	for k := 0; ; k = sched.nextTick(k, time.Now()) {
		at := sched.at(k)
		if at.After(deadline) {
			at = deadline
		}
		if !sleepUntil(ctx, at) {
			return st.outcome(verdictInterrupted, "interrupted"), nil
		}
		if !time.Now().Before(deadline) {
			return st.timeout(&spec), nil
		}
		src := sched.pick(k, time.Now(), st.targetsWanted(&spec), spec.budget.spent())
		if src < 0 {
			continue // idle tick
		}
		lookCtx, cancel := context.WithDeadline(ctx, deadline)
		next, out, err := a.look(lookCtx, &spec, st, src, sched.headroom(time.Now(), spec.budget.spent()))
		cancel()
		if spec.instances != nil {
			maps.Copy(spec.instances, next.instances)
		}
		switch {
		case ctx.Err() != nil:
			return st.outcome(verdictInterrupted, "interrupted"), nil
		case out != nil:
			spec.timeline.observe(&spec, next)
			if out.wantsStoppedTasks {
				out.evidence = append(out.evidence, next.stoppedEvidence(a.stoppedTasks(ctx, &spec))...)
			}
			return out, nil
		case err == nil:
			st = next
			spec.timeline.observe(&spec, st)
			sched.looked(src, k)
		case !time.Now().Before(deadline):
			// the look was cut by the deadline: that is the timeout on the next turn
		case isTransient(err):
			// Throttling, a 5xx or a network error (a look makes one attempt): never a reason
			// to fail a deploy. The look's answers are dropped (st stays as it was), the source
			// stays due, and the schedule backs off before the next look.
			sched.failed(k)
			if code := errorCode(err); code != lastErr {
				lastErr = code
				spec.progress.printf("AWS answered %s; still waiting", code)
			}
		default:
			return nil, err
		}
	}
}

// look is one look at src: the decisions ask, the look fetches (one attempt per call: the
// schedule is the retry loop) and feeds the answers back, until a decision asks for nothing.
func (a *api) look(ctx context.Context, spec *watchSpec, st watchState, src source, allowance int) (watchState, *watchOutcome, error) {
	st, d := begin(spec, st, src, allowance)
	for {
		if d.line != "" {
			spec.progress.state(d.line)
		}
		if d.outcome != nil || d.next == nil {
			return st, d.outcome, nil
		}
		obs, err := a.fetch(ctx, spec, *d.next)
		if err != nil {
			return st, nil, err
		}
		if obs.service != nil {
			spec.progress.events(obs.service.Events)
		}
		st, d = decide(spec, st, obs)
	}
}

// fetch makes the call req asks for, once.
func (a *api) fetch(ctx context.Context, spec *watchSpec, req request) (observation, error) {
	obs := observation{call: req.call, status: req.status}
	var err error
	switch req.call {
	case callService:
		obs.service, err = a.describeService(ctx, once, spec.cluster, spec.service)
	case callTaskList:
		obs.arns, err = a.listTasks(ctx, once, spec.cluster, spec.deploymentID, req.status, req.limit)
	case callTasks:
		obs.tasks, err = a.describeTasks(ctx, once, spec.cluster, req.arns)
	case callInstances:
		obs.instances, err = a.describeContainerInstances(ctx, once, spec.cluster, req.arns)
	case callTargetHealth:
		obs.health = map[string][]elbtypes.TargetHealthDescription{}
		for _, group := range req.groups {
			var descs []elbtypes.TargetHealthDescription
			if descs, err = a.describeTargetHealth(ctx, once, group); err != nil {
				break
			}
			obs.health[group] = descs
		}
	}
	obs.at = time.Now()
	return obs, err
}

// stoppedTasks describes our deployment's stopped tasks (the ten first) for a failure's
// evidence. The watch is over, so these calls have the engine's retries: they must get their
// answer. Evidence that cannot be read is left out; the verdict stands without it.
func (a *api) stoppedTasks(ctx context.Context, spec *watchSpec) []types.Task {
	stopped, err := a.listTasks(ctx, retried, spec.cluster, spec.deploymentID, types.DesiredStatusStopped, describeBatch)
	if err != nil || len(stopped) == 0 {
		return nil
	}
	tasks, err := a.describeTasks(ctx, retried, spec.cluster, stopped[:min(len(stopped), 10)])
	if err != nil {
		return nil
	}
	return tasks
}

// sleepUntil waits until at; false when ctx was cancelled first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	wait := time.Until(at)
	if wait <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

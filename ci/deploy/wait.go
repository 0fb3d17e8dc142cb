package deploy

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
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
}

// verdict is how a watch ended.
type verdict string

const (
	verdictSucceeded   verdict = "succeeded"
	verdictFailed      verdict = "failed"       // evidence of failure, or timeout
	verdictECSRollback verdict = "ecs-rollback" // ECS rolled the service back (circuit breaker)
	verdictSuperseded  verdict = "superseded"   // another deployment replaced ours
	verdictInterrupted verdict = "interrupted"  // ctx cancelled
)

// watchOutcome is the watcher's conclusion and the evidence for it.
type watchOutcome struct {
	verdict        verdict
	summary        string
	evidence       []string
	timedOut       bool
	circuitBreaker bool              // ECS marked the deployment FAILED
	next           *types.Deployment // the PRIMARY deployment that replaced ours, if any
	svc            *types.Service    // last observation of the service
	targets        []targetState     // last observation of our targets
}

// deploymentCounts are the numbers whose change makes the watcher look at tasks again.
type deploymentCounts struct{ desired, running, pending, failed int32 }

// watcher is the state machine over the observations. Each tick of the schedule (see
// schedule) it looks at one evidence source:
//   - the service (DescribeServices), every round: our deployment's rolloutState, counts and
//     the events. ListTasks and DescribeTasks follow in the same look only when the counts or
//     the task set change, or failedTasks rises (see followTasks);
//   - our running tasks' targets (DescribeTargetHealth, one call per target group), only
//     while they are not all healthy, plus one final confirmation before declaring success;
//   - on idle ticks well within the budget, a re-check of the task set.
type watcher struct {
	api   *api
	spec  watchSpec
	sched *schedule

	svc         *types.Service
	svcAt       time.Time // when svc was read
	counts      deploymentCounts
	haveCounts  bool
	live        []string              // ARNs of our tasks with desired status RUNNING
	tasks       map[string]types.Task // last description of each of our tasks
	stopping    map[string]bool       // ours, told to stop but not yet described STOPPED
	stoppedSeen map[string]bool
	targets     []targetState // last reading of our running tasks' targets
	targetsOf   string        // the expected targets that reading covered
	healthAt    time.Time     // when targets were read
	lastErr     string
}

// watch looks until the deployment succeeds, fails, is replaced, the timeout passes or ctx is
// cancelled. An error means the deployment could not be observed (not that it failed).
func (a *api) watch(ctx context.Context, spec watchSpec) (*watchOutcome, error) {
	start := time.Now()
	deadline := start.Add(spec.timeout)
	w := &watcher{api: a, spec: spec, tasks: map[string]types.Task{}, stopping: map[string]bool{}, stoppedSeen: map[string]bool{}}
	if spec.budget == nil {
		spec.budget = newBudget(spec.poll, a.calls.Count, start)
	}
	w.sched = newSchedule(spec.poll, spec.budget, start)
	if spec.seed != nil && w.observeSeed(spec.seed) {
		w.sched.looked(lookService, 0)
	}
	for k := 0; ; k = w.sched.nextTick(k, time.Now()) {
		at := w.sched.at(k)
		if at.After(deadline) {
			at = deadline
		}
		if !w.sleepUntil(ctx, at) {
			return w.outcome(verdictInterrupted, "interrupted"), nil
		}
		if !time.Now().Before(deadline) {
			return w.timeout(), nil
		}
		expected := w.expectedTargets()
		src := w.sched.pick(k, time.Now(), w.targetsWanted(expected))
		if src < 0 {
			continue // idle tick
		}
		lookCtx, cancel := context.WithDeadline(asLook(ctx), deadline)
		out, err := w.look(lookCtx, src, expected)
		cancel()
		switch {
		case ctx.Err() != nil:
			return w.outcome(verdictInterrupted, "interrupted"), nil
		case out != nil:
			return out, nil
		case err == nil:
			w.sched.looked(src, k)
		case !time.Now().Before(deadline):
			// the look was cut by the deadline: that is the timeout on the next turn
		case isTransient(err):
			// Throttling, a 5xx or a network error (a look makes one attempt, see asLook):
			// never a reason to fail a deploy. The source stays due, and the schedule backs
			// off before the next look.
			w.sched.failed(k)
			if code := errorCode(err); code != w.lastErr {
				w.lastErr = code
				w.spec.progress.printf("AWS answered %s; still waiting", code)
			}
		default:
			return nil, err
		}
	}
}

// sleepUntil waits until at; false when ctx was cancelled first.
func (w *watcher) sleepUntil(ctx context.Context, at time.Time) bool {
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

// look makes one look at src and returns an outcome when the watch is over.
func (w *watcher) look(ctx context.Context, src source, expected []expectedTarget) (*watchOutcome, error) {
	switch src {
	case lookService:
		return w.lookAtService(ctx)
	case recheckTasks:
		return w.recheckTaskSet(ctx)
	default: // lookTargets
		return w.lookAtTargets(ctx, expected)
	}
}

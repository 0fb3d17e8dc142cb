package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// periodicCheck is how often the watcher re-reads tasks and targets even when nothing changed.
const periodicCheck = 10 * time.Second

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
	progress         *progress
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

// watcher is the state machine over polled observations. Each round makes only the calls
// needed: DescribeServices always; ListTasks (RUNNING) when our deployment's counts change;
// ListTasks (STOPPED) when a failure counter rises, the running count drops or a task left
// the set; DescribeTasks when the set or counts change; DescribeTargetHealth once our tasks
// run, until they are all healthy (and again before declaring success if the last reading is
// older than PollPolicy.Max). Every periodicCheck, budget permitting, it re-reads tasks and
// targets anyway, in case a change left the counts where they were.
type watcher struct {
	api  *api
	spec watchSpec

	pace        *pacer
	rounds      int
	lastCheck   time.Time // last periodic re-check of tasks and targets
	healthAt    time.Time // last DescribeTargetHealth
	counts      deploymentCounts
	haveCounts  bool
	live        []string              // ARNs of our tasks with desired status RUNNING
	tasks       map[string]types.Task // last description of each of our tasks
	stoppedSeen map[string]bool
	targets     []targetState
	allHealthy  bool
	svc         *types.Service
	lastErr     string
}

// watch polls until the deployment succeeds, fails, is replaced, the timeout passes or ctx is
// cancelled. An error means the deployment could not be observed (not that it failed).
func (a *api) watch(ctx context.Context, spec watchSpec) (*watchOutcome, error) {
	w := &watcher{api: a, spec: spec, tasks: map[string]types.Task{}, stoppedSeen: map[string]bool{}}
	start := time.Now()
	deadline := start.Add(spec.timeout)
	pace := newPacer(spec.poll, a.calls.Count, start)
	w.pace, w.lastCheck = pace, start
	for {
		roundStart := time.Now()
		roundCtx, cancel := context.WithDeadline(ctx, deadline)
		out, changed, err := w.round(roundCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return w.outcome(verdictInterrupted, "interrupted"), nil
		case out != nil:
			return out, nil
		case err != nil && !time.Now().Before(deadline):
			// the round was cut by the deadline: that is the timeout below
		case err != nil && isTransient(err):
			// Throttling or 5xx that outlasted the retryer: never a reason to fail a deploy.
			if msg := errorCode(err); msg != w.lastErr {
				w.lastErr = msg
				w.spec.progress.printf("AWS answered %s; still waiting", msg)
			}
		case err != nil:
			return nil, err
		}
		if !time.Now().Before(deadline) {
			return w.timeout(), nil
		}
		wait := min(pace.next(roundStart, time.Now(), changed), time.Until(deadline))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return w.outcome(verdictInterrupted, "interrupted"), nil
		case <-timer.C:
		}
	}
}

// round observes once and returns an outcome when the watch is over; changed says whether
// anything changed (the pacer then polls sooner).
func (w *watcher) round(ctx context.Context) (*watchOutcome, bool, error) {
	spec := w.spec
	svc, err := w.api.describeService(ctx, spec.cluster, spec.service)
	if err != nil {
		return nil, false, err
	}
	w.svc = svc
	changed := spec.progress.events(svc.Events)
	ours := findDeployment(svc, spec.deploymentID)
	primary := primaryDeployment(svc)

	if ours != nil && ours.RolloutState == types.DeploymentRolloutStateFailed {
		out := w.outcome(verdictFailed, circuitBreakerEvidence(ours))
		out.evidence = []string{out.summary}
		out.circuitBreaker = true
		if primary != nil && aws.ToString(primary.Id) != spec.deploymentID {
			out.next = primary
		}
		w.addStoppedEvidence(ctx, out)
		return out, true, nil
	}
	if primary == nil || aws.ToString(primary.Id) != spec.deploymentID {
		return w.replaced(ctx, ours, primary), true, nil
	}

	counts := deploymentCounts{ours.DesiredCount, ours.RunningCount, ours.PendingCount, ours.FailedTasks}
	countsChanged := !w.haveCounts || counts != w.counts
	lookForStopped := w.haveCounts && (counts.failed > w.counts.failed || counts.running < w.counts.running)
	w.counts, w.haveCounts = counts, true
	w.rounds++
	// A change that left the counts where they were (a task replaced between two rounds) is
	// caught by a re-check every periodicCheck, when the budget has room for it.
	periodic := time.Since(w.lastCheck) >= periodicCheck && w.pace.spare(time.Now(), 3)
	if periodic {
		w.lastCheck = time.Now()
	}

	setChanged := false
	if countsChanged || periodic {
		live, err := w.api.listTasks(ctx, spec.cluster, spec.deploymentID, types.DesiredStatusRunning)
		if err != nil {
			return nil, changed, err
		}
		for _, arn := range w.live {
			if !slices.Contains(live, arn) {
				lookForStopped = true // a task left the set: find out how it ended
			}
		}
		setChanged = !slices.Equal(live, w.live)
		w.live = live
	}
	var newStopped []string
	if lookForStopped || periodic {
		stopped, err := w.api.listTasks(ctx, spec.cluster, spec.deploymentID, types.DesiredStatusStopped)
		if err != nil {
			return nil, changed, err
		}
		for _, arn := range stopped {
			if !w.stoppedSeen[arn] {
				newStopped = append(newStopped, arn)
			}
		}
	}
	var stoppedEvidence []string
	if setChanged || countsChanged || len(newStopped) > 0 {
		tasks, err := w.api.describeTasks(ctx, spec.cluster, append(slices.Clone(w.live), newStopped...))
		if err != nil {
			return nil, changed, err
		}
		for _, t := range tasks {
			arn := aws.ToString(t.TaskArn)
			w.tasks[arn] = t
			if aws.ToString(t.LastStatus) == "STOPPED" && !w.stoppedSeen[arn] {
				w.stoppedSeen[arn] = true
				if !isScaleIn(t) {
					stoppedEvidence = append(stoppedEvidence, taskEvidence(t))
				}
			}
		}
	}
	if len(stoppedEvidence) > 0 {
		out := w.outcome(verdictFailed, stoppedEvidence[0])
		out.evidence = stoppedEvidence
		return out, true, nil
	}

	rolloutDone := ours.RolloutState == types.DeploymentRolloutStateCompleted ||
		(ours.RolloutState == "" && len(svc.Deployments) == 1)
	countsOK := svc.RunningCount == svc.DesiredCount && ours.RunningCount == ours.DesiredCount && ours.PendingCount == 0
	running := w.runningTasks()
	var expected []expectedTarget
	for _, t := range running {
		expected = append(expected, expectedTargets(spec.loadBalancers, t)...)
	}
	// Before declaring success, target health must be recent (no older than one Max interval).
	stale := time.Since(w.healthAt) > w.pace.policy.Max
	needHealth := len(expected) > 0 && (!w.allHealthy || countsChanged || setChanged || periodic || (rolloutDone && countsOK && stale))
	if needHealth {
		if err := w.observeTargets(ctx, expected); err != nil {
			return nil, changed, err
		}
	} else if len(expected) == 0 {
		w.targets, w.allHealthy = nil, false
	}
	var unhealthy []string
	for _, t := range w.targets {
		if t.state == string(elbtypes.TargetHealthStateEnumUnhealthy) {
			unhealthy = append(unhealthy, t.evidence())
		}
	}
	if len(unhealthy) > 0 {
		out := w.outcome(verdictFailed, unhealthy[0])
		out.evidence = unhealthy
		return out, true, nil
	}

	if spec.progress.state(w.line(ours)) {
		changed = true
	}
	targetsOK := w.targetsOK(running, ours)
	if rolloutDone && countsOK && targetsOK {
		return w.outcome(verdictSucceeded, fmt.Sprintf("deployment %s completed: %d/%d running%s",
			spec.deploymentID, ours.RunningCount, ours.DesiredCount, healthySuffix(w.targets))), true, nil
	}
	return nil, changed || countsChanged || setChanged, nil
}

// replaced explains why our deployment is no longer PRIMARY: ECS rolled it back (it vanished and
// the service is back on the previous revision) or someone else's deployment superseded it.
func (w *watcher) replaced(ctx context.Context, ours, primary *types.Deployment) *watchOutcome {
	id := w.spec.deploymentID
	if primary == nil {
		return w.outcome(verdictSuperseded, fmt.Sprintf("deployment %s is no longer PRIMARY and no deployment is", id))
	}
	rev := revisionName(aws.ToString(primary.TaskDefinition))
	if ours == nil && aws.ToString(primary.TaskDefinition) == w.spec.previous {
		out := w.outcome(verdictECSRollback, fmt.Sprintf("deployment %s was rolled back by ECS to %s (deployment %s)", id, rev, aws.ToString(primary.Id)))
		out.next = primary
		w.addStoppedEvidence(ctx, out)
		return out
	}
	out := w.outcome(verdictSuperseded, fmt.Sprintf("deployment %s was superseded by deployment %s (%s) before it completed", id, aws.ToString(primary.Id), rev))
	out.next = primary
	return out
}

// observeTargets reads the health of our tasks' targets, one DescribeTargetHealth per group.
func (w *watcher) observeTargets(ctx context.Context, expected []expectedTarget) error {
	health := map[string][]elbtypes.TargetHealthDescription{}
	for _, e := range expected {
		if _, done := health[e.groupArn]; done {
			continue
		}
		descs, err := w.api.describeTargetHealth(ctx, e.groupArn)
		if err != nil {
			return err
		}
		health[e.groupArn] = descs
	}
	w.targets, w.healthAt = matchTargets(expected, health, w.spec.groups), time.Now()
	w.allHealthy = len(w.targets) > 0
	for _, t := range w.targets {
		if t.state != string(elbtypes.TargetHealthStateEnumHealthy) {
			w.allHealthy = false
		}
	}
	return nil
}

// targetsOK: every running task of ours has a healthy target in every target group of the
// service. Trivially true without load balancers or when no task is wanted.
func (w *watcher) targetsOK(running []types.Task, ours *types.Deployment) bool {
	groups := 0
	for _, lb := range w.spec.loadBalancers {
		if aws.ToString(lb.TargetGroupArn) != "" {
			groups++
		}
	}
	if groups == 0 || ours.DesiredCount == 0 {
		return true
	}
	return w.allHealthy && len(running) > 0 && len(w.targets) >= len(running)*groups
}

func (w *watcher) runningTasks() []types.Task {
	var out []types.Task
	for _, arn := range w.live {
		if t, ok := w.tasks[arn]; ok && aws.ToString(t.LastStatus) == "RUNNING" {
			out = append(out, t)
		}
	}
	return out
}

// line is the progress line for the current state, e.g.
// "ecs-svc/123  running 1/2 pending 1  | tg app-tg: 10.0.1.7:8080 initial (Elb.RegistrationInProgress)".
func (w *watcher) line(ours *types.Deployment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  running %d/%d pending %d", w.spec.deploymentID, ours.RunningCount, ours.DesiredCount, ours.PendingCount)
	if ours.FailedTasks > 0 {
		fmt.Fprintf(&b, " failed %d", ours.FailedTasks)
	}
	if s := ours.RolloutState; s != "" && s != types.DeploymentRolloutStateInProgress {
		fmt.Fprintf(&b, " rollout %s", s)
	}
	if old := w.svc.RunningCount - ours.RunningCount; old > 0 {
		fmt.Fprintf(&b, " (old running %d)", old)
	}
	if len(w.targets) > 0 {
		b.WriteString("  | " + renderTargets(w.targets))
	}
	return b.String()
}

// timeout explains which success condition did not hold when the time ran out.
func (w *watcher) timeout() *watchOutcome {
	unmet := w.unmet()
	summary := fmt.Sprintf("timed out after %s waiting for deployment %s", w.spec.timeout, w.spec.deploymentID)
	if len(unmet) > 0 {
		summary += ": " + unmet[0]
	}
	out := w.outcome(verdictFailed, summary)
	out.timedOut = true
	out.evidence = unmet
	return out
}

// unmet lists the success conditions that did not hold at the last observation.
func (w *watcher) unmet() []string {
	if w.svc == nil {
		return []string{"the service was never observed"}
	}
	ours := findDeployment(w.svc, w.spec.deploymentID)
	if ours == nil {
		return []string{fmt.Sprintf("deployment %s is not among the service's deployments", w.spec.deploymentID)}
	}
	// Most specific first: the first one becomes the summary.
	var unmet []string
	if ours.RunningCount != ours.DesiredCount {
		unmet = append(unmet, fmt.Sprintf("%d of %d tasks of %s running (%d pending)", ours.RunningCount, ours.DesiredCount,
			revisionName(w.spec.taskDefinition), ours.PendingCount))
	}
	for _, t := range w.targets {
		if t.state != string(elbtypes.TargetHealthStateEnumHealthy) {
			unmet = append(unmet, t.evidence())
		}
	}
	if old := w.svc.RunningCount - ours.RunningCount; old > 0 && ours.RunningCount == ours.DesiredCount {
		unmet = append(unmet, fmt.Sprintf("%d tasks of older revisions still running (still draining from the target groups?)", old))
	}
	if ours.RolloutState != types.DeploymentRolloutStateCompleted {
		state := string(ours.RolloutState)
		if state == "" {
			state = aws.ToString(ours.Status)
		}
		unmet = append(unmet, fmt.Sprintf("deployment %s is %s, not COMPLETED (%s)", w.spec.deploymentID, state, rolloutReason(ours)))
	}
	return unmet
}

// addStoppedEvidence adds our stopped tasks (and unhealthy targets last seen) to a failure's
// evidence: a circuit breaker's reason says that tasks failed, these say why.
func (w *watcher) addStoppedEvidence(ctx context.Context, out *watchOutcome) {
	stopped, err := w.api.listTasks(ctx, w.spec.cluster, w.spec.deploymentID, types.DesiredStatusStopped)
	if err == nil && len(stopped) > 0 {
		if tasks, err := w.api.describeTasks(ctx, w.spec.cluster, stopped[:min(len(stopped), 10)]); err == nil {
			for _, t := range tasks {
				if !isScaleIn(t) {
					out.evidence = append(out.evidence, taskEvidence(t))
				}
			}
		}
	}
	for _, t := range w.targets {
		if t.state == string(elbtypes.TargetHealthStateEnumUnhealthy) {
			out.evidence = append(out.evidence, t.evidence())
		}
	}
}

func (w *watcher) outcome(v verdict, summary string) *watchOutcome {
	return &watchOutcome{verdict: v, summary: summary, svc: w.svc, targets: w.targets}
}

// circuitBreakerEvidence names the circuit breaker's verdict once, whether or not ECS's reason
// already says "circuit breaker".
func circuitBreakerEvidence(d *types.Deployment) string {
	reason := rolloutReason(d)
	if strings.Contains(strings.ToLower(reason), "circuit breaker") {
		return reason
	}
	return "ECS circuit breaker: " + reason
}

func rolloutReason(d *types.Deployment) string {
	if r := aws.ToString(d.RolloutStateReason); r != "" {
		return r
	}
	return "no reason given"
}

func healthySuffix(ts []targetState) string {
	if len(ts) == 0 {
		return ""
	}
	return fmt.Sprintf(", %d targets healthy", len(ts))
}

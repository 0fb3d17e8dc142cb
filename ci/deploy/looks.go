package deploy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// observeSeed takes UpdateService's answer as the first observation of the service; false
// when our deployment is not in it.
func (w *watcher) observeSeed(svc *types.Service) bool {
	ours := findDeployment(svc, w.spec.deploymentID)
	if ours == nil {
		return false
	}
	w.svc, w.svcAt = svc, time.Now()
	w.spec.progress.events(svc.Events)
	w.counts, w.haveCounts = countsOf(ours), true
	return true
}

func countsOf(d *types.Deployment) deploymentCounts {
	return deploymentCounts{d.DesiredCount, d.RunningCount, d.PendingCount, d.FailedTasks}
}

// lookAtService is the round's DescribeServices and the follow-ups its counts call for.
func (w *watcher) lookAtService(ctx context.Context) (*watchOutcome, error) {
	spec := w.spec
	svc, err := w.api.describeService(ctx, spec.cluster, spec.service)
	if err != nil {
		return nil, err
	}
	w.svc, w.svcAt = svc, time.Now()
	spec.progress.events(svc.Events)
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
		return out, nil
	}
	if primary == nil || aws.ToString(primary.Id) != spec.deploymentID {
		return w.replaced(ctx, ours, primary), nil
	}

	counts := countsOf(ours)
	stopped, err := w.followTasks(ctx, counts, false)
	if err != nil {
		return nil, err // counts not recorded: the next look follows up again
	}
	w.counts, w.haveCounts = counts, true
	if len(stopped) > 0 {
		out := w.outcome(verdictFailed, stopped[0])
		out.evidence = stopped
		return out, nil
	}
	expected := w.expectedTargets()
	if len(expected) == 0 {
		w.targets, w.targetsOf = nil, ""
	}
	spec.progress.state(w.line(ours))

	if !w.rolloutDone(ours) {
		return nil, nil
	}
	if w.targetsRequired(ours) && len(expected) > 0 {
		// The final confirmation: success needs a target-health reading taken after the
		// service said the rollout is done. While the targets are still coming up, their own
		// look on the next tick is that reading; otherwise it is made now.
		alternating := w.targetsWanted(expected) && !w.healthAt.Before(w.svcAt.Add(-w.sched.tick*3/2))
		if !alternating {
			return w.lookAtTargets(ctx, expected)
		}
	}
	return w.success(ours), nil
}

// followTasks makes the task calls that the change from the last counts to counts calls for,
// and returns the evidence of our tasks that stopped. recheck lists the task set anyway.
//   - ListTasks (desired STOPPED) first, when one of ours may have stopped: failedTasks rose,
//     fewer tasks run or are active, or one is still stopping. On a failure that is all
//     there is to read.
//   - ListTasks (desired RUNNING) when the set may have changed: tasks added or gone, or
//     fewer tasks known than ECS counts.
//   - DescribeTasks for the newly stopped, the stopping, the tasks that left the set, and
//     the tasks ECS counts as running that we have not yet seen running (their IPs are their
//     targets).
func (w *watcher) followTasks(ctx context.Context, counts deploymentCounts, recheck bool) ([]string, error) {
	prev := w.counts
	active, prevActive := counts.running+counts.pending, prev.running+prev.pending
	rose := w.haveCounts && counts.failed > prev.failed
	fewer := w.haveCounts && (counts.running < prev.running || active < prevActive)

	if rose || fewer || len(w.stopping) > 0 {
		stopped, err := w.api.listTasks(ctx, w.spec.cluster, w.spec.deploymentID, types.DesiredStatusStopped)
		if err != nil {
			return nil, err
		}
		var describe []string
		for _, arn := range stopped {
			if !w.stoppedSeen[arn] {
				describe = append(describe, arn)
			}
		}
		evidence, err := w.describeTasks(ctx, describe)
		if err != nil || len(evidence) > 0 {
			return evidence, err
		}
	}

	var describe []string
	listLive := recheck || rose || fewer || active != prevActive || int(active) > len(w.live)
	if listLive && (active > 0 || len(w.live) > 0) {
		live, err := w.api.listTasks(ctx, w.spec.cluster, w.spec.deploymentID, types.DesiredStatusRunning)
		if err != nil {
			return nil, err
		}
		for _, arn := range w.live {
			if !slices.Contains(live, arn) && !w.stoppedSeen[arn] {
				describe = append(describe, arn) // it left the set: find out how it ended
			}
		}
		w.live = live
	}
	if int(counts.running) > len(w.runningTasks()) {
		for _, arn := range w.live {
			if t, ok := w.tasks[arn]; !ok || aws.ToString(t.LastStatus) != "RUNNING" {
				describe = append(describe, arn)
			}
		}
	}
	return w.describeTasks(ctx, describe)
}

// describeTasks describes arns and the tasks still stopping, records what it learns, and
// returns the evidence of the tasks of ours that stopped (scale-ins are not evidence).
func (w *watcher) describeTasks(ctx context.Context, arns []string) ([]string, error) {
	for arn := range w.stopping {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	arns = slices.Compact(arns)
	if len(arns) == 0 {
		return nil, nil
	}
	tasks, err := w.api.describeTasks(ctx, w.spec.cluster, arns)
	if err != nil {
		return nil, err
	}
	for arn := range w.stopping {
		if !slices.ContainsFunc(tasks, func(t types.Task) bool { return aws.ToString(t.TaskArn) == arn }) {
			delete(w.stopping, arn) // ECS no longer knows it (stopped long ago): nothing to learn
		}
	}
	var evidence []string
	for _, t := range tasks {
		arn := aws.ToString(t.TaskArn)
		w.tasks[arn] = t
		switch {
		case aws.ToString(t.LastStatus) == "STOPPED":
			delete(w.stopping, arn)
			if !w.stoppedSeen[arn] {
				w.stoppedSeen[arn] = true
				if !isScaleIn(t) {
					evidence = append(evidence, taskEvidence(t))
				}
			}
		case aws.ToString(t.DesiredStatus) == "STOPPED":
			w.stopping[arn] = true // described again on the next look until it has stopped
		}
	}
	return evidence, nil
}

// recheckTaskSet is the optional re-check: it lists our tasks even though no count changed,
// in case a task was replaced between two looks.
func (w *watcher) recheckTaskSet(ctx context.Context) (*watchOutcome, error) {
	if !w.haveCounts {
		return nil, nil
	}
	stopped, err := w.followTasks(ctx, w.counts, true)
	if err != nil {
		return nil, err
	}
	if len(stopped) > 0 {
		out := w.outcome(verdictFailed, stopped[0])
		out.evidence = stopped
		return out, nil
	}
	return nil, nil
}

// lookAtTargets reads the health of our running tasks' targets, one DescribeTargetHealth per
// target group. An unhealthy target is a failure; all healthy after the service said the
// rollout is complete is success.
func (w *watcher) lookAtTargets(ctx context.Context, expected []expectedTarget) (*watchOutcome, error) {
	if len(expected) == 0 {
		return nil, nil
	}
	health := map[string][]elbtypes.TargetHealthDescription{}
	for _, e := range expected {
		if _, done := health[e.groupArn]; done {
			continue
		}
		descs, err := w.api.describeTargetHealth(ctx, e.groupArn)
		if err != nil {
			return nil, err
		}
		health[e.groupArn] = descs
	}
	w.targets, w.targetsOf, w.healthAt = matchTargets(expected, health, w.spec.groups), targetKey(expected), time.Now()
	var unhealthy []string
	for _, t := range w.targets {
		if t.state == string(elbtypes.TargetHealthStateEnumUnhealthy) {
			unhealthy = append(unhealthy, t.evidence())
		}
	}
	if len(unhealthy) > 0 {
		out := w.outcome(verdictFailed, unhealthy[0])
		out.evidence = unhealthy
		return out, nil
	}
	ours := findDeployment(w.svc, w.spec.deploymentID)
	if ours == nil {
		return nil, nil
	}
	w.spec.progress.state(w.line(ours))
	if !w.rolloutDone(ours) {
		return nil, nil
	}
	return w.success(ours), nil
}

// rolloutDone: ECS says our deployment is complete and every task it wants runs.
func (w *watcher) rolloutDone(ours *types.Deployment) bool {
	completed := ours.RolloutState == types.DeploymentRolloutStateCompleted ||
		(ours.RolloutState == "" && len(w.svc.Deployments) == 1)
	return completed && w.svc.RunningCount == w.svc.DesiredCount &&
		ours.RunningCount == ours.DesiredCount && ours.PendingCount == 0
}

// success returns the success outcome when, besides rolloutDone, every running task of ours
// has a healthy target in every target group, read after the service was: nil otherwise.
func (w *watcher) success(ours *types.Deployment) *watchOutcome {
	if w.targetsRequired(ours) {
		running := len(w.runningTasks())
		if running == 0 || !allHealthy(w.targets) || len(w.targets) < running*w.groupCount() ||
			w.targetsOf != targetKey(w.expectedTargets()) || w.healthAt.Before(w.svcAt) {
			return nil
		}
	}
	return w.outcome(verdictSucceeded, fmt.Sprintf("deployment %s completed: %d/%d running%s",
		w.spec.deploymentID, ours.RunningCount, ours.DesiredCount, healthySuffix(w.targets)))
}

// targetsRequired: the service has target groups and our deployment wants tasks.
func (w *watcher) targetsRequired(ours *types.Deployment) bool {
	return w.groupCount() > 0 && ours.DesiredCount > 0
}

func (w *watcher) groupCount() int {
	n := 0
	for _, lb := range w.spec.loadBalancers {
		if aws.ToString(lb.TargetGroupArn) != "" {
			n++
		}
	}
	return n
}

// targetsWanted: our tasks run and their targets are not known to be all healthy.
func (w *watcher) targetsWanted(expected []expectedTarget) bool {
	return len(expected) > 0 && (w.targetsOf != targetKey(expected) || !allHealthy(w.targets))
}

// expectedTargets are where our running tasks should appear in the target groups.
func (w *watcher) expectedTargets() []expectedTarget {
	var out []expectedTarget
	for _, t := range w.runningTasks() {
		out = append(out, expectedTargets(w.spec.loadBalancers, t)...)
	}
	return out
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

// targetKey identifies a set of expected targets, to tell whether a reading covers them.
func targetKey(expected []expectedTarget) string {
	keys := make([]string, 0, len(expected))
	for _, e := range expected {
		keys = append(keys, fmt.Sprintf("%s|%s|%d", e.groupArn, e.ip, e.port))
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func allHealthy(ts []targetState) bool {
	for _, t := range ts {
		if t.state != string(elbtypes.TargetHealthStateEnumHealthy) {
			return false
		}
	}
	return len(ts) > 0
}

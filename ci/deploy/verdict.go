package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

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
	ctx = notLook(ctx) // the evidence must get its answer: the engine's retries
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

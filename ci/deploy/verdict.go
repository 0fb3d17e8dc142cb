package deploy

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

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
	// withRelease: this deployment did not fail; another service of its release did, and this
	// one goes back with it (see deploySeveral).
	withRelease bool
	// wantsStoppedTasks: ECS's verdict says that tasks failed, not why; the watch adds the
	// stopped tasks to the evidence before it returns (see watch.stoppedTaskEvidence).
	wantsStoppedTasks bool
}

// replaced explains why our deployment is no longer PRIMARY: ECS rolled it back (it vanished and
// the service is back on the previous revision) or someone else's deployment superseded it.
func (st watchState) replaced(spec *watchSpec, ours, primary *types.Deployment) *watchOutcome {
	id := spec.deploymentID
	if primary == nil {
		return st.outcome(verdictSuperseded, fmt.Sprintf("deployment %s is no longer PRIMARY and no deployment is", id))
	}
	rev := revisionName(aws.ToString(primary.TaskDefinition))
	if ours == nil && aws.ToString(primary.TaskDefinition) == spec.previous {
		out := st.outcome(verdictECSRollback, fmt.Sprintf("deployment %s was rolled back by ECS to %s (deployment %s)", id, rev, aws.ToString(primary.Id)))
		out.next = primary
		out.wantsStoppedTasks = true
		return out
	}
	out := st.outcome(verdictSuperseded, fmt.Sprintf("deployment %s was superseded by deployment %s (%s) before it completed", id, aws.ToString(primary.Id), rev))
	out.next = primary
	return out
}

// line is the progress line for the current state, e.g.
// "ecs-svc/123  running 1/2 pending 1  | tg app-tg: 10.0.1.7:8080 initial (Elb.RegistrationInProgress)".
func (st watchState) line(spec *watchSpec, ours *types.Deployment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  running %d/%d pending %d", spec.deploymentID, ours.RunningCount, ours.DesiredCount, ours.PendingCount)
	if ours.FailedTasks > 0 {
		fmt.Fprintf(&b, " failed %d", ours.FailedTasks)
	}
	if s := ours.RolloutState; s != "" && s != types.DeploymentRolloutStateInProgress {
		fmt.Fprintf(&b, " rollout %s", s)
	}
	if old := st.svc.RunningCount - ours.RunningCount; old > 0 {
		fmt.Fprintf(&b, " (old running %d)", old)
	}
	if st.sampled(ours) {
		return joinLine(b.String(), renderGroupStates(spec, st.groupStates))
	}
	return joinLine(b.String(), renderTargets(st.targets))
}

// timeout explains which success condition did not hold when the time ran out.
func (st watchState) timeout(spec *watchSpec) *watchOutcome {
	unmet := st.unmet(spec)
	summary := fmt.Sprintf("timed out after %s waiting for deployment %s", spec.timeout, spec.deploymentID)
	if len(unmet) > 0 {
		summary += ": " + unmet[0]
	}
	out := st.outcome(verdictFailed, summary)
	out.timedOut = true
	out.evidence = unmet
	return out
}

// unmet lists the success conditions that did not hold at the last observation.
func (st watchState) unmet(spec *watchSpec) []string {
	if st.svc == nil {
		return []string{"the service was never observed"}
	}
	ours := findDeployment(st.svc, spec.deploymentID)
	if ours == nil {
		return []string{fmt.Sprintf("deployment %s is not among the service's deployments", spec.deploymentID)}
	}
	// Most specific first: the first one becomes the summary.
	var unmet []string
	if ours.RunningCount != ours.DesiredCount {
		unmet = append(unmet, fmt.Sprintf("%d of %d tasks of %s running (%d pending)", ours.RunningCount, ours.DesiredCount,
			revisionName(spec.taskDefinition), ours.PendingCount))
	}
	unmet = append(unmet, targetEvidence(st.targets, func(t targetState) bool {
		return t.state != string(elbtypes.TargetHealthStateEnumHealthy)
	})...)
	if old := st.svc.RunningCount - ours.RunningCount; old > 0 && ours.RunningCount == ours.DesiredCount {
		unmet = append(unmet, fmt.Sprintf("%d tasks of older revisions still running (still draining from the target groups?)", old))
	}
	if ours.RolloutState != types.DeploymentRolloutStateCompleted {
		state := string(ours.RolloutState)
		if state == "" {
			state = aws.ToString(ours.Status)
		}
		unmet = append(unmet, fmt.Sprintf("deployment %s is %s, not COMPLETED (%s)", spec.deploymentID, state, rolloutReason(ours)))
	}
	return unmet
}

// stoppedEvidence is the evidence that the stopped tasks (other than scale-ins) and the
// unhealthy targets last seen add to a failure.
func (st watchState) stoppedEvidence(stopped []types.Task) []string {
	return append(stoppedTaskEvidence(stopped), targetEvidence(st.targets, isUnhealthy)...)
}

func isUnhealthy(t targetState) bool {
	return t.state == string(elbtypes.TargetHealthStateEnumUnhealthy)
}

func (st watchState) outcome(v verdict, summary string) *watchOutcome {
	return &watchOutcome{verdict: v, summary: summary, svc: st.svc, targets: st.targets}
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

package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"dagger/pipeline/report"
)

// The next steps a diagnosis gives, as actions its caller names as commands.
func statusStep(note string) report.Step { return report.Step{Note: note, Action: report.Status} }

func rollbackStep(note, taskDefinition string) report.Step {
	return report.Step{Note: note, Action: report.Rollback, Revision: revisionName(taskDefinition)}
}

func deployStep(note string) report.Step { return report.Step{Note: note, Action: report.Deploy} }

func noteStep(note string) report.Step { return report.Step{Note: note} }

// dedupe drops repeated evidence lines, keeping the first occurrence's order.
func dedupe(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// serviceState describes where the service stands now: which revision its PRIMARY deployment
// runs, running/desired, the deployments, and the health of every target in its target groups.
// A reading the run made within recentEnough stands for now.
// ctx should outlive a cancelled deploy (see freshContext); errors become part of the text, a
// diagnosis must never fail.
func (a *api) serviceState(ctx context.Context, cluster, service string, groups map[string]targetGroup) string {
	svc, fresh := a.recent.service(cluster, service)
	if !fresh {
		var err error
		if svc, err = a.describeService(ctx, retried, cluster, service); err != nil {
			return fmt.Sprintf("unknown (could not describe the service: %v)", err)
		}
	}
	var b strings.Builder
	// The service's task definition is its PRIMARY deployment's; which revisions actually run
	// is in the per-deployment counts that follow.
	fmt.Fprintf(&b, "service %s is set to %s: %d/%d running, %d pending", service,
		revisionName(aws.ToString(svc.TaskDefinition)), svc.RunningCount, svc.DesiredCount, svc.PendingCount)
	var deps []string
	for _, d := range svc.Deployments {
		s := fmt.Sprintf("%s %s %s %d/%d", aws.ToString(d.Status), aws.ToString(d.Id), revisionName(aws.ToString(d.TaskDefinition)), d.RunningCount, d.DesiredCount)
		if d.RolloutState != "" {
			s += " " + string(d.RolloutState)
		}
		deps = append(deps, s)
	}
	if len(deps) > 0 {
		fmt.Fprintf(&b, "; deployments: %s", strings.Join(deps, ", "))
	}
	for _, arn := range sortedKeys(groups) {
		descs, fresh := a.recent.targetHealth(arn)
		if !fresh {
			var err error
			if descs, err = a.describeTargetHealth(ctx, retried, arn); err != nil {
				fmt.Fprintf(&b, "; targets of %s unknown (%v)", groups[arn].name, err)
				continue
			}
		}
		fmt.Fprintf(&b, "; targets of %s: %s", groups[arn].name, countStates(descs))
	}
	return b.String()
}

func countStates(descs []elbtypes.TargetHealthDescription) string {
	if len(descs) == 0 {
		return "none registered"
	}
	counts := map[string]int{}
	for _, d := range descs {
		if d.TargetHealth != nil {
			counts[string(d.TargetHealth.State)]++
		}
	}
	var parts []string
	for _, state := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[state], state))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// freshContext is for reporting after ctx was cancelled (Ctrl-C): the state must still be read
// and told, within a short time.
func freshContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}

// deploymentOn returns the deployment running taskDefinition, preferring PRIMARY.
func deploymentOn(svc *types.Service, taskDefinition string) *types.Deployment {
	var found *types.Deployment
	for i := range svc.Deployments {
		d := &svc.Deployments[i]
		if aws.ToString(d.TaskDefinition) != taskDefinition {
			continue
		}
		if aws.ToString(d.Status) == "PRIMARY" {
			return d
		}
		if found == nil {
			found = d
		}
	}
	return found
}

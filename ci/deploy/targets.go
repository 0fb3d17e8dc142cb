package deploy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// targetGroup is what the engine needs to know about one of the service's target groups.
type targetGroup struct {
	arn, name           string
	interval            time.Duration // HealthCheckIntervalSeconds
	healthCheckTimeout  time.Duration // HealthCheckTimeoutSeconds
	healthyThreshold    int32         // HealthyThresholdCount
	deregistrationDelay time.Duration // deregistration_delay.timeout_seconds
}

// healthyAfter is how long a target that answers correctly takes to be marked healthy.
func (g targetGroup) healthyAfter() time.Duration {
	return g.interval*time.Duration(g.healthyThreshold) + g.healthCheckTimeout
}

// describeTargetGroups reads the service's target groups (names, health-check settings and
// deregistration delay), keyed by ARN.
func (a *api) describeTargetGroups(ctx context.Context, lbs []types.LoadBalancer) (map[string]targetGroup, error) {
	groups := map[string]targetGroup{}
	var arns []string
	for _, lb := range lbs {
		if arn := aws.ToString(lb.TargetGroupArn); arn != "" && !contains(arns, arn) {
			arns = append(arns, arn)
		}
	}
	if len(arns) == 0 {
		return groups, nil
	}
	out, err := a.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: arns}, a.elbOptions)
	if err != nil {
		return nil, fmt.Errorf("describe the service's target groups: %w", err)
	}
	for _, tg := range out.TargetGroups {
		g := targetGroup{
			arn:                aws.ToString(tg.TargetGroupArn),
			name:               aws.ToString(tg.TargetGroupName),
			interval:           seconds(tg.HealthCheckIntervalSeconds, 30),
			healthCheckTimeout: seconds(tg.HealthCheckTimeoutSeconds, 5),
			healthyThreshold:   aws.ToInt32(tg.HealthyThresholdCount),
		}
		if g.healthyThreshold <= 0 {
			g.healthyThreshold = 5
		}
		attrs, err := a.elb.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn}, a.elbOptions)
		if err != nil {
			return nil, fmt.Errorf("describe attributes of target group %s: %w", g.name, err)
		}
		g.deregistrationDelay = 300 * time.Second // the ELBv2 default
		for _, at := range attrs.Attributes {
			if aws.ToString(at.Key) == "deregistration_delay.timeout_seconds" {
				if n, err := strconv.Atoi(aws.ToString(at.Value)); err == nil {
					g.deregistrationDelay = time.Duration(n) * time.Second
				}
			}
		}
		groups[g.arn] = g
	}
	return groups, nil
}

func seconds(v *int32, def int32) time.Duration {
	if v == nil || *v <= 0 {
		return time.Duration(def) * time.Second
	}
	return time.Duration(*v) * time.Second
}

// Bounds and allowance of the derived timeout (see deriveTimeout).
const (
	startAllowance = 2 * time.Minute // image pull + container start of one batch of tasks
	minTimeout     = 3 * time.Minute
	maxTimeout     = 30 * time.Minute
)

// deriveTimeout is the default wait for a deployment, from what actually takes time in an ECS
// rolling update behind an ALB:
//
//	batches × (startAllowance + healthCheckGracePeriod + max over target groups of
//	           (HealthCheckIntervalSeconds × HealthyThresholdCount + HealthCheckTimeoutSeconds))
//	+ max over target groups of deregistration_delay.timeout_seconds
//
// clamped to [3 min, 30 min]. startAllowance (2 min) covers the image pull and the container
// start. batches is how many waves the rolling update needs: desiredCount divided by the tasks
// it may start at once (maximumPercent above 100 %, or else the tasks it may stop under
// minimumHealthyPercent), at least 1. The deregistration delay counts once: ECS marks the
// deployment COMPLETED only after the old tasks have drained.
func deriveTimeout(svc *types.Service, groups map[string]targetGroup) time.Duration {
	var health, drain time.Duration
	for _, g := range groups {
		health = max(health, g.healthyAfter())
		drain = max(drain, g.deregistrationDelay)
	}
	grace := time.Duration(aws.ToInt32(svc.HealthCheckGracePeriodSeconds)) * time.Second
	total := time.Duration(rolloutBatches(svc))*(startAllowance+grace+health) + drain
	return min(max(total, minTimeout), maxTimeout)
}

func rolloutBatches(svc *types.Service) int {
	desired := int(svc.DesiredCount)
	if desired <= 0 {
		return 1
	}
	maxPct, minPct := 200, 100
	if dc := svc.DeploymentConfiguration; dc != nil {
		if dc.MaximumPercent != nil {
			maxPct = int(*dc.MaximumPercent)
		}
		if dc.MinimumHealthyPercent != nil {
			minPct = int(*dc.MinimumHealthyPercent)
		}
	}
	wave := desired * (maxPct - 100) / 100
	if wave <= 0 {
		wave = desired - (desired*minPct+99)/100
	}
	if wave <= 0 {
		return 1
	}
	return (desired + wave - 1) / wave
}

// targetState is one of our tasks' targets as the load balancer sees it.
type targetState struct {
	group       string // target group name
	id          string // IP (awsvpc) or instance ID
	port        int32
	state       string // initial, healthy, unhealthy, unused, draining, unavailable, "not registered"
	reason      string // e.g. Target.ResponseCodeMismatch
	description string // e.g. Health checks failed with these codes: [503]
}

func (t targetState) String() string {
	s := fmt.Sprintf("%s:%d %s", t.id, t.port, t.state)
	if t.reason != "" {
		s += " (" + t.reason + ")"
	}
	return s
}

// evidence is the target's line in a diagnosis.
func (t targetState) evidence() string {
	s := fmt.Sprintf("target %s:%d in %s: %s", t.id, t.port, t.group, t.state)
	switch {
	case t.reason != "" && t.description != "":
		s += fmt.Sprintf(" (%s: %s)", t.reason, t.description)
	case t.reason != "" || t.description != "":
		s += fmt.Sprintf(" (%s%s)", t.reason, t.description)
	}
	return s
}

// expectedTarget is where a running task of ours should appear in a target group.
type expectedTarget struct {
	groupArn string
	ip       string // awsvpc: the task's IP
	instance string // bridge/host mode: the EC2 instance the task runs on ("" while unknown)
	port     int32  // awsvpc: the container port; bridge/host: the host port bound to it
}

// expectedTargets lists the targets our running tasks should have, per the service's
// loadBalancers: in awsvpc mode the task's private IP and the container port; in bridge/host
// mode its EC2 instance and the host port bound to the container port. Two tasks on two
// instances can get the same dynamic host port: only the instance tells their targets apart.
func expectedTargets(lbs []types.LoadBalancer, task types.Task, instance string) []expectedTarget {
	var out []expectedTarget
	ip := taskIP(task)
	for _, lb := range lbs {
		arn := aws.ToString(lb.TargetGroupArn)
		if arn == "" {
			continue
		}
		want := aws.ToInt32(lb.ContainerPort)
		if ip != "" {
			out = append(out, expectedTarget{groupArn: arn, ip: ip, port: want})
			continue
		}
		for _, c := range task.Containers {
			if aws.ToString(c.Name) != aws.ToString(lb.ContainerName) {
				continue
			}
			for _, nb := range c.NetworkBindings {
				if aws.ToInt32(nb.ContainerPort) == want && aws.ToInt32(nb.HostPort) != 0 {
					out = append(out, expectedTarget{groupArn: arn, instance: instance, port: aws.ToInt32(nb.HostPort)})
				}
			}
		}
	}
	return out
}

// taskIP returns the task's private IPv4 address in awsvpc mode, or "".
func taskIP(task types.Task) string {
	for _, at := range task.Attachments {
		if aws.ToString(at.Type) != "ElasticNetworkInterface" {
			continue
		}
		for _, d := range at.Details {
			if aws.ToString(d.Name) == "privateIPv4Address" && aws.ToString(d.Value) != "" {
				return aws.ToString(d.Value)
			}
		}
	}
	for _, c := range task.Containers {
		for _, ni := range c.NetworkInterfaces {
			if ip := aws.ToString(ni.PrivateIpv4Address); ip != "" {
				return ip
			}
		}
	}
	return ""
}

// describeTargetHealth returns the health of every registered target of a target group.
func (a *api) describeTargetHealth(ctx context.Context, p callPolicy, groupArn string) ([]elbtypes.TargetHealthDescription, error) {
	out, err := a.health.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(groupArn)}, a.elbOptionsFor(p))
	if err != nil {
		return nil, fmt.Errorf("describe target health: %w", err)
	}
	a.recent.putHealth(groupArn, out.TargetHealthDescriptions)
	return out.TargetHealthDescriptions, nil
}

// matchTargets finds each expected target in the groups' health descriptions. A target not in
// the group yet is "not registered" (ECS registers it once the task runs).
func matchTargets(expected []expectedTarget, health map[string][]elbtypes.TargetHealthDescription, groups map[string]targetGroup) []targetState {
	var out []targetState
	for _, e := range expected {
		id := e.ip
		if id == "" {
			id = e.instance
		}
		st := targetState{group: groupName(groups, e.groupArn), id: id, port: e.port, state: "not registered"}
		for _, d := range health[e.groupArn] {
			if d.Target == nil || aws.ToInt32(d.Target.Port) != e.port {
				continue
			}
			if id != "" && aws.ToString(d.Target.Id) != id {
				continue
			}
			st.id = aws.ToString(d.Target.Id)
			if h := d.TargetHealth; h != nil {
				st.state = string(h.State)
				st.reason = string(h.Reason)
				st.description = aws.ToString(h.Description)
			}
			break
		}
		if st.id == "" {
			st.id = "?"
		}
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].group != out[j].group {
			return out[i].group < out[j].group
		}
		return out[i].id < out[j].id
	})
	return out
}

func groupName(groups map[string]targetGroup, arn string) string {
	if g, ok := groups[arn]; ok && g.name != "" {
		return g.name
	}
	// arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID
	parts := strings.Split(arn, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return arn
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

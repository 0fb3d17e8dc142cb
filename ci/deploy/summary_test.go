package deploy

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// A group of up to three targets names them; a larger one counts them per state, naming a
// couple of unhealthy ones as examples; a state ELB may add later is counted too.
func TestRenderTargetsSummarises(t *testing.T) {
	few := []targetState{{group: "web", id: "10.0.1.1", port: 8080, state: "healthy"}, {group: "web", id: "10.0.1.2", port: 8080, state: "initial", reason: "Elb.RegistrationInProgress"}}
	if got := renderTargets(few); len(got) != 1 || got[0] != "tg web: 10.0.1.1:8080 healthy, 10.0.1.2:8080 initial (Elb.RegistrationInProgress)" {
		t.Errorf("two targets: %q", got)
	}
	var many []targetState
	for i, s := range []string{"healthy", "healthy", "unhealthy", "unhealthy", "unhealthy", "initial", "warming"} {
		many = append(many, targetState{group: "web", id: "10.0.1." + string(rune('1'+i)), port: 8080, state: s, reason: "Target.ResponseCodeMismatch"})
	}
	many = append(many, targetState{group: "api", id: "10.0.2.1", port: 9090, state: "healthy"})
	got := renderTargets(many)
	want := []string{
		"tg web: 2 healthy, 1 initial, 3 unhealthy (e.g. 10.0.1.3:8080 Target.ResponseCodeMismatch, 10.0.1.4:8080 Target.ResponseCodeMismatch), 1 warming",
		"tg api: 10.0.2.1:9090 healthy",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("renderTargets:\n got %q\nwant %q", got, want)
	}
	if line := joinLine("ecs-svc/1  running 7/7 pending 0", got); !strings.Contains(line, "\n            | tg api") {
		t.Errorf("a line over %d characters keeps its groups on lines of their own:\n%s", maxLine, line)
	}
}

// The counts of every target vouch for a service larger than the sample; a group not read yet
// is left out, and an empty one says so.
func TestRenderGroupStates(t *testing.T) {
	api := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef"
	unread := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/jobs/0123456789abcdef"
	spec := specFor(groupArn, api, unread)
	spec.loadBalancers = append(spec.loadBalancers, types.LoadBalancer{TargetGroupArn: aws.String("")})
	spec.groups[api] = targetGroup{name: "api"}
	states := map[string]map[string]int{groupArn: {"healthy": 480, "initial": 20}, api: {}}
	got := renderGroupStates(spec, states)
	if len(got) != 2 || got[0] != "tg web: 480 healthy, 20 initial (all targets)" || got[1] != "tg api: no targets (all targets)" {
		t.Errorf("renderGroupStates = %q", got)
	}
}

func TestCapWidth(t *testing.T) {
	if got := capWidth("é"+strings.Repeat("x", 300), 10); got != "é"+strings.Repeat("x", 8)+"…" {
		t.Errorf("capWidth = %q", got)
	}
	if got := capWidth("short", 10); got != "short" {
		t.Errorf("capWidth of a short line = %q", got)
	}
}

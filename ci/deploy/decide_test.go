package deploy

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Every rule the watcher applies, one table row each: a state, one answer, and what the
// decision must be. Rows are written so that removing the rule they name changes the decision.

const (
	ourID    = "ecs-svc/2"
	oldID    = "ecs-svc/1"
	ourTD    = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"
	oldTD    = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"
	groupArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
)

var t0 = time.Unix(1_700_000_000, 0)

// plenty is a call allowance no row here runs out of.
const plenty = 1000

func specFor(groups ...string) *watchSpec {
	spec := &watchSpec{cluster: "demo", service: "web", deploymentID: ourID, taskDefinition: ourTD, previous: oldTD,
		timeout: time.Minute, tick: time.Second, groups: map[string]targetGroup{}}
	for _, g := range groups {
		spec.loadBalancers = append(spec.loadBalancers, types.LoadBalancer{
			TargetGroupArn: aws.String(g), ContainerName: aws.String("app"), ContainerPort: aws.Int32(8080)})
		spec.groups[g] = targetGroup{name: "web"}
	}
	return spec
}

// dep is a deployment; counts are desired, running, pending, failed.
func dep(id, status, td string, rollout types.DeploymentRolloutState, counts ...int32) types.Deployment {
	c := append(counts, 0, 0, 0, 0)
	return types.Deployment{Id: aws.String(id), Status: aws.String(status), TaskDefinition: aws.String(td), RolloutState: rollout,
		DesiredCount: c[0], RunningCount: c[1], PendingCount: c[2], FailedTasks: c[3]}
}

// svcOf is the service with these deployments; the first is the one ECS moves to.
func svcOf(deps ...types.Deployment) *types.Service {
	svc := &types.Service{Deployments: deps}
	if len(deps) > 0 {
		svc.DesiredCount = deps[0].DesiredCount
	}
	for _, d := range deps {
		svc.RunningCount += d.RunningCount
	}
	return svc
}

func rolling(counts ...int32) *types.Service {
	return svcOf(dep(ourID, "PRIMARY", ourTD, types.DeploymentRolloutStateInProgress, counts...),
		dep(oldID, "ACTIVE", oldTD, types.DeploymentRolloutStateCompleted, 2, 2))
}

func completed(counts ...int32) *types.Service {
	return svcOf(dep(ourID, "PRIMARY", ourTD, types.DeploymentRolloutStateCompleted, counts...))
}

func taskArn(id string) string { return "arn:aws:ecs:us-east-1:123456789012:task/demo/" + id }

// task is one of ours: last status, desired status, private IP.
func task(id, last, desired, ip string) types.Task {
	t := types.Task{TaskArn: aws.String(taskArn(id)), TaskDefinitionArn: aws.String(ourTD),
		LastStatus: aws.String(last), DesiredStatus: aws.String(desired)}
	if ip != "" {
		t.Attachments = []types.Attachment{{Type: aws.String("ElasticNetworkInterface"),
			Details: []types.KeyValuePair{{Name: aws.String("privateIPv4Address"), Value: aws.String(ip)}}}}
	}
	return t
}

func crashed(id string) types.Task {
	t := task(id, "STOPPED", "STOPPED", "")
	t.StoppedReason = aws.String("Essential container in task exited")
	t.Containers = []types.Container{{Name: aws.String("app"), ExitCode: aws.Int32(3)}}
	return t
}

func scaledIn(id string) types.Task {
	t := task(id, "STOPPED", "STOPPED", "")
	t.StoppedReason = aws.String("Scaling activity initiated by (deployment ecs-svc/2)")
	return t
}

// known is a state that has seen the service with counts and these tasks of ours live.
func known(svc *types.Service, tasks ...types.Task) watchState {
	st := newWatchState()
	st.svc, st.svcAt = svc, t0
	st.counts, st.haveCounts = countsOf(findDeployment(svc, ourID)), true
	for _, t := range tasks {
		st.tasks[aws.ToString(t.TaskArn)] = t
		if aws.ToString(t.DesiredStatus) == "RUNNING" {
			st.live = append(st.live, aws.ToString(t.TaskArn))
		}
	}
	return st
}

func withHealthy(st watchState, spec *watchSpec, at time.Time) watchState {
	expected := spec.expectedTargets(st)
	st.targets = nil
	for _, e := range expected {
		st.targets = append(st.targets, targetState{group: "web", id: e.ip, port: e.port, state: "healthy"})
	}
	st.targetsOf, st.healthAt = targetKey(expected), at
	st.groupStates = map[string]map[string]int{}
	for _, e := range expected {
		if st.groupStates[e.groupArn] == nil {
			st.groupStates[e.groupArn] = map[string]int{}
		}
		st.groupStates[e.groupArn]["healthy"]++
	}
	return st
}

func serviceAnswer(svc *types.Service, at time.Time) observation {
	return observation{call: callService, service: svc, at: at}
}

func listAnswer(status types.DesiredStatus, ids ...string) observation {
	var arns []string
	for _, id := range ids {
		arns = append(arns, taskArn(id))
	}
	return observation{call: callTaskList, status: status, arns: arns, at: t0}
}

func tasksAnswer(tasks ...types.Task) observation {
	return observation{call: callTasks, tasks: tasks, at: t0}
}

func healthAnswer(at time.Time, states map[string]elbtypes.TargetHealthStateEnum) observation {
	var descs []elbtypes.TargetHealthDescription
	for ip, s := range states {
		descs = append(descs, elbtypes.TargetHealthDescription{
			Target:       &elbtypes.TargetDescription{Id: aws.String(ip), Port: aws.Int32(8080)},
			TargetHealth: &elbtypes.TargetHealth{State: s, Reason: elbtypes.TargetHealthReasonEnumFailedHealthChecks},
		})
	}
	return observation{call: callTargetHealth, at: at, health: map[string][]elbtypes.TargetHealthDescription{groupArn: descs}}
}

// want is what a decision must be: the next request (by call, status and ARNs), or the
// outcome's verdict and words in its summary, or neither.
type want struct {
	call     *call
	status   types.DesiredStatus
	arns     []string
	verdict  verdict
	summary  string
	evidence bool // the outcome asks for the stopped tasks
	line     string
}

func asks(c call) *call { return &c }

func (w want) check(t *testing.T, d decision) {
	t.Helper()
	switch {
	case w.call != nil:
		if d.outcome != nil || d.next == nil || d.next.call != *w.call || d.next.status != w.status {
			t.Fatalf("decision = %s, want a request for call %d %s", describe(d), *w.call, w.status)
		}
		if w.arns != nil {
			var want []string
			for _, id := range w.arns {
				want = append(want, taskArn(id))
			}
			if !slices.Equal(d.next.arns, want) {
				t.Errorf("asks to describe %v, want %v", d.next.arns, want)
			}
		}
	case w.verdict != "":
		if d.outcome == nil || d.outcome.verdict != w.verdict || !strings.Contains(d.outcome.summary, w.summary) {
			t.Fatalf("decision = %s, want verdict %s with %q", describe(d), w.verdict, w.summary)
		}
		if d.outcome.wantsStoppedTasks != w.evidence {
			t.Errorf("wantsStoppedTasks = %v, want %v", d.outcome.wantsStoppedTasks, w.evidence)
		}
	default:
		if d.outcome != nil || d.next != nil {
			t.Fatalf("decision = %s, want the look over with no verdict", describe(d))
		}
	}
	if w.line != "" && !strings.Contains(d.line, w.line) {
		t.Errorf("progress line %q, want it to contain %q", d.line, w.line)
	}
}

func describe(d decision) string {
	switch {
	case d.outcome != nil:
		return "verdict " + string(d.outcome.verdict) + ": " + d.outcome.summary
	case d.next != nil:
		return "request " + reflect.ValueOf(*d.next).String()
	}
	return "look over"
}

// The service's answer, at the start of a look.
func TestDecideServiceAnswer(t *testing.T) {
	spec := specFor(groupArn)
	running1 := task("aaa", "RUNNING", "RUNNING", "10.0.1.1")
	running2 := task("bbb", "RUNNING", "RUNNING", "10.0.1.2")
	healthyBefore := withHealthy(known(rolling(2, 2), running1, running2), spec, t0.Add(500*time.Millisecond))

	for _, c := range []struct {
		name string
		st   watchState
		svc  *types.Service
		want want
	}{
		{"the circuit breaker's FAILED is a failure that asks for the stopped tasks",
			known(rolling(2, 0, 2, 1)),
			svcOf(dep(ourID, "PRIMARY", ourTD, types.DeploymentRolloutStateFailed, 2, 0, 0, 3)),
			want{verdict: verdictFailed, summary: "circuit breaker", evidence: true}},
		{"our deployment gone and the previous revision PRIMARY: ECS rolled back",
			known(rolling(2, 0, 2)),
			svcOf(dep("ecs-svc/3", "PRIMARY", oldTD, types.DeploymentRolloutStateInProgress, 2, 1, 1)),
			want{verdict: verdictECSRollback, summary: "rolled back by ECS", evidence: true}},
		{"another revision PRIMARY: superseded",
			known(rolling(2, 0, 2)),
			svcOf(dep("ecs-svc/3", "PRIMARY", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", types.DeploymentRolloutStateInProgress, 2),
				dep(ourID, "ACTIVE", ourTD, types.DeploymentRolloutStateInProgress, 2, 1)),
			want{verdict: verdictSuperseded, summary: "superseded by deployment ecs-svc/3"}},
		{"no PRIMARY deployment at all: superseded",
			known(rolling(2, 0, 2)),
			svcOf(dep(ourID, "ACTIVE", ourTD, types.DeploymentRolloutStateInProgress, 2)),
			want{verdict: verdictSuperseded, summary: "no longer PRIMARY"}},
		{"failedTasks rose with every other count unchanged: list the stopped tasks",
			known(rolling(2, 1, 1, 0), running1),
			rolling(2, 1, 1, 1),
			want{call: asks(callTaskList), status: types.DesiredStatusStopped}},
		{"fewer running: list the stopped tasks",
			known(rolling(2, 2, 0), running1, running2),
			rolling(2, 1, 1),
			want{call: asks(callTaskList), status: types.DesiredStatusStopped}},
		{"a task still stopping: list the stopped tasks although no count changed",
			func() watchState {
				st := known(rolling(2, 1, 1), running1)
				st.stopping[taskArn("ccc")] = true
				return st
			}(),
			rolling(2, 1, 1),
			want{call: asks(callTaskList), status: types.DesiredStatusStopped}},
		{"more tasks active: list the task set",
			known(rolling(2, 0, 1)),
			rolling(2, 0, 2),
			want{call: asks(callTaskList), status: types.DesiredStatusRunning}},
		{"fewer tasks known than active: list the task set",
			known(rolling(2, 0, 2), running1),
			rolling(2, 0, 2),
			want{call: asks(callTaskList), status: types.DesiredStatusRunning}},
		{"more running than seen running: describe the ones not seen running",
			known(rolling(2, 0, 2), task("aaa", "PENDING", "RUNNING", ""), task("bbb", "PENDING", "RUNNING", "")),
			rolling(2, 1, 1),
			want{call: asks(callTasks), arns: []string{"aaa", "bbb"}}},
		{"nothing changed and the rollout under way: the look is over, with the state's line",
			known(rolling(2, 1, 1), running1, task("bbb", "PENDING", "RUNNING", "")),
			rolling(2, 1, 1),
			want{line: "running 1/2 pending 1"}},
		{"done, but the healthy reading predates the service's answer: confirm the targets",
			healthyBefore,
			completed(2, 2),
			want{call: asks(callTargetHealth)}},
		{"done with targets still coming up and read a tick ago: the next alternate tick confirms",
			func() watchState {
				st := known(rolling(2, 2), running1, running2)
				st.targets = []targetState{{group: "web", id: "10.0.1.1", port: 8080, state: "initial"}}
				st.targetsOf, st.healthAt = targetKey(spec.expectedTargets(st)), t0.Add(800*time.Millisecond)
				return st
			}(),
			completed(2, 2),
			want{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := c.st.clone()
			st, d := begin(spec, c.st, lookService, plenty)
			if d.next == nil || d.next.call != callService {
				t.Fatalf("a look at the service begins with %s", describe(d))
			}
			_, d = decide(spec, st, serviceAnswer(c.svc, t0.Add(time.Second)))
			c.want.check(t, d)
			if !reflect.DeepEqual(before, c.st) {
				t.Error("decide changed the state it was given")
			}
		})
	}
}

// The later answers of a look: the stopped tasks, the task set, the descriptions, the targets.
func TestDecideFollowUps(t *testing.T) {
	spec := specFor(groupArn)
	running1 := task("aaa", "RUNNING", "RUNNING", "10.0.1.1")
	running2 := task("bbb", "RUNNING", "RUNNING", "10.0.1.2")
	lookAt := func(st watchState, step lookStep, counts deploymentCounts) watchState {
		st.look = lookProgress{step: step, fromService: true, counts: counts, allowance: plenty}
		return st
	}
	for _, c := range []struct {
		name string
		st   watchState
		obs  observation
		want want
	}{
		{"stopped tasks already seen are not described again",
			func() watchState {
				st := known(rolling(2, 1, 1, 1), running1)
				st.stoppedSeen[taskArn("old")] = true
				return lookAt(st, stepStopped, deploymentCounts{2, 1, 1, 2})
			}(),
			listAnswer(types.DesiredStatusStopped, "old", "new"),
			want{call: asks(callTasks), arns: []string{"new"}}},
		{"a task of ours that stopped is the failure, with its exit code",
			lookAt(known(rolling(2, 1, 1), running1), stepStoppedTasks, deploymentCounts{2, 1, 1, 1}),
			tasksAnswer(crashed("new")),
			want{verdict: verdictFailed, summary: "exit code 3"}},
		{"a scale-in is not evidence: the look goes on to the task set",
			lookAt(known(rolling(2, 1, 1), running1), stepStoppedTasks, deploymentCounts{2, 1, 0, 0}),
			tasksAnswer(scaledIn("new")),
			want{call: asks(callTaskList), status: types.DesiredStatusRunning}},
		{"a task that left the set is described",
			lookAt(known(rolling(2, 2), running1, running2), stepLive, deploymentCounts{2, 2, 0, 0}),
			listAnswer(types.DesiredStatusRunning, "aaa"),
			want{call: asks(callTasks), arns: []string{"bbb"}}},
		{"a task told to stop but not stopped yet is followed, not evidence",
			lookAt(known(rolling(2, 1, 1), running1), stepLiveTasks, deploymentCounts{2, 1, 1, 0}),
			tasksAnswer(task("ccc", "RUNNING", "STOPPED", "")),
			want{line: "running 1/2"}},
		{"an unhealthy target is the failure, with the load balancer's reason",
			lookAt(known(rolling(2, 2), running1, running2), stepTargets, deploymentCounts{2, 2, 0, 0}),
			healthAnswer(t0.Add(2*time.Second), map[string]elbtypes.TargetHealthStateEnum{"10.0.1.1": "healthy", "10.0.1.2": "unhealthy"}),
			want{verdict: verdictFailed, summary: "Target.FailedHealthChecks"}},
		{"every target healthy after the service said done: success",
			lookAt(known(completed(2, 2), running1, running2), stepTargets, deploymentCounts{2, 2, 0, 0}),
			healthAnswer(t0.Add(2*time.Second), map[string]elbtypes.TargetHealthStateEnum{"10.0.1.1": "healthy", "10.0.1.2": "healthy"}),
			want{verdict: verdictSucceeded, summary: "2 targets healthy"}},
		{"healthy but the rollout not done: no verdict",
			lookAt(known(rolling(2, 2), running1, running2), stepTargets, deploymentCounts{2, 2, 0, 0}),
			healthAnswer(t0.Add(2*time.Second), map[string]elbtypes.TargetHealthStateEnum{"10.0.1.1": "healthy", "10.0.1.2": "healthy"}),
			want{}},
		{"a running task's target not registered yet: no success",
			lookAt(known(completed(2, 2), running1, running2), stepTargets, deploymentCounts{2, 2, 0, 0}),
			healthAnswer(t0.Add(2*time.Second), map[string]elbtypes.TargetHealthStateEnum{"10.0.1.1": "healthy"}),
			want{line: "not registered"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := c.st.clone()
			_, d := decide(spec, c.st, c.obs)
			c.want.check(t, d)
			if !reflect.DeepEqual(before, c.st) {
				t.Error("decide changed the state it was given")
			}
		})
	}
}

// A service without target groups succeeds on its rollout alone; a single deployment without
// a rolloutState (services created before rollout states) counts as completed.
func TestDecideWithoutTargetGroups(t *testing.T) {
	spec := specFor()
	st := known(rolling(1, 1), task("aaa", "RUNNING", "RUNNING", ""))
	svc := svcOf(dep(ourID, "PRIMARY", ourTD, "", 1, 1))
	st, _ = begin(spec, st, lookService, plenty)
	_, d := decide(spec, st, serviceAnswer(svc, t0))
	want{verdict: verdictSucceeded, summary: "1/1 running"}.check(t, d)
}

// The optional re-check lists the task set although no count changed (a task replaced between
// two looks leaves them all as they were), and describes the one that left.
func TestDecideRecheckListsTheTaskSet(t *testing.T) {
	spec := specFor(groupArn)
	if _, d := begin(spec, newWatchState(), recheckTasks, plenty); d.next != nil || d.outcome != nil {
		t.Fatalf("a re-check before any counts: %s, want nothing to do", describe(d))
	}
	st := known(rolling(2, 2), task("aaa", "RUNNING", "RUNNING", "10.0.1.1"), task("bbb", "RUNNING", "RUNNING", "10.0.1.2"))
	st, d := begin(spec, st, recheckTasks, plenty)
	want{call: asks(callTaskList), status: types.DesiredStatusRunning}.check(t, d)
	st, d = decide(spec, st, listAnswer(types.DesiredStatusRunning, "aaa", "ccc"))
	want{call: asks(callTasks), arns: []string{"bbb", "ccc"}}.check(t, d)
	_, d = decide(spec, st, tasksAnswer(crashed("bbb"), task("ccc", "PENDING", "RUNNING", "")))
	want{verdict: verdictFailed, summary: "task bbb"}.check(t, d)
}

// The targets' own look asks for every target group our running tasks are in, once each.
func TestDecideTargetLookAsksEachGroupOnce(t *testing.T) {
	other := strings.Replace(groupArn, "/web/", "/web-b/", 1)
	spec := specFor(groupArn, other)
	st := known(rolling(2, 2), task("aaa", "RUNNING", "RUNNING", "10.0.1.1"), task("bbb", "RUNNING", "RUNNING", "10.0.1.2"))
	_, d := begin(spec, st, lookTargets, plenty)
	if d.next == nil || !slices.Equal(d.next.groups, []string{groupArn, other}) {
		t.Fatalf("a look at the targets: %s, want one request for both groups", describe(d))
	}
	if !st.targetsWanted(spec) {
		t.Error("targets not read yet, yet not wanted")
	}
	if healthy := withHealthy(st, spec, t0); healthy.targetsWanted(spec) {
		t.Error("every target read healthy, yet still wanted")
	}
}

// many is n tasks of ours in the given state, with IPs.
func many(n int, last string) []types.Task {
	var out []types.Task
	for i := range n {
		out = append(out, task(fmt.Sprintf("t%04d", i), last, "RUNNING", fmt.Sprintf("10.0.%d.%d", i/200, i%200)))
	}
	return out
}

// The call budget at scale: bringing the task set up to date waits for room in the budget; the
// evidence of a failure does not; and success waits for every task ECS counts running, seen in
// the sample or vouched for by the target groups' counts.
func TestDecideWithinTheCallBudget(t *testing.T) {
	spec := specFor(groupArn)

	t.Run("no room: the task set is listed on a later look and the counts are not recorded", func(t *testing.T) {
		st, _ := begin(spec, known(rolling(500, 0, 100)), lookService, 0)
		st, d := decide(spec, st, serviceAnswer(rolling(500, 0, 500), t0))
		want{line: "pending 500"}.check(t, d)
		if st.counts.pending != 100 {
			t.Errorf("counts recorded as %+v; a later look must follow them up", st.counts)
		}
		st, _ = begin(spec, st, lookService, 5)
		_, d = decide(spec, st, serviceAnswer(rolling(500, 0, 500), t0))
		want{call: asks(callTaskList), status: types.DesiredStatusRunning}.check(t, d)
	})
	t.Run("room for one call: one batch of the tasks not seen running", func(t *testing.T) {
		tasks := many(250, "PENDING")
		st := known(rolling(250, 0, 250), tasks...)
		st.look = lookProgress{step: stepLive, fromService: true, counts: deploymentCounts{250, 250, 0, 0}, allowance: 1}
		var ids []string
		for _, tk := range tasks {
			ids = append(ids, strings.TrimPrefix(aws.ToString(tk.TaskArn), taskArn("")))
		}
		_, d := decide(spec, st, listAnswer(types.DesiredStatusRunning, ids...))
		if d.next == nil || d.next.call != callTasks || len(d.next.arns) != describeBatch {
			t.Fatalf("decision = %s, want one DescribeTasks of %d", describe(d), describeBatch)
		}
	})
	t.Run("no room: a task that left the set is described all the same", func(t *testing.T) {
		st := known(rolling(2, 2), task("aaa", "RUNNING", "RUNNING", "10.0.1.1"), task("bbb", "RUNNING", "RUNNING", "10.0.1.2"))
		st.look = lookProgress{step: stepLive, fromService: true, counts: deploymentCounts{2, 1, 1, 0}}
		_, d := decide(spec, st, listAnswer(types.DesiredStatusRunning, "aaa", "ccc"))
		want{call: asks(callTasks), arns: []string{"bbb"}}.check(t, d)
	})
	t.Run("a task ECS counts running not yet seen running: no success", func(t *testing.T) {
		st := known(completed(2, 2), task("aaa", "RUNNING", "RUNNING", "10.0.1.1"), task("bbb", "PENDING", "RUNNING", "10.0.1.2"))
		st.look = lookProgress{step: stepTargets, fromService: true, counts: deploymentCounts{2, 2, 0, 0}}
		// The load balancer already counts both healthy; DescribeTasks still says PENDING.
		_, d := decide(spec, st, healthAnswer(t0.Add(2*time.Second), map[string]elbtypes.TargetHealthStateEnum{"10.0.1.1": "healthy", "10.0.1.2": "healthy"}))
		want{line: "running 2/2"}.check(t, d)
	})
}

// A service larger than the sample: success needs the sample's targets healthy and, in every
// group, at least as many healthy targets as tasks ECS counts running.
func TestDecideSuccessBeyondTheSample(t *testing.T) {
	spec := specFor(groupArn)
	sample := many(describeBatch, "RUNNING")
	st := known(completed(500, 500), sample...)
	st.look = lookProgress{step: stepTargets, fromService: true, counts: deploymentCounts{500, 500, 0, 0}}
	states := func(healthy int) map[string]elbtypes.TargetHealthStateEnum {
		m := map[string]elbtypes.TargetHealthStateEnum{}
		for i := range 500 {
			state := elbtypes.TargetHealthStateEnumInitial
			if i < healthy {
				state = elbtypes.TargetHealthStateEnumHealthy
			}
			m[fmt.Sprintf("10.0.%d.%d", i/200, i%200)] = state
		}
		return m
	}
	_, d := decide(spec, st, healthAnswer(t0.Add(2*time.Second), states(400)))
	want{line: "400 healthy, 100 initial (all targets)"}.check(t, d)
	_, d = decide(spec, st, healthAnswer(t0.Add(2*time.Second), states(500)))
	want{verdict: verdictSucceeded, summary: "500/500 running"}.check(t, d)
}

package deploy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// The watcher's decisions, apart from its I/O. begin opens a look at one evidence source and
// decide takes each answer: both are pure (no AWS call, no clock, no output) and return the new
// state with a decision: the call the look needs next, the watch's outcome, or neither (the look
// is over). The loop in watch.go only fetches what a decision asks for and feeds it back.

// call is an AWS read a decision can ask for.
type call int

const (
	callService      call = iota // DescribeServices
	callTaskList                 // ListTasks of our deployment, with a desired status
	callTasks                    // DescribeTasks
	callTargetHealth             // DescribeTargetHealth, one per target group
	callInstances                // DescribeContainerInstances: the EC2 instances of bridge-mode tasks
)

// request is the call a look needs before it is over.
type request struct {
	call   call
	status types.DesiredStatus // callTaskList
	limit  int                 // callTaskList: the first page of at most limit; 0 for all
	arns   []string            // callTasks, callInstances (container instance ARNs)
	groups []string            // callTargetHealth: target group ARNs
}

// observation is the answer to a request, and when it arrived.
type observation struct {
	call    call
	at      time.Time
	service *types.Service                                // callService
	status  types.DesiredStatus                           // callTaskList: the list's desired status
	arns    []string                                      // callTaskList
	tasks   []types.Task                                  // callTasks
	health  map[string][]elbtypes.TargetHealthDescription // callTargetHealth, by group ARN
	// callInstances: the EC2 instance ID of each container instance ARN asked for
	instances map[string]string
}

// decision is what the watcher does after an answer.
type decision struct {
	next    *request      // the call the look needs next; nil when the look is over
	outcome *watchOutcome // the watch is over
	line    string        // a progress line for the state; "" for none
}

// deploymentCounts are the numbers whose change makes the watcher look at tasks again.
type deploymentCounts struct{ desired, running, pending, failed int32 }

func countsOf(d *types.Deployment) deploymentCounts {
	return deploymentCounts{d.DesiredCount, d.RunningCount, d.PendingCount, d.FailedTasks}
}

// watchState is what the watcher knows of the deployment.
type watchState struct {
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
	// groupStates counts every target of each group by state, ours or not, at that reading:
	// at scale the watcher knows a sample of its tasks, and the counts vouch for the rest. Each
	// reading replaces the map whole and nothing changes it in place, so clone shares it.
	groupStates map[string]map[string]int
	// instances maps the container instances of our bridge-mode tasks to their EC2 instances,
	// which is how an instance target group knows them (see spec.instances).
	instances map[string]string
	look      lookProgress // the look under way
}

// lookProgress is where a look is: which answer it waits for, and what it follows up.
type lookProgress struct {
	step        lookStep
	fromService bool             // the look began with DescribeServices: it ends with the rollout's verdict
	counts      deploymentCounts // the counts the task calls follow up
	recheck     bool             // list the task set even if no count changed
	describe    []string         // tasks to describe once the task set is listed
	// allowance is what the look may spend, in calls, on bringing the task set up to date
	// (listing it, describing tasks not seen running yet) within the call budget; what does
	// not fit waits for a later look. The evidence of a failure is never deferred.
	allowance int
}

type lookStep int

const (
	stepNone         lookStep = iota
	stepService               // DescribeServices asked
	stepStopped               // ListTasks (STOPPED) asked
	stepStoppedTasks          // DescribeTasks of the newly stopped asked
	stepLive                  // ListTasks (RUNNING) asked
	stepLiveTasks             // DescribeTasks of the changed task set asked
	stepTargets               // DescribeTargetHealth asked
	stepInstances             // DescribeContainerInstances asked
)

func newWatchState() watchState {
	return watchState{tasks: map[string]types.Task{}, stopping: map[string]bool{}, stoppedSeen: map[string]bool{},
		instances: map[string]string{}}
}

// clone returns a copy that shares nothing mutable with st: decide never changes its input.
func (st watchState) clone() watchState {
	st.live = slices.Clone(st.live)
	st.tasks = maps.Clone(st.tasks)
	st.stopping = maps.Clone(st.stopping)
	st.stoppedSeen = maps.Clone(st.stoppedSeen)
	st.instances = maps.Clone(st.instances)
	st.targets = slices.Clone(st.targets)
	st.look.describe = slices.Clone(st.look.describe)
	return st
}

// seed takes UpdateService's answer, read at at, as the first observation of the service;
// false when our deployment is not in it.
func seed(spec *watchSpec, st watchState, svc *types.Service, at time.Time) (watchState, bool) {
	ours := findDeployment(svc, spec.deploymentID)
	if ours == nil {
		return st, false
	}
	st = st.clone()
	st.svc, st.svcAt = svc, at
	st.counts, st.haveCounts = countsOf(ours), true
	return st, true
}

// begin opens a look at src; allowance is the calls the budget has room for (see lookProgress).
func begin(spec *watchSpec, st watchState, src source, allowance int) (watchState, decision) {
	st = st.clone()
	st.look = lookProgress{allowance: allowance}
	switch src {
	case lookService:
		st.look.step = stepService
		return st, decision{next: &request{call: callService}}
	case recheckTasks:
		if !st.haveCounts {
			return st, decision{}
		}
		st.look.counts, st.look.recheck, st.look.fromService = st.counts, true, false
		return st.followStopped(spec)
	default: // lookTargets
		return st.askTargets(spec.expectedTargets(st))
	}
}

// decide takes the answer to the look's last request.
func decide(spec *watchSpec, st watchState, obs observation) (watchState, decision) {
	st = st.clone()
	switch obs.call {
	case callService:
		return st.onService(spec, obs)
	case callTaskList:
		if obs.status == types.DesiredStatusStopped {
			return st.onStoppedList(spec, obs.arns)
		}
		return st.onLiveList(spec, obs.arns)
	case callTasks:
		return st.onTasks(spec, obs.tasks)
	case callInstances:
		maps.Copy(st.instances, obs.instances)
		return st.afterInstances(spec)
	default: // callTargetHealth
		return st.onTargetHealth(spec, obs)
	}
}

// onService reads our deployment in the service: ECS's own verdict first (circuit breaker,
// rollback, a deployment that replaced ours), then the task calls its counts call for.
func (st watchState) onService(spec *watchSpec, obs observation) (watchState, decision) {
	st.svc, st.svcAt = obs.service, obs.at
	ours := findDeployment(st.svc, spec.deploymentID)
	primary := primaryDeployment(st.svc)

	if ours != nil && ours.RolloutState == types.DeploymentRolloutStateFailed {
		out := st.outcome(verdictFailed, circuitBreakerEvidence(ours))
		out.evidence = []string{out.summary}
		out.circuitBreaker, out.wantsStoppedTasks = true, true
		if primary != nil && aws.ToString(primary.Id) != spec.deploymentID {
			out.next = primary
		}
		return st, decision{outcome: out}
	}
	if primary == nil || aws.ToString(primary.Id) != spec.deploymentID {
		return st, decision{outcome: st.replaced(spec, ours, primary)}
	}
	st.look.fromService, st.look.counts = true, countsOf(ours)
	return st.followStopped(spec)
}

// followStopped asks for our stopped tasks when one of ours may have stopped since the last
// counts: failedTasks rose, fewer tasks run or are active, or one is still stopping. A rise of
// failedTasks alone is enough: ECS may have replaced the task between two looks.
func (st watchState) followStopped(spec *watchSpec) (watchState, decision) {
	if c := st.countChange(); c.rose || c.fewer || len(st.stopping) > 0 {
		st.look.step = stepStopped
		return st, decision{next: &request{call: callTaskList, status: types.DesiredStatusStopped}}
	}
	return st.followLive(spec)
}

// countChange compares the counts the look follows with the last ones recorded.
type countChange struct {
	rose, fewer        bool // failedTasks rose; fewer tasks run, or fewer are active
	active, prevActive int32
}

func (st watchState) countChange() countChange {
	prev, counts := st.counts, st.look.counts
	c := countChange{active: counts.running + counts.pending, prevActive: prev.running + prev.pending}
	c.rose = st.haveCounts && counts.failed > prev.failed
	c.fewer = st.haveCounts && (counts.running < prev.running || c.active < c.prevActive)
	return c
}

func (st watchState) onStoppedList(spec *watchSpec, stopped []string) (watchState, decision) {
	var describe []string
	for _, arn := range stopped {
		if !st.stoppedSeen[arn] && len(describe) < describeBatch {
			describe = append(describe, arn) // one batch: the first evidence is what counts
		}
	}
	return st.askTasks(spec, stepStoppedTasks, describe)
}

// describeBatch is how many tasks one DescribeTasks call takes.
const describeBatch = 100

// followLive lists the task set when it may have changed (tasks added or gone, or fewer known
// than ECS counts), or on a re-check. The watcher follows a sample of its tasks, the first
// page of ListTasks (describeBatch): all of them in a service of that size or less, enough to
// tell a rollout's health in a larger one, whose success the target groups' counts confirm
// (see success). Its calls per look do not grow with the service.
func (st watchState) followLive(spec *watchSpec) (watchState, decision) {
	c := st.countChange()
	sampled := len(st.live) >= describeBatch
	listLive := st.look.recheck || c.rose || c.fewer || c.active != c.prevActive || (int(c.active) > len(st.live) && !sampled)
	if listLive && (c.active > 0 || len(st.live) > 0) {
		cost := 1
		if cost > st.look.allowance {
			// Over budget: the task set is listed on a later look. The counts are not
			// recorded, so that look follows them up again.
			return st, decision{line: st.line(spec, findDeployment(st.svc, spec.deploymentID))}
		}
		st.look.allowance -= cost
		st.look.step = stepLive
		return st, decision{next: &request{call: callTaskList, status: types.DesiredStatusRunning, limit: describeBatch}}
	}
	return st.describeUnseen(spec)
}

func (st watchState) onLiveList(spec *watchSpec, live []string) (watchState, decision) {
	for _, arn := range st.live {
		if !slices.Contains(live, arn) && !st.stoppedSeen[arn] {
			st.look.describe = append(st.look.describe, arn) // it left the set: find out how it ended
		}
	}
	st.live = live
	return st.describeUnseen(spec)
}

// describeUnseen describes the tasks that left the set and, while ECS counts more tasks
// running than we have seen running, the ones not seen running yet (their IPs are their
// targets).
//
// The tasks that left the set may be the evidence of a failure: they are always described.
// The others only as far as the look's allowance goes; the rest on later looks (success waits
// until every task ECS counts running has been seen running, see success).
func (st watchState) describeUnseen(spec *watchSpec) (watchState, decision) {
	describe := st.look.describe
	if min(int(st.look.counts.running), len(st.live)) > len(st.runningTasks()) {
		room := max(st.look.allowance*describeBatch, len(describe)) - len(describe)
		for _, arn := range st.live {
			if room == 0 {
				break
			}
			if t, ok := st.tasks[arn]; !ok || aws.ToString(t.LastStatus) != "RUNNING" {
				describe = append(describe, arn)
				room--
			}
		}
	}
	return st.askTasks(spec, stepLiveTasks, describe)
}

// askTasks asks DescribeTasks for arns and the tasks still stopping, or moves on when there are
// none.
func (st watchState) askTasks(spec *watchSpec, step lookStep, arns []string) (watchState, decision) {
	arns = slices.Clone(arns)
	for arn := range st.stopping {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	arns = slices.Compact(arns)
	if len(arns) == 0 {
		return st.afterTasks(spec, step)
	}
	st.look.step = step
	return st, decision{next: &request{call: callTasks, arns: arns}}
}

// onTasks records what the descriptions say; a task of ours that stopped (other than a
// scale-in) is the failure's first evidence.
func (st watchState) onTasks(spec *watchSpec, tasks []types.Task) (watchState, decision) {
	for arn := range st.stopping {
		if !slices.ContainsFunc(tasks, func(t types.Task) bool { return aws.ToString(t.TaskArn) == arn }) {
			delete(st.stopping, arn) // ECS no longer knows it (stopped long ago): nothing to learn
		}
	}
	var stopped []types.Task
	for _, t := range tasks {
		arn := aws.ToString(t.TaskArn)
		st.tasks[arn] = t
		switch {
		case aws.ToString(t.LastStatus) == "STOPPED":
			delete(st.stopping, arn)
			if !st.stoppedSeen[arn] {
				st.stoppedSeen[arn] = true
				if !isScaleIn(t) {
					stopped = append(stopped, t)
				}
			}
		case aws.ToString(t.DesiredStatus) == "STOPPED":
			st.stopping[arn] = true // described again on the next look until it has stopped
		}
	}
	if len(stopped) > 0 {
		out := st.outcome(verdictFailed, taskEvidence(stopped[0]))
		out.evidence = stoppedTaskEvidence(stopped)
		return st, decision{outcome: out}
	}
	return st.afterTasks(spec, st.look.step)
}

func (st watchState) afterTasks(spec *watchSpec, step lookStep) (watchState, decision) {
	if step == stepStoppedTasks {
		return st.followLive(spec)
	}
	if unknown := st.unknownInstances(spec); len(unknown) > 0 {
		st.look.step = stepInstances
		return st, decision{next: &request{call: callInstances, arns: unknown}}
	}
	return st.afterInstances(spec)
}

// unknownInstances are the container instances of our running tasks whose EC2 instance is not
// known yet, when the service has target groups to find them in.
func (st watchState) unknownInstances(spec *watchSpec) []string {
	if spec.groupCount() == 0 {
		return nil
	}
	var unknown []string
	for _, t := range st.runningTasks() {
		arn := aws.ToString(t.ContainerInstanceArn)
		if arn == "" || taskIP(t) != "" || spec.instanceOf(st, arn) != "" || slices.Contains(unknown, arn) {
			continue
		}
		unknown = append(unknown, arn)
	}
	sort.Strings(unknown)
	return unknown
}

func (st watchState) afterInstances(spec *watchSpec) (watchState, decision) {
	st.counts, st.haveCounts = st.look.counts, true
	if !st.look.fromService {
		return st, decision{} // a re-check: the task set is all it looks at
	}
	return st.rolloutVerdict(spec)
}

// rolloutVerdict ends a look at the service: success when the rollout is done and a
// target-health reading taken after the service said so finds every target healthy; a
// confirming reading when none is due on the next tick anyway.
func (st watchState) rolloutVerdict(spec *watchSpec) (watchState, decision) {
	ours := findDeployment(st.svc, spec.deploymentID)
	expected := spec.expectedTargets(st)
	if len(expected) == 0 {
		st.targets, st.targetsOf = nil, ""
	}
	d := decision{line: st.line(spec, ours)}
	if !st.rolloutDone(ours) {
		return st, d
	}
	if out := st.success(spec, ours); out != nil {
		d.outcome = out
		return st, d
	}
	if spec.targetsRequired(ours) && len(expected) > 0 {
		// While the targets are still coming up they are read on alternate ticks, and the
		// next of those readings confirms; otherwise the confirmation is read now.
		alternating := st.targetsWanted(spec) && !st.healthAt.Before(st.svcAt.Add(-spec.tick*3/2))
		if !alternating {
			st, next := st.askTargets(expected)
			next.line = d.line
			return st, next
		}
	}
	return st, d
}

func (st watchState) askTargets(expected []expectedTarget) (watchState, decision) {
	var groups []string
	for _, e := range expected {
		if !slices.Contains(groups, e.groupArn) {
			groups = append(groups, e.groupArn)
		}
	}
	if len(groups) == 0 {
		return st, decision{}
	}
	st.look.step = stepTargets
	return st, decision{next: &request{call: callTargetHealth, groups: groups}}
}

// onTargetHealth reads our running tasks' targets: an unhealthy one is a failure; all healthy
// once the rollout is done is success.
func (st watchState) onTargetHealth(spec *watchSpec, obs observation) (watchState, decision) {
	expected := spec.expectedTargets(st)
	st.targets, st.targetsOf, st.healthAt = matchTargets(expected, obs.health, spec.groups), targetKey(expected), obs.at
	st.groupStates = map[string]map[string]int{}
	for group, descs := range obs.health {
		counts := map[string]int{}
		for _, d := range descs {
			if d.TargetHealth != nil {
				counts[string(d.TargetHealth.State)]++
			}
		}
		st.groupStates[group] = counts
	}
	for _, t := range st.targets {
		if isUnhealthy(t) {
			out := st.outcome(verdictFailed, t.evidence())
			out.evidence = targetEvidence(st.targets, isUnhealthy)
			return st, decision{outcome: out}
		}
	}
	ours := findDeployment(st.svc, spec.deploymentID)
	if ours == nil {
		return st, decision{}
	}
	d := decision{line: st.line(spec, ours)}
	if st.rolloutDone(ours) {
		d.outcome = st.success(spec, ours)
	}
	return st, d
}

// rolloutDone: ECS says our deployment is complete and every task it wants runs.
func (st watchState) rolloutDone(ours *types.Deployment) bool {
	completed := ours.RolloutState == types.DeploymentRolloutStateCompleted ||
		(ours.RolloutState == "" && len(st.svc.Deployments) == 1)
	return completed && st.svc.RunningCount == st.svc.DesiredCount &&
		ours.RunningCount == ours.DesiredCount && ours.PendingCount == 0
}

// success returns the success outcome when, besides rolloutDone, every running task of ours
// has a healthy target in every target group, read after the service was; nil otherwise.
func (st watchState) success(spec *watchSpec, ours *types.Deployment) *watchOutcome {
	if spec.targetsRequired(ours) {
		running := len(st.runningTasks())
		if running == 0 || !allHealthy(st.targets) || len(st.targets) < running*spec.groupCount() ||
			st.targetsOf != targetKey(spec.expectedTargets(st)) {
			return nil
		}
		if st.healthAt.Before(st.svcAt) {
			return nil // a reading from before the service said done may predate the last task
		}
		if running < min(int(ours.RunningCount), describeBatch) {
			return nil // a task ECS counts running has not been seen running: its target is unknown
		}
		for _, lb := range spec.loadBalancers {
			group := aws.ToString(lb.TargetGroupArn)
			if group != "" && st.groupStates[group]["healthy"] < int(ours.RunningCount) {
				// Fewer healthy targets than our running tasks: the ones beyond the sample
				// are not all healthy yet.
				return nil
			}
		}
	}
	return st.outcome(verdictSucceeded, fmt.Sprintf("deployment %s completed: %d/%d running%s",
		spec.deploymentID, ours.RunningCount, ours.DesiredCount, healthySuffix(st.targets)))
}

// targetsWanted: our tasks run and their targets are not known to be all healthy. The schedule
// looks at the targets only then.
func (st watchState) targetsWanted(spec *watchSpec) bool {
	expected := spec.expectedTargets(st)
	return len(expected) > 0 && (st.targetsOf != targetKey(expected) || !allHealthy(st.targets))
}

func (st watchState) runningTasks() []types.Task {
	var out []types.Task
	for _, arn := range st.live {
		if t, ok := st.tasks[arn]; ok && aws.ToString(t.LastStatus) == "RUNNING" {
			out = append(out, t)
		}
	}
	return out
}

// expectedTargets are where our running tasks should appear in the target groups.
func (spec *watchSpec) expectedTargets(st watchState) []expectedTarget {
	var out []expectedTarget
	for _, t := range st.runningTasks() {
		out = append(out, expectedTargets(spec.loadBalancers, t, spec.instanceOf(st, aws.ToString(t.ContainerInstanceArn)))...)
	}
	return out
}

// instanceOf is the EC2 instance of a container instance: learnt in this watch, or known to the
// run from an earlier one; "" when unknown.
func (spec *watchSpec) instanceOf(st watchState, containerInstance string) string {
	if id := st.instances[containerInstance]; id != "" {
		return id
	}
	return spec.instances[containerInstance]
}

// targetsRequired: the service has target groups and our deployment wants tasks.
func (spec *watchSpec) targetsRequired(ours *types.Deployment) bool {
	return spec.groupCount() > 0 && ours.DesiredCount > 0
}

func (spec *watchSpec) groupCount() int {
	n := 0
	for _, lb := range spec.loadBalancers {
		if aws.ToString(lb.TargetGroupArn) != "" {
			n++
		}
	}
	return n
}

// targetKey identifies a set of expected targets, to tell whether a reading covers them.
func targetKey(expected []expectedTarget) string {
	keys := make([]string, 0, len(expected))
	for _, e := range expected {
		keys = append(keys, fmt.Sprintf("%s|%s|%s|%d", e.groupArn, e.ip, e.instance, e.port))
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

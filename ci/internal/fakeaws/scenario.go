package fakeaws

import (
	"fmt"
	"strings"
	"time"
)

// Scenario is a timeline of what ECS and the load balancer do to one service after the
// UpdateService call that starts a deployment of it.
type Scenario struct {
	Name string
	// Unit is the scenario's time scale: named scenarios express their steps in
	// units, so 100ms makes a test run in about a second and 1s is close to a
	// real (fast) rollout. New defaults it to 100ms.
	Unit time.Duration
	// CircuitBreaker is the service's deploymentCircuitBreaker setting.
	CircuitBreaker CircuitBreaker
	// Steps run relative to the first UpdateService that creates a deployment of the service.
	Steps []Step
	// DeregistrationDelay is the target group's deregistration_delay.timeout_seconds, as
	// DescribeTargetGroupAttributes reports it; 0 means 30 s. Scenarios that drain old targets
	// (SlowDrain) drain them for one Unit per 30 s of it, so the delay shows at any time scale.
	DeregistrationDelay time.Duration
	// Recovery runs relative to every later UpdateService of the service received over HTTP
	// (the deploy tool rolling back); nil means HealthySteps(Unit). A later
	// UpdateService cancels the steps still pending in the service's previous timeline.
	Recovery []Step
}

// CircuitBreaker mirrors ECS deploymentConfiguration.deploymentCircuitBreaker.
type CircuitBreaker struct {
	Enable   bool
	Rollback bool
}

// Step is one thing that happens At an offset from the start of its timeline.
type Step struct {
	At time.Duration
	Do Action
}

// Action changes the fake's state. Actions that concern tasks apply to the
// timeline's current deployment, of the timeline's service: the one the UpdateService created,
// then the circuit breaker's rollback deployment or another party's deployment once
// those exist. Actions that inject faults (Throttle, Fail5xx, Inject) act on the whole fake.
type Action struct {
	name  string
	apply func(f *Fake, tl *timeline, at time.Time)
}

// String names the action, for logs.
func (a Action) String() string { return a.name }

// TaskStop says how a task ends.
type TaskStop struct {
	StoppedReason   string // task stoppedReason
	StopCode        string // task stopCode
	ExitCode        int    // exit code of the service's container (the others exit 0)
	ContainerReason string // that container's reason, often empty
}

// CrashExit is the stop of a task whose essential container exited with code.
func CrashExit(code int) TaskStop {
	return TaskStop{StoppedReason: "Essential container in task exited", StopCode: "EssentialContainerExited", ExitCode: code}
}

type timeline struct {
	svc   *service
	start time.Time
	steps []Step
	next  int
	dep   *deployment
}

// due is when the next step happens, and whether there is one.
func (tl *timeline) due() (time.Time, bool) {
	if tl == nil || tl.next >= len(tl.steps) {
		return time.Time{}, false
	}
	return tl.start.Add(tl.steps[tl.next].At), true
}

// advance applies every step whose time has come, of every service's timeline, in the order of
// their times: a step of one service may throttle the requests that watch another. Caller holds
// f.mu.
func (f *Fake) advance(now time.Time) {
	for {
		var next *timeline
		var nextAt time.Time
		for _, s := range f.services {
			if at, ok := s.timeline.due(); ok && !at.After(now) && (next == nil || at.Before(nextAt)) {
				next, nextAt = s.timeline, at
			}
		}
		if next == nil {
			return
		}
		s := next.steps[next.next]
		next.next++
		s.Do.apply(f, next, nextAt)
	}
}

func (s *service) evidence(at time.Time) {
	if s.firstEvidenceAt.IsZero() {
		s.firstEvidenceAt = at
	}
}

// StartTasks places n PENDING tasks of the current deployment; n <= 0 means
// as many as the deployment desires.
func StartTasks(n int) Action {
	return Action{name: fmt.Sprintf("StartTasks(%d)", n), apply: func(f *Fake, tl *timeline, at time.Time) {
		if n <= 0 {
			n = tl.dep.desiredCount
		}
		var ids []string
		for range n {
			ids = append(ids, "(task "+f.launchTask(tl.dep, at).id+")")
		}
		f.event(tl.svc, at, fmt.Sprintf("(service %s) has started %d tasks: %s.", tl.svc.name, n, strings.Join(ids, " ")))
	}}
}

// TasksRunning moves the current deployment's PENDING tasks to RUNNING and
// registers them in the target group (if the service has one), where they are initial.
func TasksRunning() Action {
	return Action{name: "TasksRunning", apply: func(f *Fake, tl *timeline, at time.Time) {
		n := 0
		for _, t := range f.tasksOf(tl.dep) {
			if t.lastStatus == "PENDING" {
				f.runTask(t, at)
				n++
			}
		}
		tl.dep.updatedAt = at
		if n > 0 {
			for _, tg := range tl.svc.targetGroups {
				f.event(tl.svc, at, fmt.Sprintf("(service %s) registered %d targets in (target-group %s)", tl.svc.name, n, tg.arn))
			}
		}
	}}
}

// TargetsHealthy marks the targets of the current deployment's RUNNING tasks healthy (of a
// service without a load balancer: nothing).
func TargetsHealthy() Action {
	return Action{name: "TargetsHealthy", apply: func(f *Fake, tl *timeline, _ time.Time) {
		f.setTargets(tl.dep, "healthy", "", "")
	}}
}

// TargetsUnhealthy marks the targets of the current deployment's RUNNING tasks
// unhealthy with an ELB reason code (e.g. Target.ResponseCodeMismatch) and description.
func TargetsUnhealthy(reasonCode, description string) Action {
	return Action{name: "TargetsUnhealthy(" + reasonCode + ")", apply: func(f *Fake, tl *timeline, at time.Time) {
		if f.setTargets(tl.dep, "unhealthy", reasonCode, description) > 0 {
			tl.svc.evidence(at)
		}
	}}
}

func (f *Fake) setTargets(d *deployment, state, reason, description string) int {
	n := 0
	for _, t := range f.tasksOf(d) {
		if t.lastStatus != "RUNNING" {
			continue
		}
		for _, th := range f.targets(t) {
			th.state, th.reason, th.description = state, reason, description
			n++
		}
	}
	return n
}

// TargetUnhealthy marks the target of the current deployment's i-th task (0-based, in launch
// order) unhealthy, and only that one.
func TargetUnhealthy(i int, reasonCode, description string) Action {
	return Action{name: fmt.Sprintf("TargetUnhealthy(%d, %s)", i, reasonCode), apply: func(f *Fake, tl *timeline, at time.Time) {
		tasks := f.tasksOf(tl.dep)
		if i >= len(tasks) {
			return
		}
		t := tasks[i]
		if ths := f.targets(t); len(ths) > 0 && t.lastStatus == "RUNNING" {
			th := ths[0] // the first target group's: the others stay as they are
			th.state, th.reason, th.description = "unhealthy", reasonCode, description
			tl.svc.evidence(at)
		}
	}}
}

// StopTasks stops up to n not-yet-stopped tasks of the current deployment,
// oldest first; n <= 0 stops them all.
func StopTasks(n int, stop TaskStop) Action {
	return Action{name: fmt.Sprintf("StopTasks(%d, %q)", n, stop.StoppedReason), apply: func(f *Fake, tl *timeline, at time.Time) {
		stopTasks(f, tl, at, n, stop)
	}}
}

// stopTasksFailingHealthChecks stops the current deployment's tasks as ECS does those whose
// targets keep failing the load balancer's health checks: the reason names the service's own
// (first) target group.
func stopTasksFailingHealthChecks() Action {
	return Action{name: "StopTasks(0, failed ELB health checks)", apply: func(f *Fake, tl *timeline, at time.Time) {
		reason := "Task failed container health checks"
		if len(tl.svc.targetGroups) > 0 {
			reason = fmt.Sprintf("Task failed ELB health checks in (target-group %s)", tl.svc.targetGroups[0].arn)
		}
		stopTasks(f, tl, at, 0, TaskStop{StoppedReason: reason, StopCode: "ServiceSchedulerInitiated", ExitCode: 143})
	}}
}

func stopTasks(f *Fake, tl *timeline, at time.Time, n int, stop TaskStop) {
	var ids []string
	for _, t := range f.tasksOf(tl.dep) {
		if n > 0 && len(ids) == n {
			break
		}
		if t.lastStatus != "STOPPED" {
			f.stopTask(t, at, stop)
			tl.dep.failedTasks++
			ids = append(ids, "(task "+t.id+")")
		}
	}
	if len(ids) > 0 {
		tl.dep.updatedAt = at
		f.event(tl.svc, at, fmt.Sprintf("(service %s) has stopped %d running tasks: %s.", tl.svc.name, len(ids), strings.Join(ids, " ")))
		tl.svc.evidence(at)
	}
}

// DrainOld is the load balancer draining the targets of the deployments older than the
// current one: the old tasks still run, their targets are draining, until CompleteDeployment
// stops them. ECS deregisters the old targets first and waits out the deregistration delay.
func DrainOld() Action {
	return Action{name: "DrainOld", apply: func(f *Fake, tl *timeline, at time.Time) {
		n := 0
		for _, old := range tl.svc.allDeployments {
			if old == tl.dep || old.status == "INACTIVE" {
				continue
			}
			for _, t := range f.tasksOf(old) {
				if t.lastStatus == "STOPPED" {
					continue
				}
				for _, th := range f.targets(t) {
					th.state, th.reason, th.description = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
					n++
				}
			}
		}
		if n > 0 {
			for _, tg := range tl.svc.targetGroups {
				f.event(tl.svc, at, fmt.Sprintf("(service %s) deregistered %d targets in (target-group %s)", tl.svc.name, n, tg.arn))
			}
		}
	}}
}

// CompleteDeployment finishes the current deployment: it runs its desired
// count (topping up with healthy tasks if the scenario did not start them),
// older deployments become INACTIVE with their tasks stopped and targets gone,
// and rolloutState becomes COMPLETED.
func CompleteDeployment() Action {
	return Action{name: "CompleteDeployment", apply: func(f *Fake, tl *timeline, at time.Time) {
		d := tl.dep
		running, pending := f.counts(d)
		for _, t := range f.tasksOf(d) {
			if t.lastStatus == "PENDING" {
				f.runTask(t, at)
			}
		}
		for range d.desiredCount - running - pending {
			f.runTask(f.launchTask(d, at), at)
		}
		f.setTargets(d, "healthy", "", "")
		for _, old := range tl.svc.allDeployments {
			if old == d || old.status == "INACTIVE" {
				continue
			}
			old.status = "INACTIVE"
			old.updatedAt = at
			for _, t := range f.tasksOf(old) {
				f.stopTask(t, at, TaskStop{
					StoppedReason: fmt.Sprintf("Scaling activity initiated by (deployment %s)", d.id),
					StopCode:      "ServiceSchedulerInitiated",
				})
			}
		}
		tl.svc.deregisterStopped()
		d.rolloutState = "COMPLETED"
		d.rolloutStateReason = fmt.Sprintf("ECS deployment %s completed.", d.id)
		d.updatedAt = at
		rec := d.record
		rec.updatedAt, rec.finishedAt = at, at
		rec.breakerStatus = monitoringDone(rec.breakerStatus)
		if d.ecsRollback {
			rec.status = "ROLLBACK_SUCCESSFUL"
		} else {
			rec.status = "SUCCESSFUL"
		}
		f.event(tl.svc, at, fmt.Sprintf("(service %s) (deployment %s) deployment completed.", tl.svc.name, d.id))
		f.event(tl.svc, at, fmt.Sprintf("(service %s) has reached a steady state.", tl.svc.name))
		tl.svc.finalStateAt = at
	}}
}

func monitoringDone(status string) string {
	if status == "MONITORING" {
		return "MONITORING_COMPLETE"
	}
	return status
}

// TripCircuitBreaker fails the current deployment the way the ECS deployment
// circuit breaker does. When the service's circuit breaker has Rollback set,
// ECS creates a new PRIMARY deployment on the revision that ran before, which
// becomes the current deployment (later steps start and complete it);
// otherwise the failed deployment is left as is, a final state.
func TripCircuitBreaker() Action {
	return Action{name: "TripCircuitBreaker", apply: func(f *Fake, tl *timeline, at time.Time) {
		tripBreaker(f, tl, at)
		if !tl.svc.circuitBreaker.Rollback || tl.dep.previousTaskDef == "" {
			breakerStops(tl.dep, at)
			tl.svc.finalStateAt = at
			return
		}
		startBreakerRollback(f, tl, at)
	}}
}

// TripCircuitBreakerRollbackLater fails the current deployment as TripCircuitBreaker does, but
// ECS's rollback deployment appears only with a later StartCircuitBreakerRollback: for a while
// the FAILED deployment is still PRIMARY.
func TripCircuitBreakerRollbackLater() Action {
	return Action{name: "TripCircuitBreakerRollbackLater", apply: tripBreaker}
}

// StartCircuitBreakerRollback is ECS starting the rollback of a deployment that
// TripCircuitBreakerRollbackLater failed.
func StartCircuitBreakerRollback() Action {
	return Action{name: "StartCircuitBreakerRollback", apply: startBreakerRollback}
}

func tripBreaker(f *Fake, tl *timeline, at time.Time) {
	d := tl.dep
	const threshold = 3
	if d.failedTasks < threshold {
		d.failedTasks = threshold
	}
	d.rolloutState = "FAILED"
	d.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start."
	d.updatedAt = at
	rec := d.record
	rec.breakerStatus, rec.breakerFailures = "TRIGGERED", d.failedTasks
	rec.updatedAt = at
	f.event(tl.svc, at, fmt.Sprintf("(service %s) (deployment %s) deployment failed: tasks failed to start.", tl.svc.name, d.id))
	tl.svc.evidence(at)
}

// breakerStops: the service deployment API has no FAILED status: a deployment the breaker
// failed without rolling back is STOPPED, with the reason.
func breakerStops(d *deployment, at time.Time) {
	rec := d.record
	rec.status = "STOPPED"
	rec.stoppedAt = at
	rec.statusReason = d.rolloutStateReason
	rec.finishedAt = at
}

func startBreakerRollback(f *Fake, tl *timeline, at time.Time) {
	d := tl.dep
	rec := d.record
	rb := f.newDeployment(tl.svc, d.previousTaskDef, d.taskDefinition, at, rec)
	rb.rolloutStateReason = fmt.Sprintf("ECS deployment circuit breaker: rolling back to deploymentId %s.", f.deploymentOn(d.previousTaskDef, d))
	rec.status = "ROLLBACK_IN_PROGRESS"
	rec.statusReason = d.rolloutStateReason
	rec.rollbackReason = "Circuit Breaker has been triggered"
	rec.rollbackAt = at
	rec.rollbackTarget = rec.sourceRevision
	f.event(tl.svc, at, fmt.Sprintf("(service %s) rolling back to deployment %s.", tl.svc.name, rb.id))
	tl.dep = rb
}

// deploymentOn names the latest deployment (other than not) that ran taskDef.
func (f *Fake) deploymentOn(taskDef string, not *deployment) string {
	id := ""
	for _, d := range not.svc.allDeployments {
		if d != not && d.taskDefinition == taskDef {
			id = d.id
		}
	}
	return id
}

// Throttle makes the next n requests, whatever the operation, fail with
// ThrottlingException (ECS) or Throttling (ELBv2), HTTP 400.
func Throttle(n int) Action {
	return Action{name: fmt.Sprintf("Throttle(%d)", n), apply: func(f *Fake, _ *timeline, _ time.Time) {
		f.throttleLeft += n
	}}
}

// Fail5xx makes the next n requests fail with HTTP 500.
func Fail5xx(n int) Action {
	return Action{name: fmt.Sprintf("Fail5xx(%d)", n), apply: func(f *Fake, _ *timeline, _ time.Time) {
		f.fail5xxLeft += n
	}}
}

// ForeignUpdate is another party's UpdateService: it registers a new revision
// running ForeignImage and deploys it, replacing the current deployment, which
// stays ACTIVE. The new deployment becomes the current one.
func ForeignUpdate() Action {
	return Action{name: "ForeignUpdate", apply: func(f *Fake, tl *timeline, at time.Time) {
		base := f.findTaskDefinition(tl.dep.taskDefinition)
		input := deepCopy(base.input)
		for _, c := range input["containerDefinitions"].([]any) {
			if m := c.(map[string]any); m["name"] == tl.svc.container {
				m["image"] = ForeignImage
			}
		}
		td, err := f.registerTaskDefinition(input, base.tags, at)
		if err != nil {
			panic("fakeaws: ForeignUpdate: " + err.Error())
		}
		tl.dep = f.newDeployment(tl.svc, td.arn, tl.dep.taskDefinition, at, nil)
		tl.svc.evidence(at)
	}}
}

// Shifted returns a copy of s whose Steps all happen d later. Benchmarks use
// it to vary the phase between the timeline and a poller's ticks, which would
// otherwise line up when both count whole seconds from the same UpdateService.
func (s Scenario) Shifted(d time.Duration) Scenario {
	steps := make([]Step, len(s.Steps))
	for i, st := range s.Steps {
		steps[i] = Step{At: st.At + d, Do: st.Do}
	}
	s.Steps = steps
	return s
}

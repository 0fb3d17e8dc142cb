package fakeaws

import "time"

// Reason codes and descriptions the load balancer reports, as AWS words them.
const (
	ReasonResponseCodeMismatch = "Target.ResponseCodeMismatch"
	DescResponseCodeMismatch   = "Health checks failed with these codes: [503]"
	ReasonFailedHealthChecks   = "Target.FailedHealthChecks"
	DescFailedHealthChecks     = "Health checks failed"
)

// at converts a position in units into an offset.
func at(unit time.Duration, units float64) time.Duration {
	return time.Duration(units * float64(unit))
}

// HealthySteps is a rollout that goes well: tasks start at 1 unit, run at 2,
// turn healthy at 3 and the deployment completes at 4.
func HealthySteps(unit time.Duration) []Step {
	return []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 2), Do: TasksRunning()},
		{At: at(unit, 3), Do: TargetsHealthy()},
		{At: at(unit, 4), Do: CompleteDeployment()},
	}
}

// HealthyRollout succeeds after 4 units.
func HealthyRollout(unit time.Duration) Scenario {
	return Scenario{Name: "HealthyRollout", Unit: unit, Steps: HealthySteps(unit)}
}

// SlowStart succeeds, but tasks stay PENDING for 4 units and targets initial
// for 3 more: a patient tool must not mistake slowness for failure.
func SlowStart(unit time.Duration) Scenario {
	return Scenario{Name: "SlowStart", Unit: unit, Steps: []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 5), Do: TasksRunning()},
		{At: at(unit, 8), Do: TargetsHealthy()},
		{At: at(unit, 9), Do: CompleteDeployment()},
	}}
}

// CrashLoop has no circuit breaker: the new tasks start, exit with code 1 at 3
// units and are replaced, again and again; ECS never gives up on its own.
func CrashLoop(unit time.Duration) Scenario {
	var steps []Step
	for i := range 4 {
		base := float64(3 * i)
		steps = append(steps,
			Step{At: at(unit, base+1), Do: StartTasks(0)},
			Step{At: at(unit, base+2), Do: TasksRunning()},
			Step{At: at(unit, base+3), Do: StopTasks(0, CrashExit(1))},
		)
	}
	return Scenario{Name: "CrashLoop", Unit: unit, Steps: steps}
}

// UnhealthyTargets has tasks that run but never pass the load balancer's health
// check: ResponseCodeMismatch at 3 units, FailedHealthChecks at 5, then ECS
// replaces them at 7.
func UnhealthyTargets(unit time.Duration) Scenario {
	return Scenario{Name: "UnhealthyTargets", Unit: unit, Steps: []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 2), Do: TasksRunning()},
		{At: at(unit, 3), Do: TargetsUnhealthy(ReasonResponseCodeMismatch, DescResponseCodeMismatch)},
		{At: at(unit, 5), Do: TargetsUnhealthy(ReasonFailedHealthChecks, DescFailedHealthChecks)},
		{At: at(unit, 7), Do: stopTasksFailingHealthChecks()},
	}}
}

// failingTasksThenBreaker: the new tasks never get to run (the image cannot
// be pulled) and the circuit breaker trips in the same instant.
func failingTasksThenBreaker(unit time.Duration) []Step {
	pull := TaskStop{
		StoppedReason:   "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref",
		StopCode:        "TaskFailedToStart",
		ExitCode:        0,
		ContainerReason: "CannotPullContainerError: failed to resolve ref",
	}
	return []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 2), Do: StopTasks(0, pull)},
		{At: at(unit, 2), Do: TripCircuitBreaker()},
	}
}

// CircuitBreakerFailed: the circuit breaker (rollback disabled) fails the
// deployment at 2 units and ECS leaves the service as is.
func CircuitBreakerFailed(unit time.Duration) Scenario {
	return Scenario{Name: "CircuitBreakerFailed", Unit: unit,
		CircuitBreaker: CircuitBreaker{Enable: true},
		Steps:          failingTasksThenBreaker(unit)}
}

// CircuitBreakerRollback: the circuit breaker fails the deployment at 2 units
// and ECS itself rolls back to the previous revision, which is stable at 6.
// The AWS CLI waiter reports this as success.
func CircuitBreakerRollback(unit time.Duration) Scenario {
	return Scenario{Name: "CircuitBreakerRollback", Unit: unit,
		CircuitBreaker: CircuitBreaker{Enable: true, Rollback: true},
		Steps: append(failingTasksThenBreaker(unit),
			Step{At: at(unit, 3), Do: StartTasks(0)},
			Step{At: at(unit, 4), Do: TasksRunning()},
			Step{At: at(unit, 5), Do: TargetsHealthy()},
			Step{At: at(unit, 6), Do: CompleteDeployment()},
		)}
}

// ThrottlingBurst is a healthy rollout during which two bursts of 4 requests
// are throttled: more in a row than the SDK's default 3 attempts per call.
func ThrottlingBurst(unit time.Duration) Scenario {
	return Scenario{Name: "ThrottlingBurst", Unit: unit, Steps: append([]Step{
		{At: 0, Do: Throttle(4)},
		{At: at(unit, 2.5), Do: Throttle(4)},
	}, HealthySteps(unit)...)}
}

// Transient5xx is a healthy rollout during which a few requests get HTTP 500.
func Transient5xx(unit time.Duration) Scenario {
	return Scenario{Name: "Transient5xx", Unit: unit, Steps: append([]Step{
		{At: 0, Do: Fail5xx(2)},
		{At: at(unit, 1.5), Do: Fail5xx(3)},
		{At: at(unit, 3.5), Do: Fail5xx(2)},
	}, HealthySteps(unit)...)}
}

// OverlappingDeployment: while our tasks start, another party deploys another
// revision at 3 units; that deployment completes at 7.
func OverlappingDeployment(unit time.Duration) Scenario {
	return Scenario{Name: "OverlappingDeployment", Unit: unit, Steps: []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 2), Do: TasksRunning()},
		{At: at(unit, 3), Do: ForeignUpdate()},
		{At: at(unit, 4), Do: StartTasks(0)},
		{At: at(unit, 5), Do: TasksRunning()},
		{At: at(unit, 6), Do: TargetsHealthy()},
		{At: at(unit, 7), Do: CompleteDeployment()},
	}}
}

// SlowDrainDelay is SlowDrain's deregistration delay: the ELBv2 default.
const SlowDrainDelay = 300 * time.Second

// SlowDrain succeeds, but most of the deploy is spent draining the old targets: the new targets
// are healthy at 3 units, then the old ones drain for the target group's deregistration delay
// (300 s, the ELBv2 default, one unit per 30 s: 10 units) before the deployment completes at 13.
func SlowDrain(unit time.Duration) Scenario {
	drain := float64(SlowDrainDelay / (30 * time.Second))
	return Scenario{Name: "SlowDrain", Unit: unit, DeregistrationDelay: SlowDrainDelay, Steps: []Step{
		{At: at(unit, 1), Do: StartTasks(0)},
		{At: at(unit, 2), Do: TasksRunning()},
		{At: at(unit, 3), Do: TargetsHealthy()},
		{At: at(unit, 3), Do: DrainOld()},
		{At: at(unit, 3+drain), Do: CompleteDeployment()},
	}}
}

// All returns every named scenario at the given unit.
func All(unit time.Duration) []Scenario {
	return []Scenario{
		HealthyRollout(unit),
		SlowStart(unit),
		CrashLoop(unit),
		UnhealthyTargets(unit),
		CircuitBreakerFailed(unit),
		CircuitBreakerRollback(unit),
		ThrottlingBurst(unit),
		Transient5xx(unit),
		OverlappingDeployment(unit),
		SlowDrain(unit),
	}
}

package deploy

import "time"

// PollPolicy paces the watcher. The zero value means the defaults.
type PollPolicy struct {
	Initial        time.Duration // the watcher's tick: it wakes this often and looks at one evidence source (default 1s)
	Max            time.Duration // longest time between two looks at the same evidence source (default 2s)
	CallsPerSecond float64       // average AWS call budget while waiting (default 1.0)
}

// Defaults of PollPolicy. Looking at each evidence source at least every 2 s is what lets the
// watcher see the final state (or the first failure) within 2 s; alternating the sources on a
// 1 s tick keeps the average at or below one call per second, far below the ECS and ELBv2
// describe rate limits even with many deploys running in one account.
const (
	DefaultPollInitial        = time.Second
	DefaultPollMax            = 2 * time.Second
	DefaultPollCallsPerSecond = 1.0
)

func (p PollPolicy) withDefaults() PollPolicy {
	if p.Initial <= 0 {
		p.Initial = DefaultPollInitial
	}
	if p.Max <= 0 {
		p.Max = DefaultPollMax
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.CallsPerSecond <= 0 {
		p.CallsPerSecond = DefaultPollCallsPerSecond
	}
	return p
}

// source is one kind of evidence the watcher looks at on a tick.
type source int

const (
	// lookService: DescribeServices, every round. It carries our deployment's rolloutState,
	// its running/pending/failed counts and the service events; ListTasks/DescribeTasks follow
	// in the same look only when those say the tasks changed.
	lookService source = iota
	// lookTargets: DescribeTargetHealth, one call per target group, only while our running
	// tasks' targets are not all healthy.
	lookTargets
	// recheckTasks is the optional safety net for a change that leaves every count where it
	// was (a task replaced between two looks): ListTasks on an idle tick, only while the calls
	// so far are well within the budget. Targets need none: a target that turns unhealthy
	// gets its task replaced (the counts change), and success is confirmed by a fresh reading.
	recheckTasks
	sources
)

// Pacing constants.
const (
	// budgetBurst is the budget's head start, in calls: the follow-up calls of one change
	// (ListTasks, DescribeTasks, a target-health confirmation). Over a rollout of tens of
	// seconds it adds little to the average.
	budgetBurst = 4
	// recheckEvery is how often, in Max intervals, the optional re-checks run.
	recheckEvery = 5
	// recheckShare is the share of the budget below which the optional re-checks may run, so
	// that they never push the average up to the budget.
	recheckShare = 0.75
	// quickRetries is how many failed looks in a row are retried on the next tick before the
	// schedule backs off to one try per Max.
	quickRetries = 2
)

// schedule decides, tick by tick, which evidence source the watcher looks at. Ticks fall on a
// fixed grid (start + k×tick) so that intervals do not drift with the duration of the calls.
// A source is due when it was last looked at every ticks ago (every×tick ≤ Max); one look per
// tick, the service first when both are due, so the service and the targets alternate: each
// is seen at least every Max, and a tick costs one call (one per target group).
//
// The budget: calls made since the UpdateService that started the run's deployment, that call
// included (a rollback's watch shares it) ≤ budgetBurst + CallsPerSecond × elapsed. Over
// budget, a tick looks only at the service (the detection guarantee: nothing else tells a
// rollout's end) and the targets wait for the budget; the optional re-check runs only below
// recheckShare of it. The follow-up calls a change makes necessary are always made: they are
// how a failure is seen at first evidence.
//
// Throttling and 5xx answers mean "slow down": a look makes one attempt (no SDK retries, see
// once), and after a failed look the schedule backs off (see failed) before looking again.
//
// The schedule is a pure function of the ticks, the looks it was told of and the calls spent:
// the loop in watch.go tells it what happened.
type schedule struct {
	tick    time.Duration
	every   int // ticks between two looks at the same source
	recheck int // ticks between two optional re-checks
	start   time.Time
	rate    float64      // the budget: calls per second after budgetBurst…
	since   time.Time    // …counted from here: the run's UpdateService (see budget)
	last    [sources]int // tick of the last look at each source
	// failures counts the looks in a row that met throttling or a 5xx; until tick resume
	// the watcher looks at nothing (see failed).
	failures int
	resume   int
}

func newSchedule(policy PollPolicy, start time.Time) *schedule {
	policy = policy.withDefaults()
	tick := min(policy.Initial, policy.Max/2)
	every := max(int(policy.Max/tick), 2)
	s := &schedule{tick: tick, every: every, recheck: every * recheckEvery, start: start,
		rate: policy.CallsPerSecond, since: start}
	for i := range s.last {
		s.last[i] = -s.every // everything is due at tick 0
	}
	s.last[recheckTasks] = 0
	return s
}

// at is the time of tick k.
func (s *schedule) at(k int) time.Time { return s.start.Add(time.Duration(k) * s.tick) }

// nextTick is the first tick after k that has not passed at now (a look that outlasted its
// tick skips the ticks it overran).
func (s *schedule) nextTick(k int, now time.Time) int {
	next := k + 1
	if behind := int(now.Sub(s.start) / s.tick); behind >= next {
		next = behind + 1
	}
	return next
}

// looked records that src was looked at on tick k.
func (s *schedule) looked(src source, k int) {
	s.last[src] = k
	s.failures = 0
}

// failed records that the look on tick k met throttling or a 5xx: AWS asks for fewer calls.
// The next look (at any source: ECS and ELBv2 throttle per account) waits: one tick after the
// first and second failure in a row (a lone error is common and a tick is the budget's pace),
// then every ticks (Max) after each further one. A failing source is thus still tried at least
// every Max, as it would be looked at anyway, and a short burst of errors delays the look it
// hit by two ticks at most.
func (s *schedule) failed(k int) {
	s.failures++
	wait := 1
	if s.failures > quickRetries {
		wait = s.every
	}
	s.resume = k + wait
}

// pick returns the source to look at on tick k at time now, or -1 for an idle tick. targets
// says whether target health is wanted (our tasks run and are not all healthy); spent is the
// calls made since the budget started (see budget).
func (s *schedule) pick(k int, now time.Time, targets bool, spent int) source {
	if k < s.resume {
		return -1 // backing off after throttling or a 5xx
	}
	due := func(src source, period int) bool { return k-s.last[src] >= period }
	best := source(-1)
	switch {
	case due(lookService, s.every):
		// The service first: it alone tells a rollout's end. The targets then take the next
		// tick, and from there on the two alternate.
		best = lookService
	case targets && due(lookTargets, s.every) && s.spare(now, spent+1, 1):
		// Over budget the targets wait; the service keeps its cadence.
		best = lookTargets
	}
	if best >= 0 {
		return best
	}
	if due(recheckTasks, s.recheck) && s.spare(now, spent+1, recheckShare) {
		return recheckTasks
	}
	return -1
}

// spare reports whether having spent calls by at keeps within share of the budget.
func (s *schedule) spare(at time.Time, calls int, share float64) bool {
	return float64(calls) <= share*(budgetBurst+s.rate*at.Sub(s.since).Seconds())
}

// headroom is how many calls beyond the look's first the budget has room for at at, having
// spent calls.
func (s *schedule) headroom(at time.Time, calls int) int {
	room := budgetBurst + s.rate*at.Sub(s.since).Seconds() - float64(calls+1)
	return max(0, int(room))
}

// budget counts the calls of a run's waiting, from the UpdateService that started it.
type budget struct {
	start      time.Time
	startCalls int
	calls      func() int // calls made so far by this run
}

// spent is the calls made since the budget started.
func (b *budget) spent() int { return b.calls() - b.startCalls }

func newBudget(calls func() int, start time.Time) *budget {
	return &budget{start: start, startCalls: calls(), calls: calls}
}

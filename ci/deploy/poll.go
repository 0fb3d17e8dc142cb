package deploy

import "time"

// PollPolicy paces the watcher. The zero value means the defaults.
type PollPolicy struct {
	Initial        time.Duration // first interval, and the interval right after a change (default 1s)
	Max            time.Duration // longest interval (default 2s)
	CallsPerSecond float64       // average AWS call budget while waiting (default 1.0)
}

// Defaults of PollPolicy. A 2 s ceiling is what lets the watcher see the final state (or the
// first failure) within 2 s; at one call per second on average it stays far below the ECS and
// ELBv2 describe rate limits even with many deploys running in one account.
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

// pacer decides when the next round starts, and whether optional calls fit the budget.
//   - interval: Initial after a round that saw a change (more is likely to follow), then ×1.5
//     per quiet round up to Max. Never longer than Max: that is the detection guarantee.
//   - budget: over the whole wait, calls made ≤ CallsPerSecond × time elapsed. Over budget, the
//     interval is Max and optional calls (periodic re-checks) wait; calls that a change makes
//     necessary are always made, since they are how a failure is seen at first evidence. Quiet
//     rounds (one DescribeServices) leave headroom for the busier ones, so over a real rollout
//     (minutes) the average holds.
type pacer struct {
	policy     PollPolicy
	interval   time.Duration
	start      time.Time
	startCalls int
	calls      func() int // calls made so far by this run
}

func newPacer(policy PollPolicy, calls func() int, now time.Time) *pacer {
	policy = policy.withDefaults()
	return &pacer{policy: policy, interval: policy.Initial, start: now, startCalls: calls(), calls: calls}
}

// next returns how long to wait, at now, before the round after one that started at roundStart.
func (p *pacer) next(roundStart, now time.Time, changed bool) time.Duration {
	if changed {
		p.interval = p.policy.Initial
	} else {
		p.interval = min(p.interval*3/2, p.policy.Max)
	}
	interval := p.interval
	if !p.spare(roundStart.Add(interval), 1) {
		interval = p.policy.Max
	}
	return max(roundStart.Add(interval).Sub(now), 0)
}

// budgetBurst is the budget's head start, in calls: one busy round (DescribeServices,
// ListTasks, DescribeTasks, DescribeTargetHealth). Without it the very first rounds would be
// "over budget" and crawl at Max; over a rollout of minutes it adds nothing to the average.
const budgetBurst = 4

// spare reports whether n more calls at time at keep the average within the budget.
func (p *pacer) spare(at time.Time, n int) bool {
	spent := float64(p.calls() - p.startCalls + n)
	return spent <= budgetBurst+p.policy.CallsPerSecond*at.Sub(p.start).Seconds()
}

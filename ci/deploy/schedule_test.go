package deploy

import (
	"slices"
	"testing"
	"time"
)

// simulate runs a schedule for n ticks: each look costs cost(src) calls, targets are wanted
// on the ticks want says. It returns the source looked at on each tick (-1: idle).
func simulate(s *schedule, calls *int, n int, want func(k int) bool, cost func(source) int) []source {
	var got []source
	for k := 0; k < n; k++ {
		src := s.pick(k, s.at(k), want(k), *calls)
		if src >= 0 {
			*calls += cost(src)
			s.looked(src, k)
		}
		got = append(got, src)
	}
	return got
}

func TestScheduleTicks(t *testing.T) {
	start := time.Unix(0, 0)
	for _, c := range []struct {
		policy PollPolicy
		tick   time.Duration
		every  int
	}{
		{PollPolicy{}, time.Second, 2},
		{PollPolicy{Initial: 2 * time.Second, Max: 2 * time.Second}, time.Second, 2},
		{PollPolicy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond}, 20 * time.Millisecond, 2},
		{PollPolicy{Initial: 500 * time.Millisecond, Max: 2 * time.Second}, 500 * time.Millisecond, 4},
	} {
		s := newSchedule(c.policy, start)
		if s.tick != c.tick || s.every != c.every || time.Duration(s.every)*s.tick > c.policy.withDefaults().Max {
			t.Errorf("%+v: tick %s every %d, want %s every %d", c.policy, s.tick, s.every, c.tick, c.every)
		}
	}
	s := newSchedule(PollPolicy{}, start)
	if got := s.nextTick(3, start.Add(3500*time.Millisecond)); got != 4 {
		t.Errorf("next tick after 3 at 3.5s = %d, want 4", got)
	}
	if got := s.nextTick(3, start.Add(6200*time.Millisecond)); got != 7 {
		t.Errorf("a look that overran to 6.2s: next tick %d, want 7 (ticks 4-6 skipped)", got)
	}
}

// The service and the targets alternate: each is looked at every Max, one call per tick.
func TestScheduleAlternatesSourcesWithinBudget(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{}, start)
	s.looked(lookService, 0) // the UpdateService answer
	got := simulate(s, &calls, 40, func(k int) bool { return k >= 10 && k < 30 }, func(source) int { return 1 })
	last := map[source]int{lookService: 0}
	for k, src := range got {
		if src < 0 {
			continue
		}
		if p, ok := last[src]; ok && (src == lookService || src == lookTargets) && k-p > 2 && k > 1 {
			if src == lookService || (k > 11 && k < 30) {
				t.Errorf("tick %d: %v looked at %d ticks after the previous look, want <= 2", k, src, k-p)
			}
		}
		last[src] = k
		if src == lookTargets && (k < 10 || k >= 30) {
			t.Errorf("tick %d: targets looked at while not wanted", k)
		}
	}
	for k := 11; k < 30; k++ {
		if got[k] < 0 {
			t.Errorf("tick %d idle while both sources are wanted: %v", k, got)
			break
		}
	}
	if rate := float64(calls) / 40; rate > 1 {
		t.Errorf("%d calls in 40 ticks of 1s: %.2f/s, want <= 1", calls, rate)
	}
	// Without targets wanted, every other tick is idle or an optional re-check.
	quiet := 0
	for k := 0; k < 10; k++ {
		if got[k] != lookService {
			quiet++
		}
	}
	if quiet < 5 {
		t.Errorf("ticks 0-9 without targets: %v, want the service every other tick only", got[:10])
	}
}

// Over budget, the targets and the re-checks wait; the service keeps its cadence (nothing else
// tells a rollout's end). Service looks that cost 4 calls each (ListTasks and DescribeTasks
// follow) spend 2 calls/s against a budget of 1/s: after the burst, nothing else fits.
func TestScheduleOverBudgetKeepsOnlyTheService(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{CallsPerSecond: 1}, start)
	got := simulate(s, &calls, 60, func(int) bool { return true }, func(src source) int {
		if src == lookService {
			return 4
		}
		return 1
	})
	services, lastService := 0, -1
	var targets []int
	for k, src := range got {
		switch src {
		case lookService:
			if lastService >= 0 && k-lastService > 2 {
				t.Errorf("tick %d: service looked at %d ticks after the previous look", k, k-lastService)
			}
			services++
			lastService = k
		case lookTargets:
			targets = append(targets, k)
		case recheckTasks:
			t.Errorf("tick %d: optional re-check while over budget", k)
		}
	}
	if services != 30 {
		t.Errorf("service looks = %d in 60 ticks, want 30", services)
	}
	// Tick 1: 4 spent + 1 ≤ burst 4 + 1 s × 1/s; from tick 3 on the service alone is over.
	if !slices.Equal(targets, []int{1}) {
		t.Errorf("targets looked at on ticks %v, want only tick 1 (what the budget leaves)", targets)
	}
}

// Each rule of pick, alone: the table names the tick's circumstances and the source it gets.
// The schedule's defaults: tick 1 s, every 2 ticks, a re-check every 10 ticks, burst 4, 1 call/s.
func TestSchedulePickRules(t *testing.T) {
	start := time.Unix(0, 0)
	for _, c := range []struct {
		name          string
		k             int
		lastService   int
		lastTargets   int
		lastRecheck   int
		targetsWanted bool
		spent         int
		resume        int
		want          source
	}{
		{"the service when due, even over budget", 10, 8, 9, 0, true, 100, 0, lookService},
		{"the service first when both are due", 10, 8, 8, 0, true, 0, 0, lookService},
		{"the targets when due and wanted within budget", 10, 9, 8, 5, true, 10, 0, lookTargets},
		{"no targets when not wanted", 10, 9, 8, 5, false, 0, 0, -1},
		{"no targets when not due", 10, 9, 9, 5, true, 0, 0, -1},
		// budget at tick 10: 4 + 10 = 14 calls; the look's own call must fit
		{"the targets wait over budget", 10, 9, 8, 5, true, 14, 0, -1},
		{"the re-check on an idle tick when due, under 75 % of the budget", 10, 9, 9, 0, false, 9, 0, recheckTasks},
		{"no re-check at 75 % of the budget or more", 10, 9, 9, 0, false, 10, 0, -1},
		{"no re-check before its period", 10, 9, 9, 1, false, 0, 0, -1},
		{"nothing while backing off", 10, 8, 8, 0, true, 0, 11, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSchedule(PollPolicy{}, start)
			s.last = [sources]int{lookService: c.lastService, lookTargets: c.lastTargets, recheckTasks: c.lastRecheck}
			s.resume = c.resume
			if got := s.pick(c.k, s.at(c.k), c.targetsWanted, c.spent); got != c.want {
				t.Errorf("pick = %v, want %v", got, c.want)
			}
		})
	}
}

// A watch that shares its run's budget spends against the time since the run's UpdateService,
// not since its own start: a rollback's watch that starts late has the time already passed.
func TestScheduleBudgetCountsFromTheRunsStart(t *testing.T) {
	runStart := time.Unix(0, 0)
	watchStart := runStart.Add(60 * time.Second)
	s := newSchedule(PollPolicy{}, watchStart)
	s.since = runStart
	s.last = [sources]int{lookService: 0, lookTargets: -2, recheckTasks: 0}
	// 40 calls in the first minute: within 4 + 60; from the watch's own start it would be over.
	if got := s.pick(1, s.at(1), true, 40); got != lookTargets {
		t.Errorf("pick = %v, want the targets: the run's budget has room", got)
	}
}

// A look that meets throttling or a 5xx backs the schedule off: the next look (at any source)
// comes one tick later for the first two failures in a row, then only every Max; a look that
// succeeds ends the back-off.
func TestScheduleBacksOffAfterFailedLooks(t *testing.T) {
	start := time.Unix(0, 0)
	calls := 0
	s := newSchedule(PollPolicy{}, start)
	s.looked(lookService, 0) // the UpdateService answer
	pick := func(k int) source { return s.pick(k, s.at(k), true, calls) }

	if got := pick(2); got != lookService {
		t.Fatalf("tick 2: %v, want the service", got)
	}
	// Ticks at which the next look is allowed after each failure in a row.
	k := 2
	for i, wantNext := range []int{3, 4, 6, 8, 10} {
		s.failed(k)
		for j := k + 1; j < wantNext; j++ {
			if got := pick(j); got >= 0 {
				t.Fatalf("failure %d at tick %d: tick %d looks at %v, want nothing (backing off)", i+1, k, j, got)
			}
		}
		if got := pick(wantNext); got != lookService {
			t.Fatalf("failure %d at tick %d: tick %d looks at %v, want the service again", i+1, k, wantNext, got)
		}
		k = wantNext
	}
	// A success ends the back-off: the targets (wanted, due) take the next tick, and a new
	// failure is retried on the next tick again.
	s.looked(lookService, k)
	if got := pick(k + 1); got != lookTargets {
		t.Fatalf("after a successful look at tick %d: tick %d looks at %v, want the targets", k, k+1, got)
	}
	s.failed(k + 1)
	if got := pick(k + 2); got != lookService {
		t.Fatalf("a first failure after a success: tick %d looks at %v, want the service (due) at once", k+2, got)
	}
}

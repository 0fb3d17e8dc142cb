package deploy

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// The deploy's timeline: when each phase of the rollout ended, from what the watch read (the
// tasks' own timestamps, the first reading of all-healthy targets). The recorder only looks at
// the states the pure decisions produced; it decides nothing.

// timelineRecorder collects, across a watch's looks, when each phase was last seen to end.
type timelineRecorder struct {
	placed, pulled, started time.Time // the latest of our running tasks' createdAt, pullStoppedAt, startedAt
	healthy                 time.Time // the first reading with our desired tasks' targets all healthy
	// noTargets: the service is behind no load balancer (a worker), so no phase waits for targets
	noTargets bool
}

// observe takes the watcher's state after a look.
func (r *timelineRecorder) observe(spec *watchSpec, st watchState) {
	if r == nil {
		return
	}
	r.noTargets = len(spec.loadBalancers) == 0
	running := st.runningTasks()
	for _, t := range running {
		r.placed = later(r.placed, aws.ToTime(t.CreatedAt))
		r.pulled = later(r.pulled, cmp.Or(aws.ToTime(t.PullStoppedAt), aws.ToTime(t.PullStartedAt)))
		r.started = later(r.started, aws.ToTime(t.StartedAt))
	}
	if !r.healthy.IsZero() || st.svc == nil {
		return
	}
	ours := findDeployment(st.svc, spec.deploymentID)
	if ours != nil && ours.DesiredCount > 0 && len(running) >= int(min(ours.DesiredCount, describeBatch)) &&
		allHealthy(st.targets) && st.targetsOf == targetKey(spec.expectedTargets(st)) {
		r.healthy = st.healthAt
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// timeline lays the recorded ends out as consecutive phases from start to end: registered is
// when the revision was registered (just before UpdateService). A phase whose end was not seen
// is empty and marked unseen, its time counted in the next; ends out of order (another
// machine's clock) are clamped, so the phases always add up to end - start.
// When the deploy did not succeed, the last phase is not old tasks drained but the rest of the
// deploy (the failure, the rollback).
func (r *timelineRecorder) timeline(start, registered, end time.Time, succeeded bool) *report.Timeline {
	last := report.PhaseDrained
	if !succeeded {
		last = report.PhaseRest
	}
	ends := []struct {
		name string
		at   time.Time
	}{
		{report.PhaseRegistered, registered},
		{report.PhasePlaced, r.placed},
		{report.PhasePulled, r.pulled},
		{report.PhaseStarted, r.started},
		{report.PhaseHealthy, r.healthy},
		{last, end},
	}
	tl := &report.Timeline{}
	prev := start
	for _, e := range ends {
		if e.name == report.PhaseHealthy && r.noTargets {
			continue
		}
		p := report.Phase{Name: e.name}
		if e.at.IsZero() {
			p.Unseen = true
		} else {
			at := min(max(e.at.UnixNano(), prev.UnixNano()), end.UnixNano())
			p.Duration = time.Duration(at - prev.UnixNano())
			prev = time.Unix(0, at)
		}
		tl.Phases = append(tl.Phases, p)
	}
	return tl
}

// settings are the service's settings that bound how fast a deploy can be.
type settings struct {
	groups []targetGroup // by name
	// the container health check that lasts longest (startPeriod), if any
	container   string
	startPeriod time.Duration
	checkEvery  time.Duration
	desired     int
	minPct      int
	maxPct      int
	rounds      int
}

// settingsOf reads the settings of svc, running td, in groups.
func settingsOf(svc *types.Service, td *types.TaskDefinition, groups map[string]targetGroup) settings {
	s := settings{desired: int(svc.DesiredCount), minPct: 100, maxPct: 200, rounds: rolloutBatches(svc)}
	if dc := svc.DeploymentConfiguration; dc != nil {
		if dc.MaximumPercent != nil {
			s.maxPct = int(*dc.MaximumPercent)
		}
		if dc.MinimumHealthyPercent != nil {
			s.minPct = int(*dc.MinimumHealthyPercent)
		}
	}
	for _, g := range groups {
		s.groups = append(s.groups, g)
	}
	slices.SortFunc(s.groups, func(a, b targetGroup) int { return cmp.Compare(a.name, b.name) })
	if td != nil {
		for _, c := range td.ContainerDefinitions {
			if hc := c.HealthCheck; hc != nil && (s.container == "" || time.Duration(aws.ToInt32(hc.StartPeriod))*time.Second > s.startPeriod) {
				s.container = aws.ToString(c.Name)
				s.startPeriod = time.Duration(aws.ToInt32(hc.StartPeriod)) * time.Second
				s.checkEvery = seconds(hc.Interval, 30)
			}
		}
	}
	return s
}

// slowest returns the group for which f is largest (nil when there is none).
func (s settings) slowest(f func(targetGroup) time.Duration) *targetGroup {
	var out *targetGroup
	for i := range s.groups {
		if out == nil || f(s.groups[i]) > f(*out) {
			out = &s.groups[i]
		}
	}
	return out
}

func checksTime(g targetGroup) time.Duration { return g.interval * time.Duration(g.healthyThreshold) }
func drainTime(g targetGroup) time.Duration  { return g.deregistrationDelay }

// floor is what the settings impose on any deploy, one line per setting.
func (s settings) floor() []report.Floor {
	var out []report.Floor
	for _, g := range s.groups {
		out = append(out, report.Floor{Setting: "health checks", Duration: checksTime(g),
			Detail: fmt.Sprintf("target group %s: %d passing checks %s apart before a new target is healthy",
				g.name, g.healthyThreshold, secs(g.interval))})
	}
	for _, g := range s.groups {
		out = append(out, report.Floor{Setting: "deregistration delay", Duration: g.deregistrationDelay,
			Detail: fmt.Sprintf("target group %s: old targets drain this long before their tasks stop", g.name)})
	}
	if s.container != "" {
		out = append(out, report.Floor{Setting: "container check", Duration: s.startPeriod,
			Detail: fmt.Sprintf("container %s: startPeriod (failures ignored meanwhile), then a check every %s", s.container, secs(s.checkEvery))})
	}
	out = append(out, report.Floor{Setting: "replacement rounds",
		Detail: fmt.Sprintf("%d: %d desired tasks, maximumPercent %d, minimumHealthyPercent %d", s.rounds, s.desired, s.maxPct, s.minPct)})
	var total time.Duration
	if g := s.slowest(checksTime); g != nil {
		total += time.Duration(s.rounds) * checksTime(*g)
	}
	if g := s.slowest(drainTime); g != nil {
		total += g.deregistrationDelay
	}
	if len(s.groups) == 0 {
		// A service without a load balancer (a worker) waits for no health check or drain: its
		// deploy takes what pulling and starting its tasks take.
		return out
	}
	out = append(out, report.Floor{Setting: "at least", Duration: total,
		Detail: "rounds × health checks + deregistration delay, before any image pull or start"})
	return out
}

// Thresholds of the advice.
const (
	adviseShare = 30               // a phase that takes this share of a deploy, in percent, dominates it
	fastDrain   = 30 * time.Second // the deregistration delay advised
	slowChecks  = 30 * time.Second // health checks slower than this are worth shortening
	longStart   = 60 * time.Second // a container startPeriod longer than this delays failure detection
)

// advise names the settings that dominate a deploy, and what to change: from tl, the deploy's
// timeline, or from the settings alone when tl is nil (doctor).
func advise(s settings, tl *report.Timeline) []string {
	var out []string
	share := func(name string) (report.Phase, int, bool) {
		if tl == nil {
			return report.Phase{}, 0, false
		}
		p, _ := tl.Phase(name)
		return p, tl.Share(p), true
	}
	if g := s.slowest(drainTime); g != nil && g.deregistrationDelay > fastDrain {
		fix := fmt.Sprintf("set target group %s's deregistration delay (%s) to %s if in-flight requests end by then",
			g.name, secs(g.deregistrationDelay), secs(fastDrain))
		if p, pct, measured := share(report.PhaseDrained); !measured {
			out = append(out, "every deploy waits for old targets to drain; "+fix)
		} else if pct >= adviseShare {
			out = append(out, fmt.Sprintf("old targets drained for %s, %d %% of this deploy; %s", secs(p.Duration), pct, fix))
		}
	}
	if g := s.slowest(checksTime); g != nil && checksTime(*g) > slowChecks {
		fix := fmt.Sprintf("target group %s wants %d checks %s apart; set its healthy threshold to 2 or interval to 10 s",
			g.name, g.healthyThreshold, secs(g.interval))
		if p, pct, measured := share(report.PhaseHealthy); !measured {
			out = append(out, fmt.Sprintf("new targets need %s of health checks; %s", secs(checksTime(*g)), fix))
		} else if pct >= adviseShare {
			out = append(out, fmt.Sprintf("targets took %s to turn healthy, %d %% of this deploy; %s", secs(p.Duration), pct, fix))
		}
	}
	if s.rounds > 1 {
		out = append(out, fmt.Sprintf("the %d tasks are replaced in %d rounds (maximumPercent %d, minimumHealthyPercent %d); "+
			"raise maximumPercent to 200 if there is room for twice the tasks", s.desired, s.rounds, s.maxPct, s.minPct))
	}
	if s.startPeriod > longStart {
		out = append(out, fmt.Sprintf("container %s's health check ignores failures for %s (startPeriod), so a task that cannot start shows late; "+
			"lower it to the app's start time", s.container, secs(s.startPeriod)))
	}
	return out
}

// secs says a settings duration the way the settings say it: whole seconds, "300 s".
func secs(d time.Duration) string {
	if d%time.Second != 0 {
		return d.Round(100 * time.Millisecond).String()
	}
	return fmt.Sprintf("%d s", int(d/time.Second))
}

package deploy

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

func TestAdvise(t *testing.T) {
	quick := targetGroup{name: "web-tg", interval: 10 * time.Second, healthyThreshold: 2, deregistrationDelay: 30 * time.Second}
	slowDrain := quick
	slowDrain.deregistrationDelay = 300 * time.Second
	slowChecks := quick
	slowChecks.interval, slowChecks.healthyThreshold = 30*time.Second, 5
	one := settings{groups: []targetGroup{quick}, desired: 2, minPct: 100, maxPct: 200, rounds: 1}
	with := func(s settings, f func(*settings)) settings { f(&s); return s }
	timeline := func(healthy, drained time.Duration) *report.Timeline {
		return &report.Timeline{Phases: []report.Phase{
			{Name: report.PhaseRegistered, Duration: time.Second},
			{Name: report.PhaseHealthy, Duration: healthy},
			{Name: report.PhaseDrained, Duration: drained},
		}}
	}
	tests := []struct {
		name string
		s    settings
		tl   *report.Timeline
		want []string // one substring per advice, in order
	}{
		{"fast settings: nothing to say", one, nil, nil},
		{"fast settings, measured", one, timeline(20*time.Second, 30*time.Second), nil},
		{"doctor: a long deregistration delay", with(one, func(s *settings) { s.groups = []targetGroup{slowDrain} }), nil,
			[]string{"every deploy waits for old targets to drain; set target group web-tg's deregistration delay (300 s) to 30 s if in-flight requests end by then"}},
		{"a drain that dominates the deploy", with(one, func(s *settings) { s.groups = []targetGroup{slowDrain} }), timeline(20*time.Second, 300*time.Second),
			[]string{"old targets drained for 300 s, 93 % of this deploy; set target group web-tg's deregistration delay (300 s) to 30 s"}},
		{"a long delay that did not dominate (old tasks drained quickly)", with(one, func(s *settings) { s.groups = []targetGroup{slowDrain} }),
			timeline(100*time.Second, 10*time.Second), nil},
		{"the slowest group is named", with(one, func(s *settings) {
			s.groups = []targetGroup{quick, {name: "api-tg", deregistrationDelay: 120 * time.Second}}
		}), nil,
			[]string{"api-tg's deregistration delay (120 s)"}},
		{"doctor: slow health checks", with(one, func(s *settings) { s.groups = []targetGroup{slowChecks} }), nil,
			[]string{"new targets need 150 s of health checks; target group web-tg wants 5 checks 30 s apart; set its healthy threshold to 2"}},
		{"health checks that dominate", with(one, func(s *settings) { s.groups = []targetGroup{slowChecks} }), timeline(150*time.Second, 30*time.Second),
			[]string{"targets took 150 s to turn healthy, 83 % of this deploy; target group web-tg wants 5 checks 30 s apart"}},
		{"replacement rounds", with(one, func(s *settings) { s.desired, s.maxPct, s.minPct, s.rounds = 4, 100, 50, 2 }), nil,
			[]string{"the 4 tasks are replaced in 2 rounds (maximumPercent 100, minimumHealthyPercent 50); raise maximumPercent to 200"}},
		{"a long container startPeriod", with(one, func(s *settings) { s.container, s.startPeriod = "app", 120*time.Second }), nil,
			[]string{"container app's health check ignores failures for 120 s (startPeriod)"}},
		{"everything at once, drain first", with(one, func(s *settings) {
			s.groups, s.rounds, s.desired, s.container, s.startPeriod = []targetGroup{{name: "t", interval: 30 * time.Second, healthyThreshold: 5,
				deregistrationDelay: 300 * time.Second}}, 3, 3, "app", 90*time.Second
			s.maxPct, s.minPct = 100, 67
		}), nil, []string{"deregistration delay", "health checks", "3 rounds", "startPeriod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := advise(tt.s, tt.tl)
			if len(got) != len(tt.want) {
				t.Fatalf("advise = %q, want %d pieces of advice", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("advice %d = %q, want it to say %q", i, got[i], w)
				}
				if len(got[i]) > 156 { // within 160 characters as "  - " + advice
					t.Errorf("advice %d is %d characters: %q", i, len(got[i]), got[i])
				}
			}
		})
	}
}

func TestSettingsFloor(t *testing.T) {
	svc := &types.Service{DesiredCount: 4, DeploymentConfiguration: &types.DeploymentConfiguration{
		MaximumPercent: aws.Int32(150), MinimumHealthyPercent: aws.Int32(100)}}
	td := &types.TaskDefinition{ContainerDefinitions: []types.ContainerDefinition{
		{Name: aws.String("log-router")},
		{Name: aws.String("app"), HealthCheck: &types.HealthCheck{StartPeriod: aws.Int32(40), Interval: aws.Int32(5)}},
	}}
	groups := map[string]targetGroup{"arn": {name: "web-tg", interval: 10 * time.Second, healthyThreshold: 3, deregistrationDelay: 60 * time.Second}}
	s := settingsOf(svc, td, groups)
	var lines []string
	for _, f := range s.floor() {
		lines = append(lines, f.Setting+"|"+f.Duration.String()+"|"+f.Detail)
	}
	want := []string{
		"health checks|30s|target group web-tg: 3 passing checks 10 s apart before a new target is healthy",
		"deregistration delay|1m0s|target group web-tg: old targets drain this long before their tasks stop",
		"container check|40s|container app: startPeriod (failures ignored meanwhile), then a check every 5 s",
		"replacement rounds|0s|2: 4 desired tasks, maximumPercent 150, minimumHealthyPercent 100",
		"at least|2m0s|rounds × health checks + deregistration delay, before any image pull or start",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("floor:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// Ends out of order (another machine's clock) are clamped: the phases still add up.
func TestTimelineClampsEnds(t *testing.T) {
	start := time.Unix(1000, 0)
	r := &timelineRecorder{placed: start.Add(-time.Second), pulled: start.Add(5 * time.Second), started: start.Add(3 * time.Second)}
	tl := r.timeline(start, start.Add(time.Second), start.Add(10*time.Second), true)
	var got []string
	for _, p := range tl.Phases {
		got = append(got, p.Name+"="+p.Duration.String())
	}
	want := "revision registered=1s,tasks placed=0s,image pulled=4s,containers started=0s,targets healthy=0s,old tasks drained=5s"
	if strings.Join(got, ",") != want {
		t.Errorf("phases %s, want %s", strings.Join(got, ","), want)
	}
	if p, _ := tl.Phase(report.PhaseHealthy); !p.Unseen {
		t.Error("targets healthy: want unseen")
	}
	if tl.Total() != 10*time.Second {
		t.Errorf("total %s, want 10s", tl.Total())
	}
}

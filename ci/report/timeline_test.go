package report

import (
	"strings"
	"testing"
	"time"
)

func TestRenderTimeline(t *testing.T) {
	tl := &Timeline{
		Phases: []Phase{
			{Name: PhaseRegistered, Duration: 500 * time.Millisecond},
			{Name: PhaseHealthy, Unseen: true},
			{Name: PhaseDrained, Duration: 9500 * time.Millisecond},
		},
		Floor:  []Floor{{Setting: "replacement rounds", Detail: "1: 2 desired tasks"}},
		Advice: []string{"lower it"},
	}
	want := "timeline:\n" +
		"  revision registered     500ms    5 %\n" +
		"  targets healthy            0s    0 %  (not observed; counted in the next phase)\n" +
		"  old tasks drained         10s   95 %\n" +
		"  total                     10s\n" +
		"what the service's settings impose:\n" +
		"  replacement rounds             1: 2 desired tasks\n" +
		"advice:\n  - lower it\n"
	if got := RenderTimeline(tl); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if RenderTimeline(nil) != "" || TimelineMarkdown(nil) != "" || (&Timeline{}).Share(Phase{Duration: time.Second}) != 0 {
		t.Error("an empty timeline renders something")
	}
	if md := TimelineMarkdown(tl); !strings.Contains(md, "| targets healthy (not observed) | 0s | 0 % |\n") {
		t.Errorf("markdown:\n%s", md)
	}
}

func TestRenderDoctor(t *testing.T) {
	var b strings.Builder
	d := &Doctor{Cluster: "demo", Service: "web", TaskDefinition: "arn:aws:ecs:us-east-1:1:task-definition/web:3"}
	if err := d.Render(&b); err != nil {
		t.Fatal(err)
	}
	if want := "doctor: demo/web on web:3\nadvice: none; no setting stands out\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

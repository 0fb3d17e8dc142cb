package deploy_test

import (
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"dagger/pipeline/deploy"
	"dagger/pipeline/ghactions"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

// A 500-task service in three target groups: output a person can read, whatever the size.
func TestScale500TasksThreeTargetGroups(t *testing.T) {
	t.Parallel()
	for _, sc := range []fakeaws.Scenario{fakeaws.HealthyRollout(scenarioUnit), fakeaws.CrashLoop(scenarioUnit), fakeaws.UnhealthyTargets(scenarioUnit)} {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			small := runDeploy(t, fakeaws.Config{Scenario: sc, DesiredCount: 2, TargetGroups: 3}, nil)
			r := runDeploy(t, fakeaws.Config{Scenario: sc, DesiredCount: 500, TargetGroups: 3}, nil)
			defer r.logOnFailure(t)
			if r.res == nil || r.res.Outcome != small.res.Outcome {
				t.Fatalf("500 tasks: %v, 2 tasks: %s", r.res, small.res.Outcome)
			}
			var rendered strings.Builder
			report.Render(&rendered, "deploy", r.res, report.Plain)
			// The GitHub Actions step summary, as the workflow's report writes it.
			summary := ghactions.New(githubactions.WithGetenv(func(string) string { return "" })).
				SummaryMarkdown(resultline.FromDeploy("prod", r.res, report.Plain).Summary(report.Plain))
			if len(summary) > 16<<10 {
				t.Errorf("step summary of %d bytes at 500 tasks; it should stay a page", len(summary))
			}
			for _, out := range []string{r.progress, rendered.String(), summary} {
				for _, line := range strings.Split(out, "\n") {
					if len(line) >= 200 {
						t.Errorf("a line of %d characters:\n%s", len(line), line)
					}
				}
			}
			// About as long as the same deploy of 2 tasks: at most a few lines more.
			if len(r.progress) > 2*len(small.progress) {
				t.Errorf("progress output %d bytes at 500 tasks, %d at 2", len(r.progress), len(small.progress))
			}
			if r.res.Outcome != deploy.Succeeded && !strings.Contains(r.diagnosis(), " the same way") {
				t.Errorf("the diagnosis does not group identical evidence:\n%s", r.diagnosis())
			}
		})
	}
}

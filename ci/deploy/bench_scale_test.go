package deploy_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

var scalingUnit = flag.Duration("scaling.unit", 2*time.Second, "time unit of the scenarios in BenchmarkScaling")

// scalingRow is one service size's run of one scenario.
type scalingRow struct {
	scenario      string
	tasks, groups int
	d             detection
}

// BenchmarkScaling runs a healthy rollout and a crash loop on services of 2, 50 and 500 tasks
// in 1 and 3 target groups, and prints per size the detection latency, the API calls per second
// and the bytes of progress output: the engine's cost and its output should stay flat as the
// service grows.
//
//	go test ./deploy -run '^$' -bench Scaling -benchtime 1x
func BenchmarkScaling(b *testing.B) {
	var rows []scalingRow
	var mu sync.Mutex
	for _, tasks := range []int{2, 50, 500} {
		for _, groups := range []int{1, 3} {
			for _, sc := range []fakeaws.Scenario{fakeaws.HealthyRollout(*scalingUnit), fakeaws.CrashLoop(*scalingUnit)} {
				name := fmt.Sprintf("%s/tasks=%d/groups=%d", sc.Name, tasks, groups)
				b.Run(name, func(b *testing.B) {
					var d detection
					for b.Loop() {
						d = measureEngineOn(b, fakeaws.Config{Scenario: sc, DesiredCount: tasks, TargetGroups: groups}, sc.Name)
					}
					if d.err != "" && expectedOutcome[sc.Name] == "succeeded" {
						b.Errorf("%s: %s", name, d.err)
					}
					b.ReportMetric(d.latency.Seconds(), "detect-s")
					b.ReportMetric(d.callsPerS, "calls/s")
					b.ReportMetric(float64(d.output), "output-bytes")
					mu.Lock()
					rows = append(rows, scalingRow{scenario: sc.Name, tasks: tasks, groups: groups, d: d})
					mu.Unlock()
				})
			}
		}
	}
	printScaling(rows)
}

func printScaling(rows []scalingRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Printf("\nscaling (unit %s): each size against the 2-task run of its scenario and target groups\n", *scalingUnit)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "scenario\ttasks\ttarget groups\tanswer\tdetect\tcalls/s\tvs 2 tasks\toutput bytes\tvs 2 tasks\twidest line")
	base := map[string]detection{}
	for _, r := range rows {
		if r.tasks == 2 {
			base[fmt.Sprintf("%s/%d", r.scenario, r.groups)] = r.d
		}
	}
	for _, r := range rows {
		b := base[fmt.Sprintf("%s/%d", r.scenario, r.groups)]
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%.2fs\t%.2f\t%s\t%d\t%s\t%d\n", r.scenario, r.tasks, r.groups, r.d.answer,
			r.d.latency.Seconds(), r.d.callsPerS, ratio(r.d.callsPerS, b.callsPerS), r.d.output, ratio(float64(r.d.output), float64(b.output)), r.d.widest)
	}
	w.Flush()
	fmt.Println(strings.Repeat("-", 20))
}

func ratio(v, base float64) string {
	if base == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.0f%%", (v/base-1)*100)
}

package deploy_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

// Benchmark knobs, e.g.
//
//	go test ./deploy -run '^$' -bench Detection -benchtime 1x
//	go test ./deploy -run '^$' -bench Detection/CrashLoop -benchtime 1x -detection.cli=false
//	go test ./deploy -run '^$' -bench Detection -benchtime 1x -detection.cli=false -detection.unit=1s  # quick, short rollouts
var (
	benchUnit   = flag.Duration("detection.unit", 5*time.Second, "time unit of the fake's scenarios in BenchmarkDetection (5s: rollouts of 20-60 s, like real ones; the call budget is an average over such a rollout)")
	benchCLI    = flag.Bool("detection.cli", true, "also time `aws ecs wait services-stable` on each scenario")
	cliCap      = flag.Duration("detection.clicap", 40*time.Second, "longest the AWS CLI waiter may run (it polls every 15 s, 40 times)")
	benchPhases = flag.Int("detection.phases", 4, "engine runs per scenario, each with the timeline shifted by 1/phases of a unit")
)

// What each named scenario should end as: the reference the latency is measured from follows from it.
var expectedOutcome = map[string]deploy.Outcome{
	"HealthyRollout":         deploy.Succeeded,
	"SlowStart":              deploy.Succeeded,
	"CrashLoop":              deploy.RolledBack,
	"UnhealthyTargets":       deploy.RolledBack,
	"CircuitBreakerFailed":   deploy.RolledBack,
	"CircuitBreakerRollback": deploy.RolledBack,
	"ThrottlingBurst":        deploy.Succeeded,
	"Transient5xx":           deploy.Succeeded,
	"OverlappingDeployment":  deploy.Superseded,
	"SlowDrain":              deploy.Succeeded,
}

// detection is one tool's run against one scenario.
type detection struct {
	answer     string        // the outcome the tool reported
	latency    time.Duration // from the reference moment (final state or first evidence) to the tool knowing
	maxLatency time.Duration // the worst of the runs averaged in latency
	reference  string        // which moment latency counts from
	capped     bool          // the CLI was killed at the cap: latency is a lower bound
	calls      int           // HTTP requests the fake received (retries included)
	callsPerS  float64       // requests per second from UpdateService until the tool returned
	output     int           // bytes of progress output (the engine's)
	widest     int           // its longest line
	err        string
}

type benchRow struct {
	scenario string
	ours     detection
	cli      *detection
}

// BenchmarkDetection measures, per scenario at a realistic time scale, how soon
// deploy.Deploy knows the outcome and how many AWS calls it makes, next to
// `aws ecs wait services-stable` run on the same scenario at the same time.
// It prints a table at the end.
func BenchmarkDetection(b *testing.B) {
	if *benchCLI {
		if _, err := exec.LookPath("aws"); err != nil {
			b.Skip("aws CLI not found on PATH; run with -detection.cli=false to time the engine alone")
		}
	}
	var rows []benchRow
	for _, sc := range fakeaws.All(*benchUnit) {
		b.Run(sc.Name, func(b *testing.B) {
			var row benchRow
			for range b.N {
				row = benchRow{scenario: sc.Name}
				var wg sync.WaitGroup
				if *benchCLI {
					wg.Go(func() {
						d := measureCLI(b, sc)
						row.cli = &d
					})
				}
				row.ours = measureEngineAtPhases(b, sc)
				wg.Wait()
			}
			reportRow(b, row)
			rows = append(rows, row)
		})
	}
	printTable(rows)
}

func reportRow(b *testing.B, row benchRow) {
	b.ReportMetric(row.ours.latency.Seconds(), "detect-s")
	b.ReportMetric(row.ours.maxLatency.Seconds(), "detect-max-s")
	b.ReportMetric(float64(row.ours.calls), "calls/deploy")
	b.ReportMetric(row.ours.callsPerS, "calls/s")
	if row.ours.answer != string(expectedOutcome[row.scenario]) {
		b.Errorf("%s: engine answered %s, want %s (%s)", row.scenario, row.ours.answer, expectedOutcome[row.scenario], row.ours.err)
	}
	if c := row.cli; c != nil {
		b.ReportMetric(c.latency.Seconds(), "cli-detect-s")
		b.ReportMetric(c.callsPerS, "cli-calls/s")
		if row.ours.latency > 10*time.Millisecond {
			b.ReportMetric(c.latency.Seconds()/row.ours.latency.Seconds(), "cli/ours")
		}
		if c.err != "" {
			b.Logf("%s: aws ecs wait services-stable: %s", row.scenario, c.err)
		}
		b.ReportMetric(boolMetric(c.capped), "cli-capped")
		b.ReportMetric(boolMetric(c.answer == "success" && expectedOutcome[row.scenario] != deploy.Succeeded), "cli-false-success")
	}
}

func boolMetric(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// reference is the moment a tool should know the outcome: the final state for
// a success (or for a rollback ECS performs, which is only over when it
// completes), the first evidence otherwise.
func reference(f *fakeaws.Fake, expect deploy.Outcome, ecsRollsBack bool) (time.Time, string) {
	if expect == deploy.Succeeded || ecsRollsBack {
		return f.FinalStateAt(), "final state"
	}
	return f.FirstEvidenceAt(), "first evidence"
}

// measureEngineAtPhases runs the engine on copies of sc shifted by a fraction
// of a unit, concurrently, and reports the mean (the worst in maxLatency):
// one run only shows where the poll ticks happened to fall.
func measureEngineAtPhases(b *testing.B, sc fakeaws.Scenario) detection {
	runs := make([]detection, *benchPhases)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			runs[i] = measureEngine(b, sc.Shifted(sc.Unit*time.Duration(i)/time.Duration(len(runs))), sc.Name)
		})
	}
	wg.Wait()
	mean := detection{answer: runs[0].answer, reference: runs[0].reference}
	for _, r := range runs {
		if r.answer != mean.answer {
			mean.answer += "/" + r.answer
		}
		if r.err != "" && mean.err == "" {
			mean.err = r.err
		}
		mean.latency += r.latency / time.Duration(len(runs))
		mean.maxLatency = max(mean.maxLatency, r.latency)
		mean.calls += r.calls
		mean.callsPerS += r.callsPerS / float64(len(runs))
	}
	mean.calls /= len(runs)
	return mean
}

func measureEngine(b *testing.B, sc fakeaws.Scenario, name string) detection {
	return measureEngineOn(b, fakeaws.Config{Scenario: sc}, name)
}

// measureEngineOn is measureEngine on a fake seeded from cfg (service size, target groups).
func measureEngineOn(b *testing.B, cfg fakeaws.Config, name string) detection {
	fake := fakeaws.New(cfg)
	sc := fake.Config().Scenario
	clients := fakeClients(b, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := defaultOptions()
	opts.Poll = deploy.PollPolicy{} // the defaults are what is being measured
	opts.Timeout = 3 * time.Minute
	var progress syncBuffer
	opts.Progress = &progress
	res, err := deploy.Deploy(ctx, clients, opts)
	returned := time.Now()

	d := detection{calls: len(fake.Calls()), output: progress.Len()}
	for _, line := range strings.Split(progress.String(), "\n") {
		d.widest = max(d.widest, len(line))
	}
	if res != nil {
		d.answer = string(res.Outcome)
	}
	if err != nil {
		d.err = err.Error()
	}
	started := fake.DeploymentStartedAt()
	if !started.IsZero() {
		d.callsPerS = float64(fake.CallsBetween(started, returned)) / returned.Sub(started).Seconds()
	}
	ref, what := reference(fake, expectedOutcome[name], sc.CircuitBreaker.Rollback)
	known := returned
	// When we roll back, the failure was known when the rollback started, not
	// when the rollback finished.
	if updates := updateServiceTimes(fake); len(updates) > 1 {
		known = updates[1]
	}
	d.latency, d.reference = known.Sub(ref), what
	if ref.IsZero() {
		d.latency, d.reference = returned.Sub(started), "never reached (from start)"
	}
	return d
}

func updateServiceTimes(f *fakeaws.Fake) []time.Time {
	var out []time.Time
	for _, c := range f.Calls() {
		if c.Op == "UpdateService" && c.Status == 200 {
			out = append(out, c.At)
		}
	}
	return out
}

// measureCLI starts the same deployment with plain SDK calls, then times the
// AWS CLI waiter until it answers or the cap kills it.
func measureCLI(b *testing.B, sc fakeaws.Scenario) detection {
	fake := fakeaws.New(fakeaws.Config{Scenario: sc})
	srvClients := fakeClients(b, fake)
	ctx, cancel := context.WithTimeout(context.Background(), *cliCap+30*time.Second)
	defer cancel()
	if err := startDeployment(ctx, srvClients.ECS); err != nil {
		return detection{answer: "setup failed", err: err.Error()}
	}
	started := fake.DeploymentStartedAt()

	waitCtx, waitCancel := context.WithDeadline(ctx, started.Add(*cliCap))
	defer waitCancel()
	cmd := exec.CommandContext(waitCtx, "aws", "ecs", "wait", "services-stable",
		"--cluster", fakeaws.DefaultCluster, "--services", fakeaws.DefaultService,
		"--endpoint-url", endpointOf(srvClients), "--region", "us-east-1")
	cmd.Env = cliEnv()
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	exited := time.Now()

	d := detection{calls: fake.CallsBetween(started, exited)}
	d.callsPerS = float64(d.calls) / exited.Sub(started).Seconds()
	switch {
	case waitCtx.Err() != nil:
		d.answer, d.capped = "gave up (cap)", true
	case err == nil:
		d.answer = "success"
	default:
		d.answer = "failure"
		d.err = strings.TrimSpace(string(out))
	}
	ref, what := reference(fake, expectedOutcome[sc.Name], sc.CircuitBreaker.Rollback)
	if ref.IsZero() {
		ref, what = started, "start (no final state)"
	}
	d.latency, d.reference = exited.Sub(ref), what
	return d
}

// startDeployment does what any deploy does first: a new revision with
// NewImage, then UpdateService.
func startDeployment(ctx context.Context, c *ecs.Client) error {
	live, err := c.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(fakeaws.DefaultFamily)})
	if err != nil {
		return err
	}
	td := live.TaskDefinition
	for i := range td.ContainerDefinitions {
		if aws.ToString(td.ContainerDefinitions[i].Name) == fakeaws.DefaultContainer {
			td.ContainerDefinitions[i].Image = aws.String(fakeaws.NewImage)
		}
	}
	reg, err := c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: td.Family, ContainerDefinitions: td.ContainerDefinitions, Cpu: td.Cpu, Memory: td.Memory,
		NetworkMode: td.NetworkMode, RequiresCompatibilities: td.RequiresCompatibilities,
	})
	if err != nil {
		return err
	}
	out, err := c.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String(fakeaws.DefaultCluster), Service: aws.String(fakeaws.DefaultService),
		TaskDefinition: reg.TaskDefinition.TaskDefinitionArn,
	})
	if err != nil {
		return err
	}
	for _, d := range out.Service.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && d.RolloutState == ecstypes.DeploymentRolloutStateInProgress {
			return nil
		}
	}
	return errors.New("UpdateService started no deployment")
}

// endpointOf recovers the fake's URL from the clients fakeClients built.
func endpointOf(c deploy.Clients) string {
	return aws.ToString(c.ECS.Options().BaseEndpoint)
}

// cliEnv is the environment without the caller's AWS settings, plus dummy
// credentials, so the CLI talks to nothing but the fake.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	)
}

func printTable(rows []benchRow) {
	if len(rows) == 0 {
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "\nscenario (unit %v, %d phases)\tengine answer\tengine detect mean/max\tgoal max<=2s\tcalls\tcalls/s\tgoal <=1/s\tCLI answer\tCLI detect\tCLI calls/s\tCLI/engine\n", *benchUnit, *benchPhases)
	for _, r := range rows {
		o := r.ours
		fmt.Fprintf(w, "%s\t%s\t%.2fs/%.2fs after %s\t%s\t%d\t%.2f\t%s",
			r.scenario, o.answer, o.latency.Seconds(), o.maxLatency.Seconds(), o.reference, goal(o.maxLatency <= detectionGoal+roundTrip), o.calls, o.callsPerS, goal(o.callsPerS <= 1))
		if c := r.cli; c != nil {
			bound := ""
			if c.capped {
				bound = ">= "
			}
			answer := c.answer
			if (c.answer == "success") != (expectedOutcome[r.scenario] == deploy.Succeeded) && !c.capped {
				answer += " (FALSE)"
			}
			ratio := "-"
			if o.latency > 10*time.Millisecond {
				ratio = fmt.Sprintf("%s%.1fx", bound, c.latency.Seconds()/o.latency.Seconds())
			}
			fmt.Fprintf(w, "\t%s\t%s%.2fs\t%.2f\t%s", answer, bound, c.latency.Seconds(), c.callsPerS, ratio)
		}
		fmt.Fprintln(w)
	}
	_ = w.Flush()
}

// The goals: know the outcome within detectionGoal (plus the round trip of the
// request that sees it) while making at most one call per second.
const (
	detectionGoal = 2 * time.Second
	roundTrip     = 50 * time.Millisecond
)

func goal(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// A scenario added to fakeaws.All without an expected outcome would only fail
// in the benchmark, minutes into CI; this catches it in the test run.
func TestEveryScenarioHasAnExpectedOutcome(t *testing.T) {
	for _, sc := range fakeaws.All(time.Second) {
		if _, ok := expectedOutcome[sc.Name]; !ok {
			t.Errorf("scenario %s has no entry in expectedOutcome: add what it should end as", sc.Name)
		}
	}
}

package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// Migration is a command run once, as a one-off task of the new revision, before the service is
// pointed at it (database migrations, cache warm-ups): the service changes only if it exits 0.
type Migration struct {
	Command []string      // replaces the deploy container's command; the other containers run as defined
	Timeout time.Duration // 0: DefaultMigrationTimeout
}

// DefaultMigrationTimeout is how long a migration may run when Migration.Timeout is 0.
const DefaultMigrationTimeout = 10 * time.Minute

// migrationLogLines is how many of the migration's last log lines a diagnosis quotes.
const migrationLogLines = 20

// The migration's calls, each through a one-method interface so a test can stand in for one.
type (
	runTaskAPI interface {
		RunTask(context.Context, *ecs.RunTaskInput, ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	}
	stopTaskAPI interface {
		StopTask(context.Context, *ecs.StopTaskInput, ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
	}
	getLogEventsAPI interface {
		GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
	}
)

// validate checks a migration before anything changes.
func (m *Migration) validate() error {
	if m == nil {
		return nil
	}
	if len(m.Command) == 0 || strings.TrimSpace(m.Command[0]) == "" {
		return &InputError{
			What:   "the migration has no command",
			Why:    "a one-off task with an empty command would run the container's default command, usually the service itself, which never exits",
			Fix:    `name the command, e.g. ["/app/service","migrate"], or leave the migration out`,
			Fields: []report.Field{report.FieldMigration},
		}
	}
	if m.Timeout < 0 {
		return &InputError{What: fmt.Sprintf("the migration timeout %s is negative", m.Timeout), Fix: "give a positive duration such as 10m, or 0 for the default",
			Fields: []report.Field{report.FieldMigration}}
	}
	return nil
}

// migrationEnd is how following a migration's task ended.
type migrationEnd int

const (
	migrationStopped migrationEnd = iota // the task stopped: its exit code says how
	migrationTimedOut
	migrationInterrupted
	migrationLost // DescribeTasks refused for good: the task's end cannot be known
)

// migrationRun is what a migration's task did, as far as the deploy saw.
type migrationRun struct {
	taskARN  string
	task     *types.Task // the last description
	logs     logTail
	exitCode *int32
	lostErr  error // why the task could not be followed (migrationLost)
}

// logTail follows one CloudWatch Logs stream and keeps its last lines.
type logTail struct {
	group, stream string // empty group: the container does not log to CloudWatch Logs
	token         *string
	last          []string
	// unreadable: CloudWatch Logs refused the stream for good (access denied, a bad name): the
	// migration is followed by its task only, as the progress said once.
	unreadable bool
}

func (l *logTail) keep(line string) {
	l.last = append(l.last, line)
	if len(l.last) > migrationLogLines {
		l.last = l.last[len(l.last)-migrationLogLines:]
	}
}

// migrate runs opts.Migration as a task of the registered revision and waits for it to exit 0.
// On any other end the service is left untouched and the error says so; the new revision stays
// registered (not deregistered: it is the revision the failed migration ran, and deploying it
// again after a fix of the data needs nothing more).
func (r *run) migrate(ctx context.Context, opts Options, res *Result, p *plan, registered *types.TaskDefinition) (*Result, error) {
	m := opts.Migration
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultMigrationTimeout
	}
	started := time.Now()
	res.Migration = &report.Migration{Command: m.Command}
	defer func() { res.Migration.Duration = time.Since(started) }()

	in := migrationTask(opts, p.svc, registered, migrationToken(res.TaskDefinition, started))
	out, err := r.api.runTask.RunTask(ctx, in, r.api.ecsOptions)
	if err == nil && len(out.Tasks) == 0 {
		err = fmt.Errorf("%s", runTaskFailures(out.Failures))
	}
	if err != nil {
		if ctx.Err() != nil {
			return r.migrationInterrupted(ctx, res, nil)
		}
		return r.migrationFailed(ctx, res, nil, fmt.Sprintf("the migration task could not be started: %v", err))
	}
	mr := &migrationRun{taskARN: aws.ToString(out.Tasks[0].TaskArn), task: &out.Tasks[0]}
	res.Migration.TaskID = taskIDOf(mr.taskARN)
	mr.logs.group, mr.logs.stream = logStream(registered, opts.Container, res.Migration.TaskID)
	where := "no awslogs log configuration: its output is not followed"
	if mr.logs.group != "" {
		where = "logs: " + mr.logs.group + " " + mr.logs.stream
	}
	r.progress.printf("migration task %s started on %s: %s (%s); waiting up to %s",
		res.Migration.TaskID, revisionName(res.TaskDefinition), strings.Join(m.Command, " "), where, timeout)

	end := r.api.followMigration(ctx, mr, opts.Cluster, timeout, r.poll.withDefaults(), r.progress)
	mr.exitCode = containerExit(mr.task, opts.Container)
	res.Migration.ExitCode = mr.exitCode
	switch end {
	case migrationInterrupted:
		return r.migrationInterrupted(ctx, res, mr)
	case migrationLost:
		fctx, cancel := freshContext(ctx)
		defer cancel()
		stopped := r.api.stopTask(fctx, opts.Cluster, mr.taskARN, "deploy: migration could not be followed")
		return r.migrationFailed(ctx, res, mr, fmt.Sprintf("migration task %s could not be followed (%v); %s", res.Migration.TaskID, mr.lostErr, stopped))
	case migrationTimedOut:
		fctx, cancel := freshContext(ctx)
		defer cancel()
		stopped := r.api.stopTask(fctx, opts.Cluster, mr.taskARN, "deploy: migration timed out")
		return r.migrationFailed(ctx, res, mr, fmt.Sprintf("migration task %s did not finish within %s; %s", res.Migration.TaskID, timeout, stopped))
	}
	if mr.exitCode == nil || *mr.exitCode != 0 {
		return r.migrationFailed(ctx, res, mr, fmt.Sprintf("migration task %s %s", res.Migration.TaskID, exitWords(mr)))
	}
	r.progress.printf("migration task %s exited 0 after %s", res.Migration.TaskID, time.Since(started).Round(time.Millisecond))
	return nil, nil
}

// migrationTask is the RunTask of the migration: the new revision, placed and networked as the
// service's tasks are, with the deploy container's command replaced.
func migrationTask(opts Options, svc *types.Service, registered *types.TaskDefinition, token string) *ecs.RunTaskInput {
	in := &ecs.RunTaskInput{
		Cluster:        aws.String(opts.Cluster),
		TaskDefinition: registered.TaskDefinitionArn,
		Count:          aws.Int32(1),
		StartedBy:      aws.String("ecs-deploy-migration"),
		// The engine's retryer repeats a RunTask that met a 5xx or a lost connection; with one
		// token per deploy ECS starts the migration once, however often the call is sent.
		ClientToken: aws.String(token),
		Overrides: &types.TaskOverride{ContainerOverrides: []types.ContainerOverride{
			{Name: aws.String(opts.Container), Command: opts.Migration.Command},
		}},
		NetworkConfiguration: svc.NetworkConfiguration,
		PlatformVersion:      svc.PlatformVersion,
	}
	// A capacity provider strategy excludes a launch type.
	if len(svc.CapacityProviderStrategy) > 0 {
		in.CapacityProviderStrategy = svc.CapacityProviderStrategy
	} else {
		in.LaunchType = svc.LaunchType
	}
	return in
}

// followMigration polls the task and its log stream until the task stops, the timeout passes or
// ctx is cancelled. Like the watcher it looks at one source per tick (the task, then the logs),
// so each is seen every two ticks and the load stays near one call per tick; a look that fails
// transiently is a look lost, not a failed migration.
func (a *api) followMigration(ctx context.Context, mr *migrationRun, cluster string, timeout time.Duration, poll PollPolicy, progress *progress) migrationEnd {
	deadline := time.Now().Add(timeout)
	for k := 1; ; k++ {
		at := time.Now().Add(poll.Initial)
		if at.After(deadline) {
			at = deadline
		}
		if !sleepUntil(ctx, at) {
			return migrationInterrupted
		}
		if !time.Now().Before(deadline) {
			a.readLogs(ctx, &mr.logs, progress) // whatever it wrote last belongs in the diagnosis
			return migrationTimedOut
		}
		lookCtx, cancel := context.WithDeadline(ctx, deadline)
		if k%2 == 0 || mr.logs.group == "" {
			tasks, err := a.describeTasks(lookCtx, once, cluster, []string{mr.taskARN})
			if err != nil && !isTransient(err) && ctx.Err() == nil && time.Now().Before(deadline) {
				cancel()
				mr.lostErr = err
				return migrationLost
			}
			if err == nil && len(tasks) == 1 {
				mr.task = &tasks[0]
				if mr.task.LastStatus != nil && *mr.task.LastStatus == string(types.DesiredStatusStopped) {
					// The lines it wrote before it stopped may not have been read yet.
					a.readLogs(lookCtx, &mr.logs, progress)
					cancel()
					return migrationStopped
				}
			}
		} else {
			a.readLogs(lookCtx, &mr.logs, progress)
		}
		cancel()
		if ctx.Err() != nil {
			return migrationInterrupted
		}
	}
}

// readLogs prints the stream's new lines, page after page, until CloudWatch Logs returns the same
// token (the end of the stream for now). A stream that does not exist yet (the task has not
// started its container) or a failed call just ends the read: the next tick tries again.
func (a *api) readLogs(ctx context.Context, l *logTail, progress *progress) {
	if l.group == "" || a.logs == nil || l.unreadable {
		return
	}
	for range 10 { // a page is up to 10,000 events; ten pages per tick keep up with any migration
		out, err := a.logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(l.group), LogStreamName: aws.String(l.stream),
			StartFromHead: aws.Bool(true), NextToken: l.token,
		}, a.logsOptions)
		if err != nil {
			// A stream not there yet is a container that has not started; a transient error is a
			// look lost. Anything else will not get better by asking again.
			if code := errorCode(err); code != "ResourceNotFoundException" && !isTransient(err) && ctx.Err() == nil {
				l.unreadable = true
				progress.printf("cannot read the migration's log %s %s (%s); following its task only", l.group, l.stream, errorMessage(err))
			}
			return
		}
		for _, e := range out.Events {
			line := strings.TrimRight(aws.ToString(e.Message), "\r\n")
			l.keep(line)
			progress.printf("migration | %s", capWidth(line, maxEvent))
		}
		same := out.NextForwardToken == nil || (l.token != nil && *l.token == *out.NextForwardToken)
		l.token = out.NextForwardToken
		if same || len(out.Events) == 0 {
			return
		}
	}
}

// stopTask stops the migration's task and says how that went, for the diagnosis.
func (a *api) stopTask(ctx context.Context, cluster, taskARN, reason string) string {
	_, err := a.stopTasks.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String(cluster), Task: aws.String(taskARN), Reason: aws.String(reason)}, a.ecsOptions)
	if err != nil {
		return fmt.Sprintf("stopping it failed (%v): stop task %s of cluster %s by hand (ECS console, Tasks tab)", err, taskIDOf(taskARN), cluster)
	}
	return "it was stopped"
}

// migrationFailed: the migration did not succeed, so the service was not changed.
func (r *run) migrationFailed(ctx context.Context, res *Result, mr *migrationRun, summary string) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	res.Outcome = Failed
	rev := revisionName(res.TaskDefinition)
	summary += fmt.Sprintf("; the service was not updated (still on %s); %s stays registered but unused", revisionName(res.PreviousTaskDefinition), rev)
	d := &Diagnosis{
		Summary:      summary,
		Evidence:     migrationEvidence(mr),
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, nil),
		NextSteps: []report.Step{
			noteStep("read the migration's output above (and its full log in CloudWatch Logs), fix the migration or the data, then deploy again"),
			deployStep("when fixed"),
		},
	}
	res.Diagnosis = d
	r.progress.printf("FAILED: %s", summary)
	return res, errors.New(summary)
}

// migrationInterrupted: cancelled while the migration ran. Its task is stopped (with a fresh
// context: ctx is done) so that it does not go on changing the data behind a deploy that
// reports it stopped.
func (r *run) migrationInterrupted(ctx context.Context, res *Result, mr *migrationRun) (*Result, error) {
	fctx, cancel := freshContext(ctx)
	defer cancel()
	res.Outcome = Interrupted
	summary := fmt.Sprintf("interrupted during the migration: the service was not updated (still on %s); %s stays registered but unused",
		revisionName(res.PreviousTaskDefinition), revisionName(res.TaskDefinition))
	if mr != nil {
		summary += fmt.Sprintf("; migration task %s: %s", taskIDOf(mr.taskARN), r.api.stopTask(fctx, res.Cluster, mr.taskARN, "deploy: interrupted"))
	} else {
		// Cancelled during RunTask: ECS may have started the task without our learning its ID.
		summary += "; the migration task may have started before the interruption: look for a task started by ecs-deploy-migration in the cluster and stop it"
	}
	res.Diagnosis = &Diagnosis{
		Summary:      summary,
		Evidence:     migrationEvidence(mr),
		ServiceState: r.api.serviceState(fctx, res.Cluster, res.Service, nil),
		NextSteps: []report.Step{
			noteStep("check whether the migration's changes were applied in part before running it again"),
			deployStep("when ready"),
		},
	}
	r.progress.printf("INTERRUPTED: %s", summary)
	return res, fmt.Errorf("deploy interrupted: %s: %w", summary, context.Cause(ctx))
}

// migrationEvidence is the task's end and its last log lines.
func migrationEvidence(mr *migrationRun) []string {
	if mr == nil {
		return nil
	}
	var ev []string
	if mr.task != nil && aws.ToString(mr.task.LastStatus) == string(types.DesiredStatusStopped) {
		ev = append(ev, taskEvidence(*mr.task))
	}
	if len(mr.logs.last) > 0 {
		ev = append(ev, fmt.Sprintf("last %d log %s of %s:", len(mr.logs.last), plural(len(mr.logs.last), "line"), mr.logs.stream))
		for _, l := range mr.logs.last {
			ev = append(ev, "  | "+l)
		}
	}
	return ev
}

// exitWords says how the stopped task ended: its exit code and stop reason.
func exitWords(mr *migrationRun) string {
	reason := aws.ToString(mr.task.StoppedReason)
	if reason == "" {
		reason = string(mr.task.StopCode)
	}
	if mr.exitCode == nil {
		return fmt.Sprintf("stopped without an exit code (%s)", reason)
	}
	return fmt.Sprintf("exited with code %d (%s)", *mr.exitCode, reason)
}

// containerExit is the exit code of the named container of t, nil when it has none.
func containerExit(t *types.Task, container string) *int32 {
	if t == nil {
		return nil
	}
	for _, c := range t.Containers {
		if aws.ToString(c.Name) == container {
			return c.ExitCode
		}
	}
	return nil
}

// logStream is where the awslogs driver writes the container's output in task taskID:
// awslogs-group, and the stream PREFIX/CONTAINER/TASKID; "" when the container logs elsewhere
// or without a stream prefix (then the stream is named after the Docker container ID, which
// the deploy cannot know).
func logStream(td *types.TaskDefinition, container, taskID string) (group, stream string) {
	for _, c := range td.ContainerDefinitions {
		if aws.ToString(c.Name) != container || c.LogConfiguration == nil || c.LogConfiguration.LogDriver != types.LogDriverAwslogs {
			continue
		}
		o := c.LogConfiguration.Options
		if o["awslogs-group"] == "" || o["awslogs-stream-prefix"] == "" {
			return "", ""
		}
		return o["awslogs-group"], o["awslogs-stream-prefix"] + "/" + container + "/" + taskID
	}
	return "", ""
}

// migrationToken is RunTask's idempotency token for the migration of one deploy: the revision
// and the moment, hashed to RunTask's 64-character limit.
func migrationToken(taskDefinition string, at time.Time) string {
	sum := sha256.Sum256([]byte(taskDefinition + "@" + at.Format(time.RFC3339Nano)))
	return "migration-" + hex.EncodeToString(sum[:16])
}

// taskIDOf is the task ID at the end of a task ARN.
func taskIDOf(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func runTaskFailures(failures []types.Failure) string {
	if len(failures) == 0 {
		return "RunTask started no task and named no failure"
	}
	var parts []string
	for _, f := range failures {
		parts = append(parts, strings.TrimSpace(aws.ToString(f.Reason)+" "+aws.ToString(f.Detail)))
	}
	return "RunTask started no task: " + strings.Join(parts, "; ")
}

package fakeaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

const logsTargetPrefix = "Logs_20140328."

// Migration is how a one-off task (RunTask, the deploy's migration) behaves. Its log lines go
// to the awslogs stream of the deploy's container (group /ecs/web, stream web/CONTAINER/TASKID,
// as in revision 1's logConfiguration), which GetLogEvents serves.
type Migration struct {
	// Lines are written one by one, evenly over Duration (over Duration with Never too).
	Lines []string
	// Duration is how long the task runs after RunTask (default 3 scenario Units).
	Duration time.Duration
	// ExitCode is the container's exit code when the task stops by itself.
	ExitCode int
	// StoppedReason is the task's stoppedReason when it stops by itself (default "Essential
	// container in task exited").
	StoppedReason string
	// Never: the task runs until StopTask.
	Never bool
	// Unplaceable: RunTask starts no task and answers this failure reason instead (e.g.
	// "RESOURCE:MEMORY"), as ECS does when no capacity fits.
	Unplaceable string
}

// MigrationSucceeds writes lines and exits 0 after three units.
func MigrationSucceeds(lines ...string) *Migration { return &Migration{Lines: lines} }

// MigrationFails writes lines and exits with code.
func MigrationFails(code int, lines ...string) *Migration {
	return &Migration{Lines: lines, ExitCode: code}
}

// MigrationHangs writes lines and never ends by itself.
func MigrationHangs(lines ...string) *Migration { return &Migration{Lines: lines, Never: true} }

// RunTaskRequest is what a RunTask asked for, for assertions.
type RunTaskRequest struct {
	TaskDefinition string
	LaunchType     string
	Container      string   // the overridden container
	Command        []string // its command
	Subnets        []string
	TaskID         string // the task started ("" when refused)
}

// oneOff is a task started by RunTask.
type oneOff struct {
	id, arn, taskDefinition string
	start                   time.Time
	stoppedAt               time.Time // zero while it runs
	stoppedReason, stopCode string
	exitCode                *int
	lines                   []time.Time // when each of Migration.Lines is written
}

type runTaskRequest struct {
	Cluster              string `json:"cluster"`
	TaskDefinition       string `json:"taskDefinition"`
	LaunchType           string `json:"launchType"`
	NetworkConfiguration *struct {
		AwsvpcConfiguration struct {
			Subnets []string `json:"subnets"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
	Overrides struct {
		ContainerOverrides []struct {
			Name    string   `json:"name"`
			Command []string `json:"command"`
		} `json:"containerOverrides"`
	} `json:"overrides"`
}

// RunTaskRequests returns the RunTask calls received, in order.
func (f *Fake) RunTaskRequests() []RunTaskRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]RunTaskRequest(nil), f.runTasks...)
}

func (f *Fake) migration() Migration {
	m := Migration{Duration: 3 * f.cfg.Scenario.Unit, StoppedReason: "Essential container in task exited"}
	if f.cfg.Migration != nil {
		m = *f.cfg.Migration
		if m.Duration <= 0 {
			m.Duration = 3 * f.cfg.Scenario.Unit
		}
		if m.StoppedReason == "" {
			m.StoppedReason = "Essential container in task exited"
		}
	}
	return m
}

func (f *Fake) runTaskOp(body []byte, now time.Time) (any, *ecsError) {
	var req runTaskRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &ecsError{"SerializationException", err.Error()}
	}
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	rec := RunTaskRequest{TaskDefinition: req.TaskDefinition, LaunchType: req.LaunchType}
	if req.NetworkConfiguration != nil {
		rec.Subnets = req.NetworkConfiguration.AwsvpcConfiguration.Subnets
	}
	if o := req.Overrides.ContainerOverrides; len(o) > 0 {
		rec.Container, rec.Command = o[0].Name, o[0].Command
	}
	defer func() { f.runTasks = append(f.runTasks, rec) }()
	td := f.findTaskDefinition(req.TaskDefinition)
	if td == nil {
		return nil, clientErr("TaskDefinition not found.")
	}
	if f.networkConfiguration() != nil && len(rec.Subnets) == 0 {
		return nil, invalidParam("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	m := f.migration()
	if m.Unplaceable != "" {
		return map[string]any{"tasks": []any{}, "failures": []any{map[string]any{"arn": td.arn, "reason": m.Unplaceable}}}, nil
	}
	id := taskID(f.nextSeq())
	t := &oneOff{id: id, arn: f.arn("task/" + f.cfg.Cluster + "/" + id), taskDefinition: td.arn, start: now}
	for i := range m.Lines {
		t.lines = append(t.lines, now.Add(m.Duration*time.Duration(i+1)/time.Duration(len(m.Lines)+1)))
	}
	f.oneOffs = append(f.oneOffs, t)
	rec.TaskID = id
	return map[string]any{"tasks": []any{f.oneOffJSON(t, now)}, "failures": []any{}}, nil
}

// settle stops a one-off task whose time has come.
func (f *Fake) settle(t *oneOff, now time.Time) {
	m := f.migration()
	if !t.stoppedAt.IsZero() || m.Never || now.Before(t.start.Add(m.Duration)) {
		return
	}
	code := m.ExitCode
	t.stoppedAt, t.stoppedReason, t.stopCode, t.exitCode = t.start.Add(m.Duration), m.StoppedReason, "EssentialContainerExited", &code
}

func (f *Fake) findOneOff(ref string) *oneOff {
	for _, t := range f.oneOffs {
		if t.arn == ref || t.id == ref {
			return t
		}
	}
	return nil
}

func (f *Fake) oneOffJSON(t *oneOff, now time.Time) map[string]any {
	f.settle(t, now)
	status := "RUNNING"
	if !t.stoppedAt.IsZero() {
		status = "STOPPED"
	}
	c := map[string]any{"name": f.cfg.Container, "lastStatus": status, "taskArn": t.arn}
	if t.exitCode != nil {
		c["exitCode"] = *t.exitCode
	}
	out := map[string]any{
		"taskArn": t.arn, "clusterArn": f.clusterArn, "taskDefinitionArn": t.taskDefinition,
		"lastStatus": status, "desiredStatus": map[bool]string{true: "STOPPED", false: "RUNNING"}[status == "STOPPED"],
		"launchType": f.launchType(), "startedBy": "ecs-deploy-migration", "containers": []any{c},
	}
	putTime(out, "createdAt", t.start)
	putTime(out, "stoppedAt", t.stoppedAt)
	putString(out, "stoppedReason", t.stoppedReason)
	putString(out, "stopCode", t.stopCode)
	return out
}

func (f *Fake) stopTaskOp(body []byte, now time.Time) (any, *ecsError) {
	var req struct{ Cluster, Task, Reason string }
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &ecsError{"SerializationException", err.Error()}
	}
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	t := f.findOneOff(req.Task)
	if t == nil {
		return nil, invalidParam("The referenced task was not found.")
	}
	f.settle(t, now)
	if t.stoppedAt.IsZero() {
		code := 143 // SIGTERM
		t.stoppedAt, t.stoppedReason, t.stopCode, t.exitCode = now, req.Reason, "UserInitiated", &code
	}
	return map[string]any{"task": f.oneOffJSON(t, now)}, nil
}

// serveLogs answers CloudWatch Logs GetLogEvents for the one-off tasks' streams.
func (f *Fake) serveLogs(w http.ResponseWriter, op string, body []byte, now time.Time) {
	if op != "GetLogEvents" {
		writeECSError(w, http.StatusBadRequest, "UnknownOperationException", "fakeaws does not implement CloudWatch Logs "+op)
		return
	}
	var req struct {
		LogGroupName, LogStreamName, NextToken string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeECSError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	var t *oneOff
	for _, o := range f.oneOffs {
		if req.LogGroupName == "/ecs/web" && req.LogStreamName == "web/"+f.cfg.Container+"/"+o.id {
			t = o
		}
	}
	if t == nil {
		writeECSError(w, http.StatusBadRequest, "ResourceNotFoundException", "The specified log stream does not exist.")
		return
	}
	from := 0
	if tok, ok := cutToken(req.NextToken); ok {
		from = tok
	}
	m := f.migration()
	events := []any{}
	n := from
	for n < len(t.lines) && !t.lines[n].After(now) && (t.stoppedAt.IsZero() || !t.lines[n].After(t.stoppedAt)) {
		events = append(events, map[string]any{"timestamp": t.lines[n].UnixMilli(), "message": m.Lines[n], "ingestionTime": t.lines[n].UnixMilli()})
		n++
	}
	raw, _ := json.Marshal(map[string]any{
		"events": events, "nextForwardToken": "f/" + strconv.Itoa(n), "nextBackwardToken": "b/" + strconv.Itoa(from),
	})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(raw)
}

func cutToken(tok string) (int, bool) {
	var n int
	if _, err := fmt.Sscanf(tok, "f/%d", &n); err != nil {
		return 0, false
	}
	return n, true
}

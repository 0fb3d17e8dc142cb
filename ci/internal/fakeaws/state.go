package fakeaws

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

type service struct {
	arn            string
	name           string
	family         string
	container      string // the container the scenario's steps concern
	scenario       Scenario
	defaultDesired int // ServiceConfig.DesiredCount: what a deployment runs when desiredCount is 0
	index          int // in Fake.services
	status         string
	desiredCount   int
	taskDefinition string
	createdAt      time.Time
	circuitBreaker CircuitBreaker
	allDeployments []*deployment // oldest first, INACTIVE ones included
	events         []serviceEvent
	targetGroups   []*targetGroup // in its loadBalancers order; none for a worker
	records        []*serviceDeploymentRecord

	timeline        *timeline
	started         chan struct{}
	deployStartedAt time.Time
	finalStateAt    time.Time
	firstEvidenceAt time.Time
	updateRequests  []string // taskDefinition values of the UpdateService calls received over HTTP
	forcedRequests  []bool   // their forceNewDeployment values, in the same order
}

type serviceEvent struct {
	id      string
	at      time.Time
	message string
}

type deployment struct {
	id                 string
	status             string // PRIMARY, ACTIVE, INACTIVE
	taskDefinition     string
	previousTaskDef    string // what was PRIMARY when this deployment was created
	desiredCount       int
	failedTasks        int
	createdAt          time.Time
	updatedAt          time.Time
	rolloutState       string // IN_PROGRESS, COMPLETED, FAILED
	rolloutStateReason string
	record             *serviceDeploymentRecord // the service deployment this ECS deployment belongs to
	ecsRollback        bool                     // created by the circuit breaker to roll back
	svc                *service
}

type task struct {
	svc            *service
	id             string
	arn            string
	taskDefinition string
	startedBy      string
	lastStatus     string // PENDING, RUNNING, STOPPED
	desiredStatus  string // RUNNING, STOPPED
	ip             string
	eniID          string
	// bridge network mode (EC2): the container instance the task runs on, its EC2 instance, and
	// the host port the container port is bound to
	containerInstance string
	instance          string
	hostPort          int
	createdAt         time.Time
	startedAt         time.Time
	stoppedAt         time.Time
	stoppedReason     string
	stopCode          string
	containers        []container
}

type container struct {
	name     string
	image    string
	exitCode *int
	reason   string
}

type taskDefinition struct {
	arn          string
	family       string
	revision     int
	status       string // ACTIVE, INACTIVE
	input        map[string]any
	tags         []any
	registeredAt time.Time
	deregistered time.Time
}

type targetGroup struct {
	svc     *service
	arn     string
	name    string
	lbArn   string
	port    int
	targets []*targetHealth // registration order
}

type targetHealth struct {
	id          string // IP (target type ip) or EC2 instance ID (target type instance)
	port        int
	state       string // initial, healthy, unhealthy, draining
	reason      string
	description string
}

// serviceDeploymentRecord is what ListServiceDeployments/DescribeServiceDeployments report.
type serviceDeploymentRecord struct {
	svc             *service
	arn             string
	createdAt       time.Time
	startedAt       time.Time
	updatedAt       time.Time
	finishedAt      time.Time
	stoppedAt       time.Time
	status          string
	statusReason    string
	sourceRevision  string
	targetRevision  string
	targetTaskDef   string
	desiredCount    int
	breakerStatus   string
	breakerFailures int
	rollbackReason  string
	rollbackAt      time.Time
	rollbackTarget  string
}

func (f *Fake) arn(resource string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:%s", f.cfg.Region, f.cfg.Account, resource)
}

// seed builds the steady state of every service: revision 1 running with healthy targets.
func (f *Fake) seed(now time.Time) {
	f.clusterArn = f.arn("cluster/" + f.cfg.Cluster)
	// The main service is seeded first, so that its IDs and addresses are the ones it had when
	// the cluster had no other service.
	f.seedService(f.cfg.mainService(), f.cfg.TargetGroups, "web", now)
	for _, sc := range f.cfg.MoreServices {
		groups := 1
		if sc.NoLoadBalancer {
			groups = 0
		}
		f.seedService(sc, groups, sc.Service, now)
	}
	f.service = f.services[0]
}

// seedService adds a service in steady state, in groups target groups; its containers log to
// the awslogs group /ecs/logName.
func (f *Fake) seedService(sc ServiceConfig, groups int, logName string, now time.Time) {
	cfg := f.cfg
	s := &service{
		arn:            f.arn("service/" + cfg.Cluster + "/" + sc.Service),
		name:           sc.Service,
		family:         sc.Family,
		container:      sc.Container,
		scenario:       sc.Scenario,
		defaultDesired: sc.DesiredCount,
		index:          len(f.services),
		status:         "ACTIVE",
		desiredCount:   sc.DesiredCount,
		circuitBreaker: sc.Scenario.CircuitBreaker,
		started:        make(chan struct{}),
	}
	f.services = append(f.services, s)
	for i := range groups {
		tgName, lbName, id := sc.Service+"-tg", sc.Service+"-alb", "0123456789abcdef"
		if i > 0 {
			tgName, lbName, id = fmt.Sprintf("%s-tg-%d", sc.Service, i+1), fmt.Sprintf("%s-alb-%d", sc.Service, i+1), fmt.Sprintf("%016x", i)
		}
		tg := &targetGroup{
			svc:   s,
			arn:   fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", cfg.Region, cfg.Account, tgName, id),
			name:  tgName,
			lbArn: fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/%s/fedcba98%s", cfg.Region, cfg.Account, lbName, id[8:]),
			port:  cfg.ContainerPort,
		}
		s.targetGroups = append(s.targetGroups, tg)
		f.targetGroups = append(f.targetGroups, tg)
	}
	born := now.Add(-time.Hour)
	td, _ := f.registerTaskDefinition(seedTaskDefinition(cfg, sc, logName), []any{map[string]any{"key": "team", "value": "payments"}}, born)
	s.taskDefinition = td.arn
	s.createdAt = born
	d := f.newDeployment(s, td.arn, "", born, nil)
	d.rolloutState = "COMPLETED"
	d.rolloutStateReason = fmt.Sprintf("ECS deployment %s completed.", d.id)
	d.record.status = "SUCCESSFUL"
	d.record.finishedAt = born.Add(5 * time.Minute)
	for range sc.DesiredCount {
		t := f.launchTask(d, born.Add(time.Minute))
		f.runTask(t, born.Add(2*time.Minute))
	}
	for _, tg := range s.targetGroups {
		for _, th := range tg.targets {
			th.state, th.reason, th.description = "healthy", "", ""
		}
	}
	f.event(s, born.Add(5*time.Minute), fmt.Sprintf("(service %s) has reached a steady state.", sc.Service))
}

// seedTaskDefinition is revision 1: it carries the fields a careless clone
// loses (secrets, logging, health check, runtime platform, volumes...), so
// tests can check a new revision keeps them.
func seedTaskDefinition(cfg Config, sc ServiceConfig, logName string) map[string]any {
	const seed = `{
  "family": %q,
  "taskRoleArn": "arn:aws:iam::%[2]s:role/web-task",
  "executionRoleArn": "arn:aws:iam::%[2]s:role/web-exec",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
  "ephemeralStorage": {"sizeInGiB": 21},
  "volumes": [{"name": "scratch"}],
  "containerDefinitions": [
    {
      "name": %q,
      "image": %q,
      "essential": true,
      "portMappings": [{"containerPort": %d, "protocol": "tcp"}],
      "environment": [{"name": "MODE", "value": "production"}],
      "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:%[2]s:secret:db-password"}],
      "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/scratch"}],
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/%[6]s", "awslogs-region": "us-east-1", "awslogs-stream-prefix": %[6]q}},
      "healthCheck": {"command": ["CMD-SHELL", "wget -qO- http://localhost:%[5]d/healthz || exit 1"], "interval": 10, "timeout": 5, "retries": 3, "startPeriod": 10}
    },
    {
      "name": "log-router",
      "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4",
      "essential": false,
      "firelensConfiguration": {"type": "fluentbit"}
    }
  ]
}`
	var m map[string]any
	raw := fmt.Sprintf(seed, sc.Family, cfg.Account, sc.Container, sc.InitialImage, cfg.ContainerPort, logName)
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		panic("fakeaws: seed task definition: " + err.Error())
	}
	if cfg.NetworkMode == "bridge" {
		m["networkMode"], m["requiresCompatibilities"] = "bridge", []any{"EC2"}
		delete(m, "runtimePlatform")
		delete(m, "ephemeralStorage")
		app := m["containerDefinitions"].([]any)[0].(map[string]any)
		app["portMappings"] = []any{map[string]any{"containerPort": cfg.ContainerPort, "hostPort": 0, "protocol": "tcp"}}
	}
	return m
}

func (f *Fake) registerTaskDefinition(input map[string]any, tags []any, at time.Time) (*taskDefinition, error) {
	family, _ := input["family"].(string)
	if family == "" {
		return nil, fmt.Errorf("family is required")
	}
	defs, _ := input["containerDefinitions"].([]any)
	if len(defs) == 0 {
		return nil, fmt.Errorf("containerDefinitions must hold at least one container")
	}
	for i, d := range defs {
		c, _ := d.(map[string]any)
		if name, _ := c["name"].(string); name == "" {
			return nil, fmt.Errorf("containerDefinitions[%d].name is required", i)
		}
		if image, _ := c["image"].(string); image == "" {
			return nil, fmt.Errorf("containerDefinitions[%d].image is required", i)
		}
	}
	rev := len(f.taskDefs[family]) + 1
	td := &taskDefinition{
		arn:          fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", f.cfg.Region, f.cfg.Account, family, rev),
		family:       family,
		revision:     rev,
		status:       "ACTIVE",
		input:        deepCopy(input),
		tags:         tags,
		registeredAt: at,
	}
	f.taskDefs[family] = append(f.taskDefs[family], td)
	return td, nil
}

// newDeployment makes taskDef the PRIMARY deployment; the previous PRIMARY becomes ACTIVE.
// A new service deployment record stops the running one, except for a circuit-breaker
// rollback (rollbackOf != nil), which ECS reports inside the failed record.
func (f *Fake) newDeployment(s *service, taskDef, previous string, at time.Time, rollbackOf *serviceDeploymentRecord) *deployment {
	n := f.nextSeq()
	d := &deployment{
		svc:                s,
		id:                 fmt.Sprintf("ecs-svc/%d", 7391000000000000000+n),
		status:             "PRIMARY",
		taskDefinition:     taskDef,
		previousTaskDef:    previous,
		desiredCount:       s.desiredCountOrDefault(s.defaultDesired),
		createdAt:          at,
		updatedAt:          at,
		rolloutState:       "IN_PROGRESS",
		rolloutStateReason: "ECS deployment in progress.",
	}
	d.rolloutStateReason = fmt.Sprintf("ECS deployment %s in progress.", d.id)
	for _, old := range s.allDeployments {
		if old.status == "PRIMARY" {
			old.status = "ACTIVE"
			old.updatedAt = at
		}
	}
	s.allDeployments = append(s.allDeployments, d)
	s.taskDefinition = taskDef
	if rollbackOf != nil {
		d.record = rollbackOf
		d.ecsRollback = true
		return d
	}
	for _, r := range s.records {
		if r.status == "IN_PROGRESS" || r.status == "ROLLBACK_IN_PROGRESS" {
			r.status = "STOPPED"
			r.statusReason = fmt.Sprintf("Service deployment stopped because deployment %s started.", d.id)
			r.stoppedAt, r.updatedAt = at, at
		}
	}
	rec := &serviceDeploymentRecord{
		svc:            s,
		arn:            f.arn(fmt.Sprintf("service-deployment/%s/%s/%d", f.cfg.Cluster, s.name, 7391000000000000000+n)),
		createdAt:      at,
		startedAt:      at,
		updatedAt:      at,
		status:         "IN_PROGRESS",
		targetRevision: f.arn(fmt.Sprintf("service-revision/%s/%s/%d", f.cfg.Cluster, s.name, 5100000000000000000+n)),
		targetTaskDef:  taskDef,
		desiredCount:   d.desiredCount,
		breakerStatus:  "MONITORING",
	}
	if !s.circuitBreaker.Enable {
		rec.breakerStatus = "DISABLED"
	}
	for _, old := range s.allDeployments {
		if old.taskDefinition == previous && old.record != nil {
			rec.sourceRevision = old.record.targetRevision
		}
	}
	d.record = rec
	s.records = append(s.records, rec)
	return d
}

func (s *service) desiredCountOrDefault(def int) int {
	if s == nil || s.desiredCount == 0 {
		return def
	}
	return s.desiredCount
}

// launchTask places a PENDING task of deployment d.
func (f *Fake) launchTask(d *deployment, at time.Time) *task {
	n := f.nextSeq()
	id := taskID(n)
	t := &task{
		svc:            d.svc,
		id:             id,
		arn:            f.arn("task/" + f.cfg.Cluster + "/" + id),
		taskDefinition: d.taskDefinition,
		startedBy:      d.id,
		lastStatus:     "PENDING",
		desiredStatus:  "RUNNING",
		ip:             fmt.Sprintf("10.0.%d.%d", 1+n/200, 10+n%200),
		eniID:          fmt.Sprintf("eni-%017x", n),
		createdAt:      at,
	}
	if f.bridge() {
		// Two instances take a deployment's tasks in turn, and each pair gets the same dynamic
		// host port on its two instances: only the instance tells their targets apart. Ports
		// stay unique on an instance across deployments, and across services: each further
		// service has a range of its own.
		i := len(f.tasksOf(d))
		host := 1 + i%2
		t.ip, t.eniID = "", ""
		t.instance = fmt.Sprintf("i-%017x", host)
		t.containerInstance = f.arn(fmt.Sprintf("container-instance/%s/%032x", f.cfg.Cluster, host))
		t.hostPort = 32768 + 2000*d.svc.index + 100*slices.Index(d.svc.allDeployments, d) + i/2
	}
	for _, c := range f.containersOf(d.taskDefinition) {
		t.containers = append(t.containers, container{name: c[0], image: c[1]})
	}
	f.tasks = append(f.tasks, t)
	d.updatedAt = at
	return t
}

// containersOf returns [name, image] of each container in the task definition.
func (f *Fake) containersOf(arn string) [][2]string {
	td := f.findTaskDefinition(arn)
	if td == nil {
		return nil
	}
	var out [][2]string
	defs, _ := td.input["containerDefinitions"].([]any)
	for _, d := range defs {
		c, _ := d.(map[string]any)
		name, _ := c["name"].(string)
		image, _ := c["image"].(string)
		out = append(out, [2]string{name, image})
	}
	return out
}

// runTask moves a PENDING task to RUNNING and registers it in the target group as initial.
func (f *Fake) runTask(t *task, at time.Time) {
	t.lastStatus = "RUNNING"
	t.startedAt = at
	for _, tg := range t.svc.targetGroups {
		tg.targets = append(tg.targets, &targetHealth{
			id: t.targetID(), port: t.targetPort(f.cfg.ContainerPort), state: "initial",
			reason: "Elb.RegistrationInProgress", description: "Target registration is in progress",
		})
	}
}

// stopTask stops t; its target starts draining.
func (f *Fake) stopTask(t *task, at time.Time, stop TaskStop) {
	if t.lastStatus == "STOPPED" {
		return
	}
	t.lastStatus, t.desiredStatus = "STOPPED", "STOPPED"
	t.stoppedAt = at
	t.stoppedReason = stop.StoppedReason
	t.stopCode = stop.StopCode
	for i := range t.containers {
		c := &t.containers[i]
		code := 0
		if c.name == t.svc.container {
			code = stop.ExitCode
			c.reason = stop.ContainerReason
		}
		c.exitCode = &code
	}
	for _, th := range f.targets(t) {
		th.state, th.reason, th.description = "draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"
	}
}

// targets are t's targets, one in each target group it is registered in.
func (f *Fake) targets(t *task) []*targetHealth {
	var out []*targetHealth
	for _, tg := range t.svc.targetGroups {
		if th := tg.target(t.targetID(), t.targetPort(f.cfg.ContainerPort)); th != nil {
			out = append(out, th)
		}
	}
	return out
}

func (tg *targetGroup) target(id string, port int) *targetHealth {
	for _, th := range tg.targets {
		if th.id == id && th.port == port {
			return th
		}
	}
	return nil
}

func (f *Fake) bridge() bool { return f.cfg.NetworkMode == "bridge" }

// targetID is how the load balancer knows the task: its IP, or in bridge mode its instance.
func (t *task) targetID() string {
	if t.instance != "" {
		return t.instance
	}
	return t.ip
}

// targetPort is the port the load balancer sends to: the container port, or in bridge mode the
// host port bound to it.
func (t *task) targetPort(containerPort int) int {
	if t.hostPort != 0 {
		return t.hostPort
	}
	return containerPort
}

// deregisterStopped removes the targets of s's stopped tasks: their draining is over.
func (s *service) deregisterStopped() {
	for _, tg := range s.targetGroups {
		keep := tg.targets[:0]
		for _, th := range tg.targets {
			if th.state != "draining" {
				keep = append(keep, th)
			}
		}
		tg.targets = keep
	}
}

func (f *Fake) tasksOf(d *deployment) []*task {
	var out []*task
	for _, t := range f.tasks {
		if t.startedBy == d.id {
			out = append(out, t)
		}
	}
	return out
}

func (f *Fake) counts(d *deployment) (running, pending int) {
	for _, t := range f.tasksOf(d) {
		switch t.lastStatus {
		case "RUNNING":
			running++
		case "PENDING":
			pending++
		}
	}
	return running, pending
}

// event prepends an event of s: ECS lists them newest first.
func (f *Fake) event(s *service, at time.Time, msg string) {
	ev := serviceEvent{id: fmt.Sprintf("%08x-0000-4000-8000-%012x", f.nextSeq(), at.UnixNano()&0xffffffffffff), at: at, message: msg}
	s.events = append([]serviceEvent{ev}, s.events...)
	if len(s.events) > 100 {
		s.events = s.events[:100]
	}
}

func (f *Fake) findTaskDefinition(ref string) *taskDefinition {
	for _, revs := range f.taskDefs {
		for _, td := range revs {
			if td.arn == ref || fmt.Sprintf("%s:%d", td.family, td.revision) == ref {
				return td
			}
		}
	}
	// A bare family means its latest ACTIVE revision.
	revs := f.taskDefs[ref]
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].status == "ACTIVE" {
			return revs[i]
		}
	}
	return nil
}

func deepCopy(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		panic("fakeaws: copy: " + err.Error())
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic("fakeaws: copy: " + err.Error())
	}
	return out
}

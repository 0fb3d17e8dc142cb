package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used by New for every Config field left empty.
const (
	DefaultRegion       = "us-east-1"
	DefaultAccount      = "123456789012"
	DefaultCluster      = "demo"
	DefaultService      = "web"
	DefaultFamily       = "web"
	DefaultContainer    = "app"
	DefaultPort         = 8080
	DefaultDesiredCount = 2
	// InitialImage is the digest-pinned image revision 1 runs.
	InitialImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	// NewImage is a digest-pinned image that differs from InitialImage, for tests that deploy.
	NewImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:2222222222222222222222222222222222222222222222222222222222222222"
	// ForeignImage is the image another party deploys in ForeignUpdate.
	ForeignImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web@sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

// Config describes the cluster the fake seeds: its main service (Service, Family, Container,
// Scenario...) and MoreServices. Zero fields take the Default* values.
type Config struct {
	Scenario      Scenario
	Region        string
	Account       string
	Cluster       string
	Service       string
	Family        string
	Container     string
	ContainerPort int
	DesiredCount  int
	// InitialImage is the image revision 1 runs (default InitialImage), for tests that need it to
	// be an image some registry knows.
	InitialImage string
	// NoServiceDeployments makes ListServiceDeployments and DescribeServiceDeployments
	// answer UnknownOperationException, as moto does, to exercise the engine's fallback.
	NoServiceDeployments bool
	// TargetGroups is how many target groups the service is in (default 1), each on its own
	// load balancer: every task of the service is a target in each.
	TargetGroups int
	// NetworkMode is the task definition's network mode: "awsvpc" (default, Fargate: each task
	// its own IP) or "bridge" (EC2: tasks on two container instances, targets by instance ID and
	// dynamic host port).
	NetworkMode string
	// Faults apply from the start (see Fault).
	Faults []Fault
	// UpdateAnswerOmitsDeployment: UpdateService acts, but its answer lists the service with
	// no deployment on the new revision.
	UpdateAnswerOmitsDeployment bool
	// Migration is how one-off tasks (RunTask) behave; nil: they exit 0 after three units and
	// write no log lines.
	Migration *Migration
	// NoLoadBalancer: the main service is in no target group (TargetGroups is then 0), like a
	// worker; the steps that concern targets do nothing to it.
	NoLoadBalancer bool
	// MoreServices are further services of the cluster, each with its own family, container,
	// tasks and rollout scenario, for deploys that update several services together. Faults,
	// throttling and the one-off tasks stay the cluster's: they are the account's, not a
	// service's.
	MoreServices []ServiceConfig
}

// ServiceConfig describes one of Config.MoreServices. Zero fields take the defaults named.
type ServiceConfig struct {
	Service   string // its name, required and unique in the cluster
	Family    string // its task definition family; default Service
	Container string // the container its scenario's steps concern; default Service
	// DesiredCount defaults to DefaultDesiredCount.
	DesiredCount int
	// NoLoadBalancer: a worker, in no target group; TargetsHealthy, TargetsUnhealthy, DrainOld and
	// the other steps that concern targets do nothing to it. Otherwise it is in one target group
	// of its own, on its own load balancer.
	NoLoadBalancer bool
	// Scenario is its rollout, played from its own first deployment-creating UpdateService, and
	// Scenario.Recovery from its later ones, as the main service's. Unit defaults to the main
	// scenario's Unit; no Steps is an idle scenario, where a deployment stays in progress.
	Scenario Scenario
	// InitialImage is the image its revision 1 runs (default InitialImage).
	InitialImage string
}

// Call is one HTTP request the fake received.
type Call struct {
	Op     string    // operation name, e.g. "DescribeServices" or "DescribeTargetHealth"
	At     time.Time // when it arrived
	Status int       // HTTP status answered
	// Services are the services an ECS request names (DescribeServices' services, the service of
	// UpdateService or ListServiceDeployments, ListTasks' serviceName) as it names them, by name
	// or ARN: a test of a deploy of several services can check it watches them in one request.
	Services []string
}

// Fake is the scenario fake. It is safe for concurrent use; serve it with httptest.NewServer.
type Fake struct {
	mu  sync.Mutex
	cfg Config

	clusterArn   string
	service      *service                     // the main service: the one the accessors without a service name mean
	services     []*service                   // the cluster's, main first, then MoreServices in order
	taskDefs     map[string][]*taskDefinition // family -> revisions, index = revision-1
	tasks        []*task
	targetGroups []*targetGroup // every service's, each service's in its loadBalancers order

	seq int

	throttleLeft int
	fail5xxLeft  int
	faults       []*activeFault

	calls    []Call
	oneOffs  []*oneOff
	runTasks []RunTaskRequest
}

// New returns a fake in steady state: the service runs revision 1 of the family
// (InitialImage) with DesiredCount RUNNING tasks, each a healthy target.
func New(cfg Config) *Fake {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.Region, DefaultRegion)
	def(&cfg.Account, DefaultAccount)
	def(&cfg.Cluster, DefaultCluster)
	def(&cfg.Service, DefaultService)
	def(&cfg.Family, DefaultFamily)
	def(&cfg.Container, DefaultContainer)
	def(&cfg.InitialImage, InitialImage)
	def(&cfg.Scenario.Name, "Idle")
	if cfg.ContainerPort == 0 {
		cfg.ContainerPort = DefaultPort
	}
	if cfg.DesiredCount == 0 {
		cfg.DesiredCount = DefaultDesiredCount
	}
	if cfg.TargetGroups <= 0 {
		cfg.TargetGroups = 1
	}
	if cfg.Scenario.Unit == 0 {
		cfg.Scenario.Unit = 100 * time.Millisecond
	}
	if cfg.NoLoadBalancer {
		cfg.TargetGroups = 0
	}
	// A copy: filling in defaults must not write to the caller's slice.
	cfg.MoreServices = slices.Clone(cfg.MoreServices)
	names := map[string]bool{cfg.Service: true}
	for i := range cfg.MoreServices {
		sc := &cfg.MoreServices[i]
		if sc.Service == "" || names[sc.Service] {
			panic(fmt.Sprintf("fakeaws: MoreServices[%d]: service name %q is empty or already in the cluster", i, sc.Service))
		}
		names[sc.Service] = true
		def(&sc.Family, sc.Service)
		def(&sc.Container, sc.Service)
		def(&sc.InitialImage, InitialImage)
		def(&sc.Scenario.Name, "Idle")
		if sc.DesiredCount == 0 {
			sc.DesiredCount = DefaultDesiredCount
		}
		if sc.Scenario.Unit == 0 {
			sc.Scenario.Unit = cfg.Scenario.Unit
		}
	}
	f := &Fake{cfg: cfg, taskDefs: map[string][]*taskDefinition{}}
	for _, fault := range cfg.Faults {
		f.faults = append(f.faults, &activeFault{Fault: fault})
	}
	f.seed(time.Now())
	return f
}

// mainService is the main service's part of cfg, in the shape of MoreServices.
func (cfg Config) mainService() ServiceConfig {
	return ServiceConfig{Service: cfg.Service, Family: cfg.Family, Container: cfg.Container, DesiredCount: cfg.DesiredCount,
		NoLoadBalancer: cfg.NoLoadBalancer, Scenario: cfg.Scenario, InitialImage: cfg.InitialImage}
}

// Config returns the configuration with defaults filled in.
func (f *Fake) Config() Config {
	c := f.cfg
	c.MoreServices = slices.Clone(c.MoreServices)
	return c
}

// ServeHTTP answers ECS JSON 1.1 requests (X-Amz-Target header) and ELBv2 Query requests (form Action).
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "fakeaws accepts POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(now)

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if op, ok := strings.CutPrefix(target, logsTargetPrefix); ok {
			f.record(op, now, http.StatusOK)
			f.serveLogs(w, op, body, now)
			return
		}
		op, ok := strings.CutPrefix(target, ecsTargetPrefix)
		if !ok {
			f.record(op, now, http.StatusBadRequest)
			writeECSError(w, http.StatusBadRequest, "UnknownOperationException", "unknown target "+target)
			return
		}
		status := f.injectedFault()
		fault := f.faultFor(op)
		if fault != nil && status == 0 {
			status = http.StatusBadRequest
		}
		f.record(op, now, status, servicesNamed(body)...)
		switch {
		case status == http.StatusBadRequest && fault == nil:
			writeECSError(w, status, "ThrottlingException", "Rate exceeded")
			return
		case status == http.StatusInternalServerError:
			writeECSError(w, status, "ServerException", "Service Unavailable. Please try again later.")
			return
		case fault != nil:
			if fault.Applied {
				f.serveECS(discard{}, op, body, now)
			}
			writeFault(w, true, fault)
			return
		}
		f.serveECS(w, op, body, now)
		return
	}

	form, err := parseForm(body)
	if err != nil {
		f.record("?", now, http.StatusBadRequest)
		writeQueryError(w, http.StatusBadRequest, "Sender", "MalformedQueryString", err.Error())
		return
	}
	op := form.Get("Action")
	status := f.injectedFault()
	fault := f.faultFor(op)
	if fault != nil && status == 0 {
		status = http.StatusBadRequest
	}
	f.record(op, now, status)
	switch {
	case status == http.StatusBadRequest && fault == nil:
		writeQueryError(w, status, "Sender", "Throttling", "Rate exceeded")
		return
	case status == http.StatusInternalServerError:
		writeQueryError(w, status, "Receiver", "InternalFailure", "An internal error occurred. Try again later.")
		return
	case fault != nil:
		writeFault(w, false, fault)
		return
	}
	f.serveELB(w, op, form)
}

// discard is where the answer of a request that takes effect but fails anyway goes.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// injectedFault consumes one pending throttle or 5xx and returns the status it
// stands for, or 0. Throttles go first because a burst usually precedes errors.
func (f *Fake) injectedFault() int {
	switch {
	case f.throttleLeft > 0:
		f.throttleLeft--
		return http.StatusBadRequest
	case f.fail5xxLeft > 0:
		f.fail5xxLeft--
		return http.StatusInternalServerError
	}
	return 0
}

func (f *Fake) record(op string, at time.Time, status int, services ...string) {
	if status == 0 {
		status = http.StatusOK
	}
	f.calls = append(f.calls, Call{Op: op, At: at, Status: status, Services: services})
}

// servicesNamed are the services an ECS request body names, for Call.Services; a body the
// operation cannot decode names none (the operation answers the error).
func servicesNamed(body []byte) []string {
	var req struct {
		Services    []string `json:"services"`
		Service     string   `json:"service"`
		ServiceName string   `json:"serviceName"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	out := req.Services
	for _, s := range []string{req.Service, req.ServiceName} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Calls returns every request received so far, oldest first.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// CallCount returns how many requests for op were received (all of them when op is "").
func (f *Fake) CallCount(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if op == "" || c.Op == op {
			n++
		}
	}
	return n
}

// CallsBetween counts the requests that arrived in [from, to].
func (f *Fake) CallsBetween(from, to time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if !c.At.Before(from) && !c.At.After(to) {
			n++
		}
	}
	return n
}

// DeploymentStarted is closed when the first UpdateService that creates a deployment of the main
// service arrives.
func (f *Fake) DeploymentStarted() <-chan struct{} { return f.service.started }

// DeploymentStartedOf is DeploymentStarted of the named service.
func (f *Fake) DeploymentStartedOf(service string) <-chan struct{} {
	return f.mustService(service).started
}

// DeploymentStartedAt is when the first deployment-creating UpdateService of the main service
// arrived (zero before).
func (f *Fake) DeploymentStartedAt() time.Time { return f.DeploymentStartedAtOf(f.cfg.Service) }

// DeploymentStartedAtOf is DeploymentStartedAt of the named service.
func (f *Fake) DeploymentStartedAtOf(service string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mustService(service).deployStartedAt
}

// FinalStateAt is the scheduled time of the last step that put the main service in a
// final state (a deployment completed, or failed with no rollback to follow);
// zero when none happened yet.
func (f *Fake) FinalStateAt() time.Time { return f.FinalStateAtOf(f.cfg.Service) }

// FinalStateAtOf is FinalStateAt of the named service.
func (f *Fake) FinalStateAtOf(service string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.mustService(service).finalStateAt
}

// FirstEvidenceAt is the scheduled time of the first step that gave evidence of
// failure of the main service (task stopped, target unhealthy, circuit breaker, foreign
// deployment); zero when none happened yet.
func (f *Fake) FirstEvidenceAt() time.Time { return f.FirstEvidenceAtOf(f.cfg.Service) }

// FirstEvidenceAtOf is FirstEvidenceAt of the named service.
func (f *Fake) FirstEvidenceAtOf(service string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.mustService(service).firstEvidenceAt
}

// UpdateServiceRequests returns the taskDefinition argument of each UpdateService of the main
// service received over HTTP, in order (the other party's update in ForeignUpdate is not one).
func (f *Fake) UpdateServiceRequests() []string { return f.UpdateServiceRequestsOf(f.cfg.Service) }

// UpdateServiceRequestsOf is UpdateServiceRequests of the named service.
func (f *Fake) UpdateServiceRequestsOf(service string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.mustService(service).updateRequests...)
}

// UpdateServiceForced returns the forceNewDeployment argument of each UpdateService of the main
// service received over HTTP, in the order of UpdateServiceRequests.
func (f *Fake) UpdateServiceForced() []bool { return f.UpdateServiceForcedOf(f.cfg.Service) }

// UpdateServiceForcedOf is UpdateServiceForced of the named service.
func (f *Fake) UpdateServiceForcedOf(service string) []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.mustService(service).forcedRequests...)
}

// ServiceTaskDefinition returns the task definition ARN the main service is set to now.
func (f *Fake) ServiceTaskDefinition() string { return f.ServiceTaskDefinitionOf(f.cfg.Service) }

// ServiceTaskDefinitionOf is ServiceTaskDefinition of the named service.
func (f *Fake) ServiceTaskDefinitionOf(service string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.mustService(service).taskDefinition
}

// TaskDefinitionArn returns the ARN of revision rev of the configured family.
func (f *Fake) TaskDefinitionArn(rev int) string { return f.familyArn(f.cfg.Family, rev) }

// TaskDefinitionArnOf returns the ARN of revision rev of the named service's family.
func (f *Fake) TaskDefinitionArnOf(service string, rev int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.familyArn(f.mustService(service).family, rev)
}

func (f *Fake) familyArn(family string, rev int) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", f.cfg.Region, f.cfg.Account, family, rev)
}

// TaskDefinitionInput returns, as registered, the input of revision rev of the
// configured family (tags excluded) and whether it exists.
func (f *Fake) TaskDefinitionInput(rev int) (map[string]any, bool) {
	return f.TaskDefinitionInputOf(f.cfg.Service, rev)
}

// TaskDefinitionInputOf is TaskDefinitionInput of the named service's family.
func (f *Fake) TaskDefinitionInputOf(service string, rev int) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	revs := f.taskDefs[f.mustService(service).family]
	if rev < 1 || rev > len(revs) {
		return nil, false
	}
	return deepCopy(revs[rev-1].input), true
}

// TaskDefinitionStatus returns ACTIVE or INACTIVE for revision rev of the family ("" if unknown).
func (f *Fake) TaskDefinitionStatus(rev int) string {
	return f.TaskDefinitionStatusOf(f.cfg.Service, rev)
}

// TaskDefinitionStatusOf is TaskDefinitionStatus of the named service's family.
func (f *Fake) TaskDefinitionStatusOf(service string, rev int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	revs := f.taskDefs[f.mustService(service).family]
	if rev < 1 || rev > len(revs) {
		return ""
	}
	return revs[rev-1].status
}

// DeploymentSummary is a read-only view of one ECS deployment, for assertions.
type DeploymentSummary struct {
	ID, Status, TaskDefinition, RolloutState, RolloutStateReason string
}

// Deployments lists every deployment the main service ever had, oldest first, INACTIVE included.
func (f *Fake) Deployments() []DeploymentSummary { return f.DeploymentsOf(f.cfg.Service) }

// DeploymentsOf is Deployments of the named service.
func (f *Fake) DeploymentsOf(service string) []DeploymentSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	var out []DeploymentSummary
	for _, d := range f.mustService(service).allDeployments {
		out = append(out, DeploymentSummary{ID: d.id, Status: d.status, TaskDefinition: d.taskDefinition,
			RolloutState: d.rolloutState, RolloutStateReason: d.rolloutStateReason})
	}
	return out
}

// TaskIDs returns the IDs of the tasks the main service ever ran, oldest first.
func (f *Fake) TaskIDs() []string { return f.TaskIDsOf(f.cfg.Service) }

// TaskIDsOf is TaskIDs of the named service.
func (f *Fake) TaskIDsOf(service string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	s := f.mustService(service)
	var out []string
	for _, t := range f.tasks {
		if t.svc == s {
			out = append(out, t.id)
		}
	}
	return out
}

// ServiceNames returns the names of the cluster's services, the main one first.
func (f *Fake) ServiceNames() []string {
	var out []string
	for _, s := range f.services {
		out = append(out, s.name)
	}
	return out
}

// mustService is the service of that name; a name the cluster does not have is a mistake in the
// test, better told at once than answered with zero values.
func (f *Fake) mustService(name string) *service {
	for _, s := range f.services {
		if s.name == name {
			return s
		}
	}
	panic(fmt.Sprintf("fakeaws: no service %q in the cluster (it has %s)", name, strings.Join(f.ServiceNames(), ", ")))
}

func (f *Fake) nextSeq() int {
	f.seq++
	return f.seq
}

// taskID derives a 32-hex-digit task ID that looks random (so a shortened ID is
// still unique) yet is reproducible from run to run.
func taskID(seq int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "task-%d", seq))
	return hex.EncodeToString(sum[:16])
}

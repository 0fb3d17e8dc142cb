package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
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

// Config describes the service the fake seeds. Zero fields take the Default* values.
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
}

// Call is one HTTP request the fake received.
type Call struct {
	Op     string    // operation name, e.g. "DescribeServices" or "DescribeTargetHealth"
	At     time.Time // when it arrived
	Status int       // HTTP status answered
}

// Fake is the scenario fake. It is safe for concurrent use; serve it with httptest.NewServer.
type Fake struct {
	mu  sync.Mutex
	cfg Config

	clusterArn   string
	service      *service
	taskDefs     map[string][]*taskDefinition // family -> revisions, index = revision-1
	tasks        []*task
	targetGroups []*targetGroup // the service's, in its loadBalancers order
	records      []*serviceDeploymentRecord

	timeline *timeline
	seq      int

	throttleLeft int
	fail5xxLeft  int
	faults       []*activeFault

	calls           []Call
	started         chan struct{}
	deployStartedAt time.Time
	finalStateAt    time.Time
	firstEvidenceAt time.Time
	updateRequests  []string // taskDefinition values of the UpdateService calls received over HTTP
	forcedRequests  []bool   // their forceNewDeployment values, in the same order
	oneOffs         []*oneOff
	runTasks        []RunTaskRequest
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
	f := &Fake{cfg: cfg, taskDefs: map[string][]*taskDefinition{}, started: make(chan struct{})}
	for _, fault := range cfg.Faults {
		f.faults = append(f.faults, &activeFault{Fault: fault})
	}
	f.seed(time.Now())
	return f
}

// Config returns the configuration with defaults filled in.
func (f *Fake) Config() Config { return f.cfg }

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
		f.record(op, now, status)
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

func (f *Fake) record(op string, at time.Time, status int) {
	if status == 0 {
		status = http.StatusOK
	}
	f.calls = append(f.calls, Call{Op: op, At: at, Status: status})
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

// DeploymentStarted is closed when the first UpdateService that creates a deployment arrives.
func (f *Fake) DeploymentStarted() <-chan struct{} { return f.started }

// DeploymentStartedAt is when the first deployment-creating UpdateService arrived (zero before).
func (f *Fake) DeploymentStartedAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deployStartedAt
}

// FinalStateAt is the scheduled time of the last step that put the service in a
// final state (a deployment completed, or failed with no rollback to follow);
// zero when none happened yet.
func (f *Fake) FinalStateAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.finalStateAt
}

// FirstEvidenceAt is the scheduled time of the first step that gave evidence of
// failure (task stopped, target unhealthy, circuit breaker, foreign deployment);
// zero when none happened yet.
func (f *Fake) FirstEvidenceAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.firstEvidenceAt
}

// UpdateServiceRequests returns the taskDefinition argument of each UpdateService
// received over HTTP, in order (the other party's update in ForeignUpdate is not one).
func (f *Fake) UpdateServiceRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.updateRequests...)
}

// UpdateServiceForced returns the forceNewDeployment argument of each UpdateService received
// over HTTP, in the order of UpdateServiceRequests.
func (f *Fake) UpdateServiceForced() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bool(nil), f.forcedRequests...)
}

// ServiceTaskDefinition returns the task definition ARN the service is set to now.
func (f *Fake) ServiceTaskDefinition() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	return f.service.taskDefinition
}

// TaskDefinitionArn returns the ARN of revision rev of the configured family.
func (f *Fake) TaskDefinitionArn(rev int) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", f.cfg.Region, f.cfg.Account, f.cfg.Family, rev)
}

// TaskDefinitionInput returns, as registered, the input of revision rev of the
// configured family (tags excluded) and whether it exists.
func (f *Fake) TaskDefinitionInput(rev int) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	revs := f.taskDefs[f.cfg.Family]
	if rev < 1 || rev > len(revs) {
		return nil, false
	}
	return deepCopy(revs[rev-1].input), true
}

// TaskDefinitionStatus returns ACTIVE or INACTIVE for revision rev of the family ("" if unknown).
func (f *Fake) TaskDefinitionStatus(rev int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	revs := f.taskDefs[f.cfg.Family]
	if rev < 1 || rev > len(revs) {
		return ""
	}
	return revs[rev-1].status
}

// DeploymentSummary is a read-only view of one ECS deployment, for assertions.
type DeploymentSummary struct {
	ID, Status, TaskDefinition, RolloutState, RolloutStateReason string
}

// Deployments lists every deployment the service ever had, oldest first, INACTIVE included.
func (f *Fake) Deployments() []DeploymentSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	var out []DeploymentSummary
	for _, d := range f.service.allDeployments {
		out = append(out, DeploymentSummary{ID: d.id, Status: d.status, TaskDefinition: d.taskDefinition,
			RolloutState: d.rolloutState, RolloutStateReason: d.rolloutStateReason})
	}
	return out
}

// TaskIDs returns the IDs of the tasks the service ever ran, oldest first.
func (f *Fake) TaskIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(time.Now())
	var out []string
	for _, t := range f.tasks {
		out = append(out, t.id)
	}
	return out
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

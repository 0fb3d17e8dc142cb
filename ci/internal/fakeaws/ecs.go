package fakeaws

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const ecsTargetPrefix = "AmazonEC2ContainerServiceV20141113."

// ecsRequest holds the union of the input fields of the operations implemented.
type ecsRequest struct {
	Cluster                 string          `json:"cluster"`
	Services                []string        `json:"services"`
	Service                 string          `json:"service"`
	ServiceName             string          `json:"serviceName"`
	TaskDefinition          string          `json:"taskDefinition"`
	Tasks                   []string        `json:"tasks"`
	StartedBy               string          `json:"startedBy"`
	DesiredStatus           string          `json:"desiredStatus"`
	Family                  string          `json:"family"`
	FamilyPrefix            string          `json:"familyPrefix"`
	Status                  json.RawMessage `json:"status"` // a string for ListTaskDefinitions, a list for ListServiceDeployments
	Sort                    string          `json:"sort"`
	MaxResults              int             `json:"maxResults"`
	NextToken               string          `json:"nextToken"`
	DesiredCount            *int            `json:"desiredCount"`
	ForceNewDeployment      bool            `json:"forceNewDeployment"`
	DeploymentConfiguration *struct {
		DeploymentCircuitBreaker *CircuitBreaker `json:"deploymentCircuitBreaker"`
	} `json:"deploymentConfiguration"`
	ServiceDeploymentArns []string `json:"serviceDeploymentArns"`
	Include               []string `json:"include"`
	ContainerInstances    []string `json:"containerInstances"`
}

// ecsError is an error answered in the JSON 1.1 shape.
type ecsError struct {
	code, message string
}

func (e *ecsError) Error() string { return e.code + ": " + e.message }

func clientErr(format string, args ...any) *ecsError {
	return &ecsError{"ClientException", fmt.Sprintf(format, args...)}
}

func invalidParam(format string, args ...any) *ecsError {
	return &ecsError{"InvalidParameterException", fmt.Sprintf(format, args...)}
}

func (f *Fake) serveECS(w http.ResponseWriter, op string, body []byte, now time.Time) {
	var req ecsRequest
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeECSError(w, http.StatusBadRequest, "SerializationException", "cannot decode request: "+err.Error())
			return
		}
	}
	var out any
	var err *ecsError
	switch op {
	case "DescribeServices":
		out, err = f.describeServices(req)
	case "DescribeTaskDefinition":
		out, err = f.describeTaskDefinition(req)
	case "RegisterTaskDefinition":
		out, err = f.registerTaskDefinitionOp(body, now)
	case "DeregisterTaskDefinition":
		out, err = f.deregisterTaskDefinition(req, now)
	case "UpdateService":
		out, err = f.updateService(req, now)
	case "ListTasks":
		out, err = f.listTasks(req)
	case "DescribeTasks":
		out, err = f.describeTasks(req)
	case "ListServiceDeployments":
		out, err = f.listServiceDeployments(req)
	case "DescribeServiceDeployments":
		out, err = f.describeServiceDeployments(req)
	case "ListTaskDefinitions":
		out, err = f.listTaskDefinitions(req)
	case "DescribeContainerInstances":
		out, err = f.describeContainerInstances(req)
	case "RunTask":
		out, err = f.runTaskOp(body, now)
	case "StopTask":
		out, err = f.stopTaskOp(body, now)
	default:
		err = &ecsError{"UnknownOperationException", "fakeaws does not implement ECS " + op}
	}
	if err != nil {
		writeECSError(w, http.StatusBadRequest, err.code, err.message)
		return
	}
	raw, merr := json.Marshal(out)
	if merr != nil {
		writeECSError(w, http.StatusInternalServerError, "ServerException", merr.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID(len(f.calls)))
	_, _ = w.Write(raw)
}

func writeECSError(w http.ResponseWriter, status int, code, message string) {
	raw, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func requestID(n int) string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
}

// epoch renders a timestamp as ECS JSON does: seconds since the epoch, with milliseconds.
type epoch time.Time

// MarshalJSON writes a JSON number of seconds.
func (e epoch) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(time.Time(e).UnixMilli())/1000, 'f', 3, 64)), nil
}

// putTime sets m[key] unless t is zero: absent timestamps are omitted, as AWS does.
func putTime(m map[string]any, key string, t time.Time) {
	if !t.IsZero() {
		m[key] = epoch(t)
	}
}

func putString(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}

func (f *Fake) checkCluster(ref string) *ecsError {
	if ref == "" {
		ref = "default"
	}
	if ref != f.cfg.Cluster && ref != f.clusterArn {
		return &ecsError{"ClusterNotFoundException", "Cluster not found."}
	}
	return nil
}

// serviceByRef is the service named or ARNed, or nil.
func (f *Fake) serviceByRef(ref string) *service {
	for _, s := range f.services {
		if ref == s.name || ref == s.arn {
			return s
		}
	}
	return nil
}

func serviceNotFound() *ecsError {
	return &ecsError{"ServiceNotFoundException", "Service not found."}
}

// describeServices answers for each service asked, in the order asked, and a MISSING failure
// for each the cluster does not have; ECS takes at most 10 in one request.
func (f *Fake) describeServices(req ecsRequest) (any, *ecsError) {
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	if len(req.Services) == 0 {
		return nil, invalidParam("Services cannot be empty.")
	}
	if len(req.Services) > 10 {
		return nil, invalidParam("Services cannot have more than 10 items, got %d.", len(req.Services))
	}
	services := []any{}
	failures := []any{}
	for _, ref := range req.Services {
		if s := f.serviceByRef(ref); s != nil {
			services = append(services, f.serviceJSON(s))
			continue
		}
		arn := ref
		if !strings.HasPrefix(ref, "arn:") {
			arn = f.arn("service/" + f.cfg.Cluster + "/" + ref)
		}
		failures = append(failures, map[string]any{"arn": arn, "reason": "MISSING"})
	}
	return map[string]any{"services": services, "failures": failures}, nil
}

func (f *Fake) serviceJSON(s *service) map[string]any {
	deployments := []any{}
	running, pending := 0, 0
	for i := len(s.allDeployments) - 1; i >= 0; i-- { // newest first, as ECS lists them
		d := s.allDeployments[i]
		if d.status == "INACTIVE" {
			continue
		}
		r, p := f.counts(d)
		running += r
		pending += p
		dj := map[string]any{
			"id":                   d.id,
			"status":               d.status,
			"taskDefinition":       d.taskDefinition,
			"desiredCount":         d.desiredCount,
			"pendingCount":         p,
			"runningCount":         r,
			"failedTasks":          d.failedTasks,
			"launchType":           f.launchType(),
			"platformVersion":      "1.4.0",
			"platformFamily":       "Linux",
			"rolloutState":         d.rolloutState,
			"rolloutStateReason":   d.rolloutStateReason,
			"networkConfiguration": f.networkConfiguration(),
		}
		putTime(dj, "createdAt", d.createdAt)
		putTime(dj, "updatedAt", d.updatedAt)
		deployments = append(deployments, dj)
	}
	events := []any{}
	for _, e := range s.events {
		events = append(events, map[string]any{"id": e.id, "createdAt": epoch(e.at), "message": e.message})
	}
	out := map[string]any{
		"serviceArn":      s.arn,
		"serviceName":     s.name,
		"clusterArn":      f.clusterArn,
		"status":          s.status,
		"desiredCount":    s.desiredCount,
		"runningCount":    running,
		"pendingCount":    pending,
		"launchType":      f.launchType(),
		"platformVersion": "LATEST",
		"platformFamily":  "Linux",
		"taskDefinition":  s.taskDefinition,
		"loadBalancers":   s.loadBalancersJSON(f.cfg.ContainerPort),
		"deploymentConfiguration": map[string]any{
			"deploymentCircuitBreaker": map[string]any{"enable": s.circuitBreaker.Enable, "rollback": s.circuitBreaker.Rollback},
			"maximumPercent":           200,
			"minimumHealthyPercent":    100,
		},
		"deploymentController":          map[string]any{"type": "ECS"},
		"deployments":                   deployments,
		"events":                        events,
		"createdAt":                     epoch(s.createdAt),
		"createdBy":                     "arn:aws:iam::" + f.cfg.Account + ":role/deployer",
		"networkConfiguration":          f.networkConfiguration(),
		"healthCheckGracePeriodSeconds": 30,
		"schedulingStrategy":            "REPLICA",
		"enableECSManagedTags":          true,
		"propagateTags":                 "SERVICE",
		"enableExecuteCommand":          false,
		"placementConstraints":          []any{},
		"placementStrategy":             []any{},
		"serviceRegistries":             []any{},
		"roleArn":                       "arn:aws:iam::" + f.cfg.Account + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
	}
	if len(s.targetGroups) == 0 {
		// As ECS answers for a service created without a load balancer: no grace period, and
		// no service-linked role to register targets with.
		out["healthCheckGracePeriodSeconds"] = 0
		delete(out, "roleArn")
	}
	return out
}

// loadBalancersJSON is s's loadBalancers: an empty list, not null, for a service without one,
// as ECS answers.
func (s *service) loadBalancersJSON(containerPort int) []any {
	out := []any{}
	for _, tg := range s.targetGroups {
		out = append(out, map[string]any{"targetGroupArn": tg.arn, "containerName": s.container, "containerPort": containerPort})
	}
	return out
}

func (f *Fake) launchType() string {
	if f.bridge() {
		return "EC2"
	}
	return "FARGATE"
}

// describeContainerInstances knows the instances of bridge mode's tasks.
func (f *Fake) describeContainerInstances(req ecsRequest) (any, *ecsError) {
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	if len(req.ContainerInstances) > 100 {
		return nil, invalidParam("containerInstances can have at most 100 items.")
	}
	known := map[string]string{}
	for _, t := range f.tasks {
		if t.containerInstance != "" {
			known[t.containerInstance] = t.instance
		}
	}
	instances, failures := []any{}, []any{}
	for _, arn := range req.ContainerInstances {
		ec2, ok := known[arn]
		if !ok {
			failures = append(failures, map[string]any{"arn": arn, "reason": "MISSING"})
			continue
		}
		instances = append(instances, map[string]any{"containerInstanceArn": arn, "ec2InstanceId": ec2,
			"status": "ACTIVE", "agentConnected": true})
	}
	return map[string]any{"containerInstances": instances, "failures": failures}, nil
}

func (f *Fake) networkConfiguration() map[string]any {
	if f.bridge() {
		return nil
	}
	return map[string]any{"awsvpcConfiguration": map[string]any{
		"subnets":        []any{"subnet-0aaa1111", "subnet-0bbb2222"},
		"securityGroups": []any{"sg-0ccc3333"},
		"assignPublicIp": "DISABLED",
	}}
}

func (f *Fake) taskDefinitionJSON(td *taskDefinition) map[string]any {
	out := deepCopy(td.input)
	out["taskDefinitionArn"] = td.arn
	out["revision"] = td.revision
	out["status"] = td.status
	out["compatibilities"] = []any{"EC2", "FARGATE"}
	out["requiresAttributes"] = []any{map[string]any{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}}
	out["registeredBy"] = "arn:aws:sts::" + f.cfg.Account + ":assumed-role/deployer/ci"
	putTime(out, "registeredAt", td.registeredAt)
	putTime(out, "deregisteredAt", td.deregistered)
	return out
}

func (f *Fake) describeTaskDefinition(req ecsRequest) (any, *ecsError) {
	td := f.findTaskDefinition(req.TaskDefinition)
	if td == nil {
		return nil, clientErr("Unable to describe task definition.")
	}
	out := map[string]any{"taskDefinition": f.taskDefinitionJSON(td)}
	if slices.Contains(req.Include, "TAGS") {
		tags := td.tags
		if tags == nil {
			tags = []any{}
		}
		out["tags"] = tags
	}
	return out, nil
}

func (f *Fake) registerTaskDefinitionOp(body []byte, now time.Time) (any, *ecsError) {
	var input map[string]any
	if err := json.Unmarshal(body, &input); err != nil {
		return nil, clientErr("cannot decode task definition: %v", err)
	}
	tags, _ := input["tags"].([]any)
	delete(input, "tags")
	td, err := f.registerTaskDefinition(input, tags, now)
	if err != nil {
		return nil, clientErr("Invalid task definition: %v", err)
	}
	out := map[string]any{"taskDefinition": f.taskDefinitionJSON(td)}
	if tags != nil {
		out["tags"] = tags
	}
	return out, nil
}

func (f *Fake) deregisterTaskDefinition(req ecsRequest, now time.Time) (any, *ecsError) {
	td := f.findTaskDefinition(req.TaskDefinition)
	if td == nil || !strings.Contains(req.TaskDefinition, ":") {
		return nil, clientErr("The specified task definition does not exist or is not a revision: %s", req.TaskDefinition)
	}
	if td.status == "ACTIVE" {
		td.status = "INACTIVE"
		td.deregistered = now
	}
	return map[string]any{"taskDefinition": f.taskDefinitionJSON(td)}, nil
}

// updateService updates one service. Its first update that creates a deployment starts its
// scenario's timeline, its later ones its Recovery: each service of the cluster plays its own.
func (f *Fake) updateService(req ecsRequest, now time.Time) (any, *ecsError) {
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	s := f.serviceByRef(req.Service)
	if s == nil {
		return nil, serviceNotFound()
	}
	if req.DesiredCount != nil {
		s.desiredCount = *req.DesiredCount
	}
	if dc := req.DeploymentConfiguration; dc != nil && dc.DeploymentCircuitBreaker != nil {
		s.circuitBreaker = *dc.DeploymentCircuitBreaker
	}
	s.updateRequests = append(s.updateRequests, req.TaskDefinition)
	s.forcedRequests = append(s.forcedRequests, req.ForceNewDeployment)
	target := s.taskDefinition
	if req.TaskDefinition != "" {
		td := f.findTaskDefinition(req.TaskDefinition)
		if td == nil {
			return nil, clientErr("TaskDefinition not found.")
		}
		if td.status != "ACTIVE" {
			return nil, clientErr("TaskDefinition is inactive")
		}
		target = td.arn
	}
	if target == s.taskDefinition && !req.ForceNewDeployment {
		return map[string]any{"service": f.serviceJSON(s)}, nil
	}
	previous := s.taskDefinition
	d := f.newDeployment(s, target, previous, now, nil)
	steps := s.scenario.Steps
	if s.deployStartedAt.IsZero() {
		s.deployStartedAt = now
		close(s.started)
	} else {
		steps = s.scenario.Recovery
		if steps == nil {
			steps = HealthySteps(s.scenario.Unit)
		}
	}
	// Steps play in time order whatever order the scenario lists them in: ThrottlingBurst and
	// Transient5xx list their faults first, and played in list order a fault at 2.5 units held
	// back the rollout's steps at 1 and 2 units until it fired.
	steps = slices.Clone(steps)
	slices.SortStableFunc(steps, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	s.timeline = &timeline{svc: s, start: now, steps: steps, dep: d}
	answer := f.serviceJSON(s)
	if f.cfg.UpdateAnswerOmitsDeployment {
		delete(answer, "deployments")
	}
	return map[string]any{"service": answer}, nil
}

// page slices items by the numeric nextToken the fake hands out.
func page(items []string, maxResults int, token string) ([]string, string, *ecsError) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", invalidParam("Invalid nextToken %q.", token)
		}
		start = n
	}
	if maxResults <= 0 || maxResults > 100 {
		maxResults = 100
	}
	end := min(start+maxResults, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func listOutput(key string, items []string, next string) map[string]any {
	if items == nil {
		items = []string{}
	}
	out := map[string]any{key: items}
	putString(out, "nextToken", next)
	return out
}

// listTasks lists the services' tasks (not the one-off ones), of one service when serviceName
// is given.
func (f *Fake) listTasks(req ecsRequest) (any, *ecsError) {
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	var only *service
	if req.ServiceName != "" {
		if only = f.serviceByRef(req.ServiceName); only == nil {
			return nil, serviceNotFound()
		}
	}
	desired := req.DesiredStatus
	if desired == "" {
		desired = "RUNNING"
	}
	var arns []string
	for _, t := range f.tasks {
		if t.desiredStatus != desired || (only != nil && t.svc != only) ||
			(req.StartedBy != "" && t.startedBy != req.StartedBy) ||
			(req.Family != "" && !strings.Contains(t.taskDefinition, ":task-definition/"+req.Family+":")) {
			continue
		}
		arns = append(arns, t.arn)
	}
	items, next, err := page(arns, req.MaxResults, req.NextToken)
	if err != nil {
		return nil, err
	}
	return listOutput("taskArns", items, next), nil
}

func (f *Fake) describeTasks(req ecsRequest) (any, *ecsError) {
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	if len(req.Tasks) == 0 || len(req.Tasks) > 100 {
		return nil, invalidParam("Tasks must hold between 1 and 100 task IDs or ARNs, got %d.", len(req.Tasks))
	}
	tasks := []any{}
	failures := []any{}
	for _, ref := range req.Tasks {
		var found *task
		for _, t := range f.tasks {
			if t.arn == ref || t.id == ref {
				found = t
			}
		}
		if found == nil {
			if o := f.findOneOff(ref); o != nil {
				tasks = append(tasks, f.oneOffJSON(o, time.Now()))
				continue
			}
			failures = append(failures, map[string]any{"arn": ref, "reason": "MISSING"})
			continue
		}
		tasks = append(tasks, f.taskJSON(found))
	}
	return map[string]any{"tasks": tasks, "failures": failures}, nil
}

func (f *Fake) taskJSON(t *task) map[string]any {
	attachmentID := "a" + t.id[1:8] + "-0000-4000-8000-" + t.id[8:20]
	attachmentStatus := "ATTACHED"
	if t.lastStatus == "STOPPED" {
		attachmentStatus = "DELETED"
	}
	containers := []any{}
	for _, c := range t.containers {
		cj := map[string]any{
			"containerArn": f.arn("container/" + f.cfg.Cluster + "/" + t.id + "/" + c.name),
			"taskArn":      t.arn,
			"name":         c.name,
			"image":        c.image,
			"lastStatus":   t.lastStatus,
			"healthStatus": "UNKNOWN",
			"networkInterfaces": []any{map[string]any{
				"attachmentId":       attachmentID,
				"privateIpv4Address": t.ip,
			}},
		}
		if c.exitCode != nil {
			cj["exitCode"] = *c.exitCode
		}
		putString(cj, "reason", c.reason)
		containers = append(containers, cj)
	}
	out := map[string]any{
		"taskArn":           t.arn,
		"clusterArn":        f.clusterArn,
		"taskDefinitionArn": t.taskDefinition,
		"group":             "service:" + t.svc.name,
		"startedBy":         t.startedBy,
		"lastStatus":        t.lastStatus,
		"desiredStatus":     t.desiredStatus,
		"launchType":        f.launchType(),
		"platformVersion":   "1.4.0",
		"cpu":               "256",
		"memory":            "512",
		"availabilityZone":  "us-east-1a",
		"healthStatus":      "UNKNOWN",
		"version":           1,
		"containers":        containers,
		"attachments": []any{map[string]any{
			"id":     attachmentID,
			"type":   "ElasticNetworkInterface",
			"status": attachmentStatus,
			"details": []any{
				map[string]any{"name": "subnetId", "value": "subnet-0aaa1111"},
				map[string]any{"name": "networkInterfaceId", "value": t.eniID},
				map[string]any{"name": "privateIPv4Address", "value": t.ip},
			},
		}},
	}
	if t.instance != "" {
		delete(out, "attachments")
		out["containerInstanceArn"] = t.containerInstance
		for _, c := range containers {
			cj := c.(map[string]any)
			delete(cj, "networkInterfaces")
			if cj["name"] == t.svc.container && t.lastStatus == "RUNNING" {
				cj["networkBindings"] = []any{map[string]any{"bindIP": "0.0.0.0", "containerPort": f.cfg.ContainerPort,
					"hostPort": t.hostPort, "protocol": "tcp"}}
			}
		}
	}
	putTime(out, "createdAt", t.createdAt)
	if !t.startedAt.IsZero() {
		// The image pull takes the middle three fifths of the time from placement to start.
		placed := t.startedAt.Sub(t.createdAt)
		putTime(out, "pullStartedAt", t.createdAt.Add(placed/5))
		putTime(out, "pullStoppedAt", t.createdAt.Add(placed*4/5))
	}
	putTime(out, "startedAt", t.startedAt)
	putTime(out, "stoppingAt", t.stoppedAt)
	putTime(out, "stoppedAt", t.stoppedAt)
	putString(out, "stoppedReason", t.stoppedReason)
	putString(out, "stopCode", t.stopCode)
	return out
}

func (f *Fake) serviceDeploymentsDisabled() *ecsError {
	if f.cfg.NoServiceDeployments {
		return &ecsError{"UnknownOperationException", "The action is not supported by this endpoint."}
	}
	return nil
}

func (f *Fake) listServiceDeployments(req ecsRequest) (any, *ecsError) {
	if err := f.serviceDeploymentsDisabled(); err != nil {
		return nil, err
	}
	if err := f.checkCluster(req.Cluster); err != nil {
		return nil, err
	}
	s := f.serviceByRef(req.Service)
	if s == nil {
		return nil, serviceNotFound()
	}
	var statuses []string
	if len(req.Status) > 0 {
		if err := json.Unmarshal(req.Status, &statuses); err != nil {
			return nil, invalidParam("status must be a list of service deployment statuses: %v", err)
		}
	}
	var arns []string
	byArn := map[string]*serviceDeploymentRecord{}
	for i := len(s.records) - 1; i >= 0; i-- { // newest first
		r := s.records[i]
		if len(statuses) > 0 && !slices.Contains(statuses, r.status) {
			continue
		}
		arns = append(arns, r.arn)
		byArn[r.arn] = r
	}
	items, next, err := page(arns, req.MaxResults, req.NextToken)
	if err != nil {
		return nil, err
	}
	briefs := []any{}
	for _, a := range items {
		r := byArn[a]
		b := map[string]any{
			"serviceDeploymentArn":     r.arn,
			"serviceArn":               s.arn,
			"clusterArn":               f.clusterArn,
			"status":                   r.status,
			"targetServiceRevisionArn": r.targetRevision,
		}
		putString(b, "statusReason", r.statusReason)
		putTime(b, "createdAt", r.createdAt)
		putTime(b, "startedAt", r.startedAt)
		putTime(b, "finishedAt", r.finishedAt)
		briefs = append(briefs, b)
	}
	out := map[string]any{"serviceDeployments": briefs}
	putString(out, "nextToken", next)
	return out, nil
}

func (f *Fake) describeServiceDeployments(req ecsRequest) (any, *ecsError) {
	if err := f.serviceDeploymentsDisabled(); err != nil {
		return nil, err
	}
	if len(req.ServiceDeploymentArns) == 0 || len(req.ServiceDeploymentArns) > 20 {
		return nil, invalidParam("serviceDeploymentArns must hold between 1 and 20 ARNs, got %d.", len(req.ServiceDeploymentArns))
	}
	found := []any{}
	failures := []any{}
	for _, a := range req.ServiceDeploymentArns {
		var r *serviceDeploymentRecord
		for _, s := range f.services {
			for _, x := range s.records {
				if x.arn == a {
					r = x
				}
			}
		}
		if r == nil {
			failures = append(failures, map[string]any{"arn": a, "reason": "MISSING"})
			continue
		}
		found = append(found, f.serviceDeploymentJSON(r))
	}
	return map[string]any{"serviceDeployments": found, "failures": failures}, nil
}

func (f *Fake) serviceDeploymentJSON(r *serviceDeploymentRecord) map[string]any {
	s := r.svc
	running, pending := 0, 0
	for _, d := range s.allDeployments {
		if d.record == r && d.taskDefinition == r.targetTaskDef {
			running, pending = f.counts(d)
		}
	}
	out := map[string]any{
		"serviceDeploymentArn": r.arn,
		"serviceArn":           s.arn,
		"clusterArn":           f.clusterArn,
		"status":               r.status,
		"targetServiceRevision": map[string]any{
			"arn":                r.targetRevision,
			"requestedTaskCount": r.desiredCount,
			"runningTaskCount":   running,
			"pendingTaskCount":   pending,
		},
		"deploymentCircuitBreaker": map[string]any{
			"status":       r.breakerStatus,
			"failureCount": r.breakerFailures,
			"threshold":    3,
		},
		"deploymentConfiguration": map[string]any{
			"deploymentCircuitBreaker": map[string]any{"enable": s.circuitBreaker.Enable, "rollback": s.circuitBreaker.Rollback},
			"maximumPercent":           200,
			"minimumHealthyPercent":    100,
		},
	}
	if r.sourceRevision != "" {
		out["sourceServiceRevisions"] = []any{map[string]any{"arn": r.sourceRevision, "requestedTaskCount": r.desiredCount}}
	}
	if r.status == "IN_PROGRESS" {
		out["lifecycleStage"] = "SCALE_UP"
	}
	putString(out, "statusReason", r.statusReason)
	putTime(out, "createdAt", r.createdAt)
	putTime(out, "startedAt", r.startedAt)
	putTime(out, "updatedAt", r.updatedAt)
	putTime(out, "finishedAt", r.finishedAt)
	putTime(out, "stoppedAt", r.stoppedAt)
	if r.rollbackReason != "" {
		rb := map[string]any{"reason": r.rollbackReason, "serviceRevisionArn": r.rollbackTarget}
		putTime(rb, "startedAt", r.rollbackAt)
		out["rollback"] = rb
	}
	return out
}

func (f *Fake) listTaskDefinitions(req ecsRequest) (any, *ecsError) {
	status := "ACTIVE"
	if len(req.Status) > 0 {
		if err := json.Unmarshal(req.Status, &status); err != nil {
			return nil, invalidParam("status must be ACTIVE, INACTIVE or DELETE_IN_PROGRESS: %v", err)
		}
	}
	var all []*taskDefinition
	for _, revs := range f.taskDefs {
		for _, td := range revs {
			if td.status == status && strings.HasPrefix(td.family, req.FamilyPrefix) &&
				(req.FamilyPrefix == "" || td.family == req.FamilyPrefix) {
				all = append(all, td)
			}
		}
	}
	slices.SortFunc(all, func(a, b *taskDefinition) int {
		if c := strings.Compare(a.family, b.family); c != 0 {
			return c
		}
		return a.revision - b.revision
	})
	if req.Sort == "DESC" {
		slices.Reverse(all)
	}
	var arns []string
	for _, td := range all {
		arns = append(arns, td.arn)
	}
	items, next, err := page(arns, req.MaxResults, req.NextToken)
	if err != nil {
		return nil, err
	}
	return listOutput("taskDefinitionArns", items, next), nil
}

// Package environments loads ci/environments.json, the one declarative list of
// places the service can be deployed to, and answers the questions the
// pipeline asks about it: which AWS account, cluster and service an
// environment means, which GitHub event deploys where, and whether the
// credentials at hand really belong to the target account.
//
// The file is validated as a whole: every problem is reported at once, each
// naming the environment, the key and the fix, so a typo never costs more than
// one round trip.
//
// Schema: {"environments": {NAME: SETTINGS, ...}} where NAME is lower-case
// letters, digits and dashes, and SETTINGS has these keys (null means unset):
//
//	kind              "ecs" (default) or "local" (runs in Dagger, takes none of the AWS keys below)
//	region            AWS region code, e.g. "eu-west-1"                      (ecs: required)
//	accountId         12-digit account ID as a string, e.g. "123456789012"   (ecs: required)
//	ecrRepository     repository name, not URI, e.g. "acme/service"          (ecs: required)
//	cluster           ECS cluster name                                       (ecs: required)
//	service           ECS service name                                       (ecs: required, unless services)
//	container         container in the task definition that gets the image  (ecs: required, unless services)
//	taskDefinition    "live" (clone the running one) or a repo-relative .json path (ecs: required, unless services)
//	services          instead of the three keys above, several services of the cluster deployed as one
//	                  release, at most 10: [{"service": "web", "container": "app", "taskDefinition": "live"},
//	                  {"service": "worker", "container": "worker", "taskDefinition": "live"}]; each gets the
//	                  image in its own container and revision, all are watched together, and if one fails
//	                  all are rolled back. The first is the main one: the migration runs as its task
//	smokeTestURL      ALB base URL with scheme, no path, or "none"           (ecs: required)
//	smokeTestPath     path probed after rollout, starts with "/"             (default "/")
//	waitTimeout       Go duration bounding the rollout wait, at most 3h      (default: ecs derived, local 2m)
//	requiresApproval  true when a person must approve the deploy             (default false)
//	deployOn          {"event": "push", "branches": ["main", "feature/*"]} or {"event": "release"};
//	                  absent means manual deploys only
//	promoteFrom       another ECS environment, e.g. "staging": a deploy builds nothing and takes the
//	                  image that one deployed for the commit (its sha-<12 hex> tag in this
//	                  environment's own ECR repository)                     (ecs: optional)
//	notifyTopic       ARN of an SNS topic told of every deploy's outcome      (ecs: optional)
//	migration         {"command": ["/app/service", "migrate"], "timeout": "10m"}: run once as a
//	                  one-off task of the new revision (the container's command replaced) before the
//	                  service is updated; the service is updated only if it exits 0. timeout is a
//	                  Go duration, at most 3h                                  (ecs: optional; timeout default 10m)
//	site              {"directory": "app/site", "bucket": "acme-web-staging", "distributionId": "E2QWRUHEXAMPLE",
//	                  "invalidationTimeout": "10m"}: a static site, built from the repo-relative directory
//	                  (it must hold index.html), synced to the S3 bucket after the service's rollout
//	                  succeeded, its changed pages invalidated in the CloudFront distribution and waited
//	                  for at most invalidationTimeout, a Go duration up to 3h (ecs: optional; timeout default 10m)
package environments

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// Kind says where an environment runs.
type Kind string

const (
	// KindECS is an Amazon ECS service behind an ALB (the default).
	KindECS Kind = "ecs"
	// KindLocal runs the service inside the Dagger engine and needs no AWS.
	KindLocal Kind = "local"
)

// TaskDefinitionLive is the taskDefinition value that clones the task
// definition the service runs today instead of reading a committed file.
const TaskDefinitionLive = "live"

// DefaultLocalWaitTimeout bounds the wait for a local environment to become healthy when
// waitTimeout is unset. An ECS environment without waitTimeout has none: the deploy engine
// derives it from its target groups' health checks and deregistration delay.
const DefaultLocalWaitTimeout = 2 * time.Minute

// NoSmokeTest as smokeTestURL turns the smoke test off, for deploys that run where the load
// balancer cannot be reached (an internal ALB seen from a hosted CI runner): the target health the
// deploy waits for is then the only check.
const NoSmokeTest = "none"

// DefaultSmokeTestPath is probed when smokeTestPath is unset.
const DefaultSmokeTestPath = "/"

// Environment is one validated entry of environments.json.
type Environment struct {
	// Name is the key the environment has in the file, e.g. "staging".
	Name string
	// Kind is KindECS or KindLocal.
	Kind Kind
	// Region is the AWS region, e.g. "eu-west-1"; empty for local.
	Region string
	// AccountID is the 12-digit AWS account the environment lives in; empty for local.
	AccountID string
	// ECRRepository is the repository name (not the URI) images are pushed to.
	ECRRepository string
	// Cluster, Service and Container name the ECS cluster, service and the
	// container whose image a deploy replaces: the main service's, the first of Services.
	Cluster, Service, Container string
	// TaskDefinition is TaskDefinitionLive or a JSON file path relative to the repository root:
	// the main service's.
	TaskDefinition string
	// Services are the services a deploy changes, the main one first: one for an environment
	// with the service key, the list of its services key otherwise; empty for local.
	Services []Service
	// DeployOn says which GitHub event deploys here; zero when only manual deploys do.
	DeployOn DeployTrigger
	// RequiresApproval is true when a human must approve a deploy (a GitHub environment with reviewers).
	RequiresApproval bool
	// SmokeTestPath is the HTTP path probed after a rollout; it starts with "/".
	SmokeTestPath string
	// SmokeTestURL is the base URL of the load balancer, e.g. "http://my-alb-1.eu-west-1.elb.amazonaws.com";
	// empty for local, and when the environment turned the smoke test off.
	SmokeTestURL string
	// WaitTimeout bounds the wait for the rollout to become stable; zero for an ECS environment
	// means the deploy engine derives it from the target groups.
	WaitTimeout time.Duration
	// PromoteFrom names the environment whose deployed image a deploy here takes instead of
	// building one; empty when deploys build.
	PromoteFrom string
	// NotifyTopic is the ARN of the SNS topic told of each deploy's outcome; empty for none.
	NotifyTopic string
	// Migration is the command a deploy runs once on the new revision before it updates the
	// service; nil for none.
	Migration *Migration
	// Site is the static site a deploy ships after the service's rollout; nil for none.
	Site *Site
}

// Site is an environment's site key.
type Site struct {
	Directory      string // the site's source, relative to the repository root, e.g. "app/site"
	Bucket         string // the S3 bucket it is served from
	DistributionID string // the CloudFront distribution in front of the bucket
	// InvalidationTimeout bounds the wait for CloudFront's invalidation; 0: the site package's default.
	InvalidationTimeout time.Duration
}

// Service is one ECS service of an environment: its name, the container that gets the image,
// and where its task definition comes from (TaskDefinitionLive or a repository path).
type Service struct {
	Service, Container, TaskDefinition string
}

// UsesLiveTaskDefinition reports whether a deploy clones the service's running task definition.
func (s Service) UsesLiveTaskDefinition() bool { return s.TaskDefinition == TaskDefinitionLive }

// Migration is an environment's migration key.
type Migration struct {
	Command []string      // replaces the command of the environment's container
	Timeout time.Duration // 0: the deploy engine's default
}

// Promoted reports whether a deploy takes the image another environment deployed rather than
// building it: what reaches it was tried there first.
func (e Environment) Promoted() bool { return e.PromoteFrom != "" }

// IsLocal reports whether the environment runs without AWS.
func (e Environment) IsLocal() bool { return e.Kind == KindLocal }

// UsesLiveTaskDefinition reports whether a deploy clones the running task
// definition rather than reading the committed file named by TaskDefinition.
func (e Environment) UsesLiveTaskDefinition() bool { return e.TaskDefinition == TaskDefinitionLive }

// RegistryHost is the ECR registry of the environment's account and region,
// e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com"; empty for local.
func (e Environment) RegistryHost() string {
	if e.IsLocal() {
		return ""
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(e.Region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s", e.AccountID, e.Region, suffix)
}

// ImageRepository is the full image repository without tag, e.g.
// "123456789012.dkr.ecr.eu-west-1.amazonaws.com/service"; empty for local.
func (e Environment) ImageRepository() string {
	if e.IsLocal() {
		return ""
	}
	return e.RegistryHost() + "/" + e.ECRRepository
}

// SmokeTestTarget is SmokeTestURL joined with SmokeTestPath; empty for local.
func (e Environment) SmokeTestTarget() string {
	if e.SmokeTestURL == "" {
		return ""
	}
	return strings.TrimRight(e.SmokeTestURL, "/") + e.SmokeTestPath
}

// Config is the validated content of environments.json.
type Config struct {
	environments map[string]Environment
}

// LoadFile reads and validates an environments.json file.
func LoadFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the environments file: %w; pass the path of ci/environments.json", err)
	}
	cfg, err := Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Load parses and validates the content of an environments.json file. On
// failure the error is a *ValidationError listing every problem found.
func Load(data []byte) (*Config, error) {
	raw, problems := decode(data)
	if raw != nil {
		problems = append(problems, validate(raw)...)
	}
	if len(problems) > 0 {
		return nil, newValidationError(problems)
	}
	cfg := &Config{environments: make(map[string]Environment, len(raw))}
	for _, r := range raw {
		cfg.environments[r.name] = r.environment()
	}
	return cfg, nil
}

// Names lists the environment names in alphabetical order.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.environments))
	for name := range c.environments {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Summary is the one line that says the file named file passed validation, with the environments
// it holds.
func (c *Config) Summary(file string) string {
	names := c.Names()
	return fmt.Sprintf("%s: %d environments, all valid: %s", file, len(names), strings.Join(names, ", "))
}

// Get returns the named environment. An unknown name yields an error that
// lists the known ones and suggests the closest.
func (c *Config) Get(name string) (Environment, error) {
	if env, ok := c.environments[name]; ok {
		return env, nil
	}
	names := c.Names()
	msg := fmt.Sprintf("unknown environment %q; environments.json defines: %s", name, strings.Join(names, ", "))
	if s := suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return Environment{}, fmt.Errorf("%s", msg)
}

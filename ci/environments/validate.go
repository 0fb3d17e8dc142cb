package environments

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/distribution/reference"

	"dagger/pipeline/notify"
)

var (
	envNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	// Region codes look like eu-west-1, us-gov-west-1 or ap-southeast-2.
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// The ECR repository name grammar from the ECR API reference.
	ecrRepositoryPattern = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// ECS cluster, service and container names: letters, digits, - and _.
	ecsNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
)

// maxWaitTimeout caps waitTimeout: a longer wait would only postpone a
// failure that a person must look at anyway.
const maxWaitTimeout = 3 * time.Hour

// awsKeys are the settings that only make sense for an environment on AWS.
var awsKeys = []string{"region", "accountId", "ecrRepository", "cluster", "service", "container", "taskDefinition", "services", "smokeTestURL", "promoteFrom", "notifyTopic", "migration", "site"}

// validate checks every raw environment and the environments against each
// other, collecting all problems.
func validate(envs []rawEnvironment) []Problem {
	var problems []Problem
	for _, env := range envs {
		problems = append(problems, validateEnvironment(env)...)
	}
	problems = append(problems, validateTriggers(envs)...)
	return append(problems, validatePromotions(envs)...)
}

func validateEnvironment(env rawEnvironment) []Problem {
	c := checker{env: env.name}
	j := env.json
	if !envNamePattern.MatchString(env.name) {
		c.add("", "the name is not usable as a --env value or a GitHub concurrency group",
			"use lower-case letters, digits and dashes, starting with a letter, e.g. \"staging\" or \"prod-eu\"")
	}
	switch Kind(j.Kind) {
	case "", KindECS:
		c.checkECS(env)
	case KindLocal:
		for _, key := range awsKeys {
			if env.keys[key] {
				c.add(key, "a local environment runs inside the Dagger engine and uses no AWS setting",
					fmt.Sprintf("remove %q, or set \"kind\": \"ecs\" to deploy to AWS", key))
			}
		}
	default:
		c.add("kind", fmt.Sprintf("%q is not a kind of environment", j.Kind),
			`use "ecs" (Amazon ECS behind an ALB, the default) or "local" (no AWS)`)
	}
	if j.SmokeTestPath != "" {
		c.checkSmokeTestPath(j.SmokeTestPath)
	}
	if env.keys["waitTimeout"] {
		c.checkWaitTimeout(j.WaitTimeout)
	}
	if j.DeployOn != nil {
		c.checkDeployOn(*j.DeployOn)
	}
	if j.Migration != nil && Kind(j.Kind) != KindLocal {
		c.checkMigration(*j.Migration)
	}
	if j.Site != nil && Kind(j.Kind) != KindLocal {
		c.checkSite(*j.Site)
	}
	return c.problems
}

// checker accumulates the problems of one environment.
type checker struct {
	env      string
	problems []Problem
}

func (c *checker) add(key, message, fix string) {
	c.problems = append(c.problems, Problem{Environment: c.env, Key: key, Message: message, Fix: fix})
}

func (c *checker) missing(key, why, example string) {
	c.add(key, "is missing; "+why, fmt.Sprintf("add %q: %s", key, example))
}

func (c *checker) checkECS(env rawEnvironment) {
	j := env.json
	switch {
	case j.Region == "":
		c.missing("region", "the deploy needs to know which AWS region to call", `"eu-west-1"`)
	case !regionPattern.MatchString(j.Region):
		c.add("region", fmt.Sprintf("%q is not an AWS region code", j.Region),
			`write a region code such as "eu-west-1" or "us-east-1" (not a display name, and not an availability zone like "eu-west-1a")`)
	}
	switch {
	case j.AccountID == "":
		c.missing("accountId", "it guards against deploying with credentials of the wrong account", `"123456789012"`)
	case !accountIDPattern.MatchString(j.AccountID):
		c.add("accountId", fmt.Sprintf("%q is not a 12-digit AWS account ID", j.AccountID),
			`write exactly 12 digits in quotes, e.g. "123456789012" (keep leading zeros, no dashes)`)
	}
	c.checkECRRepository(j.ECRRepository)
	// Examples are placeholders: one that is some environment's real value (acme-staging) would
	// tell prod to deploy to staging's cluster.
	c.checkECSName("cluster", j.Cluster, "the ECS cluster that runs the service", `"my-cluster"`)
	if env.keys["services"] {
		c.checkServices(env)
	} else {
		c.checkECSName("service", j.Service, "the ECS service to update", `"web"`)
		c.checkECSName("container", j.Container, "the container in the task definition whose image is replaced", `"app"`)
		c.checkTaskDefinition("taskDefinition", j.TaskDefinition)
	}
	c.checkSmokeTestURL(j.SmokeTestURL)
	if env.keys["notifyTopic"] {
		if err := notify.CheckTopic(j.NotifyTopic); err != nil {
			c.add("notifyTopic", err.Error(), topicFix)
		}
	}
}

// topicFix says how to name a notification topic.
const topicFix = `write the topic's ARN, e.g. "arn:aws:sns:eu-west-1:123456789012:deploys" (aws sns list-topics), or remove the key`

func (c *checker) checkECRRepository(repo string) {
	switch {
	case repo == "":
		c.missing("ecrRepository", "the deploy pushes the image there", `"acme/service"`)
	case strings.Contains(repo, ".dkr.ecr.") || strings.Contains(repo, ":"):
		name := repo
		if named, err := reference.ParseNormalizedNamed(repo); err == nil {
			name = reference.Path(named)
			if reference.Domain(named) == "docker.io" {
				// Without a registry the name is as written, not docker.io's library/ form.
				name = reference.FamiliarName(named)
			}
		}
		c.add("ecrRepository", fmt.Sprintf("%q is an image URI, not a repository name", repo),
			fmt.Sprintf("write only the repository name, e.g. %q; the registry is derived from accountId and region and the tag from the build", name))
	case len(repo) < 2 || len(repo) > 256 || !ecrRepositoryPattern.MatchString(repo):
		c.add("ecrRepository", fmt.Sprintf("%q is not a valid ECR repository name", repo),
			`use 2-256 lower-case letters, digits and . _ - separators, optionally with / namespaces, e.g. "acme/service"`)
	}
}

func (c *checker) checkECSName(key, value, what, example string) {
	switch {
	case value == "":
		c.missing(key, "the deploy must know "+what, example)
	case strings.HasPrefix(value, "arn:"):
		c.add(key, fmt.Sprintf("%q is an ARN", value), "write the plain name, the part after the last \"/\"")
	case !ecsNamePattern.MatchString(value):
		c.add(key, fmt.Sprintf("%q is not a valid ECS name", value), "use up to 255 letters, digits, - and _")
	}
}

// maxServices is how many services one environment deploys together (deploy.MaxServices: one
// DescribeServices call reads them all).
const maxServices = 10

// checkServices checks the services list, the form of an environment that deploys several
// services as one release, instead of service, container and taskDefinition.
func (c *checker) checkServices(env rawEnvironment) {
	for _, key := range []string{"service", "container", "taskDefinition"} {
		if env.keys[key] {
			c.add(key, `is set next to "services"; the first entry of "services" is the environment's main service`,
				`move it into the first entry of "services", or remove "services" to deploy one service`)
		}
	}
	list := env.json.Services
	switch {
	case list == nil:
		return // not a list: decode said so
	case len(list) == 0:
		c.add("services", "is empty; an environment deploys at least one service", objectExamples["services"])
	case len(list) > maxServices:
		c.add("services", fmt.Sprintf("lists %d services; one deploy watches at most %d (one DescribeServices call reads ten)", len(list), maxServices),
			"split them into several environments")
	}
	seen := map[string]int{}
	for i, s := range list {
		key := fmt.Sprintf("services[%d].", i)
		c.checkECSName(key+"service", s.Service, "the ECS service to update", `"worker"`)
		c.checkECSName(key+"container", s.Container, "the container in the task definition whose image is replaced", `"worker"`)
		c.checkTaskDefinition(key+"taskDefinition", s.TaskDefinition)
		if first, ok := seen[s.Service]; ok && s.Service != "" {
			c.add(key+"service", fmt.Sprintf("%q is listed twice (also services[%d])", s.Service, first), "list each service once")
		}
		seen[s.Service] = i
	}
}

func (c *checker) checkTaskDefinition(key, source string) {
	switch {
	case source == "":
		c.missing(key, "the deploy must know where the task definition comes from",
			`"live" to clone the running one, or a committed file such as "deploy/taskdef.json"`)
	case source == TaskDefinitionLive:
	case !strings.HasSuffix(source, ".json"):
		c.add(key, fmt.Sprintf("%q is neither \"live\" nor a .json file", source),
			`write "live" to clone the running task definition, or the path of a committed JSON file relative to the repository root`)
	case path.IsAbs(source) || strings.Contains(source, `\`) || path.Clean(source) != source || strings.HasPrefix(source, "../"):
		c.add(key, fmt.Sprintf("%q is not a clean path inside the repository", source),
			`write a path relative to the repository root with forward slashes and no "..", e.g. "deploy/taskdef.json"`)
	}
}

func (c *checker) checkSmokeTestURL(raw string) {
	if raw == "" {
		c.missing("smokeTestURL", "the deploy smoke-tests the new revision through the load balancer",
			`"http://my-alb-123456.eu-west-1.elb.amazonaws.com" (the ALB's DNS name with its scheme), or "`+NoSmokeTest+
				`" when deploys run where the load balancer cannot be reached (an internal ALB)`)
		return
	}
	if raw == NoSmokeTest {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		c.add("smokeTestURL", fmt.Sprintf("%q is not an absolute URL", raw),
			fmt.Sprintf("write the scheme too, e.g. \"http://%s\"", strings.TrimPrefix(raw, "//")))
		return
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		c.add("smokeTestURL", fmt.Sprintf("scheme %q cannot be smoke-tested", u.Scheme), `use "http://" or "https://"`)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		c.add("smokeTestURL", fmt.Sprintf("%q has a path, query or fragment", raw),
			fmt.Sprintf("keep only %q here and put the path in \"smokeTestPath\"", u.Scheme+"://"+u.Host))
	}
}

func (c *checker) checkSmokeTestPath(p string) {
	switch {
	case strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://"):
		c.add("smokeTestPath", fmt.Sprintf("%q is a URL, not a path", p), `put the host in "smokeTestURL" and only the path, e.g. "/health", here`)
	case !strings.HasPrefix(p, "/"):
		c.add("smokeTestPath", fmt.Sprintf("%q does not start with \"/\"", p), fmt.Sprintf("write %q", "/"+p))
	case strings.ContainsAny(p, " \t\r\n"):
		c.add("smokeTestPath", fmt.Sprintf("%q contains white space", p), "URL-encode it or remove it")
	}
}

func (c *checker) checkWaitTimeout(raw string) {
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil:
		c.add("waitTimeout", fmt.Sprintf("%q is not a duration", raw), `write a Go duration such as "10m", "90s" or "1h30m", or remove the key to derive it from the target groups`)
	case d <= 0:
		c.add("waitTimeout", fmt.Sprintf("%q is not positive", raw), `write a positive duration such as "10m"`)
	case d > maxWaitTimeout:
		c.add("waitTimeout", fmt.Sprintf("%q exceeds the %s limit", raw, maxWaitTimeout), "a rollout that takes longer needs a person; use at most \"3h\"")
	}
}

// maxMigrationTimeout caps migration.timeout: the deploy, and the service's new image, wait for it.
const maxMigrationTimeout = 3 * time.Hour

func (c *checker) checkMigration(m migrationJSON) {
	switch {
	case len(m.Command) == 0:
		c.add("migration.command", "is missing or empty; a one-off task without a command would run the service itself, which never exits",
			`add "command": ["/app/service", "migrate"] (the program and its arguments, as in the task definition), or remove "migration"`)
	case strings.TrimSpace(m.Command[0]) == "":
		c.add("migration.command", "starts with an empty program name", `write the program first, e.g. ["/app/service", "migrate"]`)
	case len(m.Command) == 1 && strings.Contains(m.Command[0], " "):
		c.add("migration.command", fmt.Sprintf("%q is one string with spaces; ECS runs it as a single program name", m.Command[0]),
			fmt.Sprintf("split it into a list, e.g. %q, or write [\"sh\", \"-c\", %q] for a shell", strings.Fields(m.Command[0]), m.Command[0]))
	}
	if m.Timeout == "" {
		return
	}
	d, err := time.ParseDuration(m.Timeout)
	switch {
	case err != nil:
		c.add("migration.timeout", fmt.Sprintf("%q is not a duration", m.Timeout), `write a Go duration such as "10m" or "1h", or remove the key for the default 10m`)
	case d <= 0:
		c.add("migration.timeout", fmt.Sprintf("%q is not positive", m.Timeout), `write a positive duration such as "10m"`)
	case d > maxMigrationTimeout:
		c.add("migration.timeout", fmt.Sprintf("%q exceeds the %s limit", m.Timeout, maxMigrationTimeout), "a migration that takes longer needs a person; use at most \"3h\", or run it outside the deploy")
	}
}

// environment turns a validated raw environment into an Environment with
// defaults applied.
func (r rawEnvironment) environment() Environment {
	j := r.json
	env := Environment{
		Name:             r.name,
		Kind:             Kind(j.Kind),
		Region:           j.Region,
		AccountID:        j.AccountID,
		ECRRepository:    j.ECRRepository,
		Cluster:          j.Cluster,
		Service:          j.Service,
		Container:        j.Container,
		TaskDefinition:   j.TaskDefinition,
		RequiresApproval: j.RequiresApproval,
		SmokeTestPath:    j.SmokeTestPath,
		SmokeTestURL:     strings.TrimRight(j.SmokeTestURL, "/"),
		PromoteFrom:      j.PromoteFrom,
		NotifyTopic:      j.NotifyTopic,
	}
	for _, s := range j.Services {
		env.Services = append(env.Services, Service(s))
	}
	if len(env.Services) > 0 {
		env.Service, env.Container, env.TaskDefinition = env.Services[0].Service, env.Services[0].Container, env.Services[0].TaskDefinition
	} else if env.Kind != KindLocal {
		env.Services = []Service{{Service: j.Service, Container: j.Container, TaskDefinition: j.TaskDefinition}}
	}
	if env.SmokeTestURL == NoSmokeTest {
		env.SmokeTestURL = ""
	}
	if env.Kind == "" {
		env.Kind = KindECS
	}
	if env.Kind == KindLocal {
		env.WaitTimeout = DefaultLocalWaitTimeout
	}
	if env.SmokeTestPath == "" {
		env.SmokeTestPath = DefaultSmokeTestPath
	}
	if j.WaitTimeout != "" {
		env.WaitTimeout, _ = time.ParseDuration(j.WaitTimeout)
	}
	if j.Migration != nil {
		env.Migration = &Migration{Command: append([]string(nil), j.Migration.Command...)}
		env.Migration.Timeout, _ = time.ParseDuration(j.Migration.Timeout)
	}
	if j.Site != nil {
		env.Site = &Site{Directory: j.Site.Directory, Bucket: j.Site.Bucket, DistributionID: j.Site.DistributionID}
		env.Site.InvalidationTimeout, _ = time.ParseDuration(j.Site.InvalidationTimeout)
	}
	if j.DeployOn != nil {
		env.DeployOn = DeployTrigger{Event: Event(j.DeployOn.Event), Branches: append([]string(nil), j.DeployOn.Branches...)}
	}
	return env
}

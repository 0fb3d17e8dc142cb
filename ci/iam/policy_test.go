package iam

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// iamPrefix maps an SDK service package to its IAM service prefix. A service the code starts to
// use fails TestPolicyAllowsEveryOperationTheCodeCalls until it is added here and its actions to
// deploy-policy.json.
var iamPrefix = map[string]string{
	"ecs":                    "ecs",
	"elasticloadbalancingv2": "elasticloadbalancing",
	"ecr":                    "ecr",
	"sts":                    "sts",
	"sns":                    "sns",
	"cloudwatchlogs":         "logs",
	"s3":                     "s3",
	"cloudfront":             "cloudfront",
}

// authorizedAs names the IAM actions of operations that IAM authorizes under other names than
// their own.
var authorizedAs = map[string][]struct{ action, why string }{
	"s3:ListObjectsV2": {{"s3:ListBucket", "S3 authorizes listing a bucket's objects as s3:ListBucket"}},
	"s3:HeadObject": {
		{"s3:GetObject", "S3 authorizes HeadObject as s3:GetObject"},
		{"s3:GetObjectVersion", "a rollback asks for a version by its ID, which S3 authorizes as s3:GetObjectVersion"},
	},
	"s3:CopyObject": {
		{"s3:PutObject", "S3 authorizes a copy's destination as s3:PutObject"},
		{"s3:GetObjectVersion", "a rollback copies from a version by its ID, which S3 authorizes as s3:GetObjectVersion"},
	},
}

// impliedActions are the IAM actions an operation needs besides its own, which the code cannot
// show: AWS authorizes them inside the call, or the call goes through another API.
var impliedActions = map[string][]struct{ action, why string }{
	"ecs:RegisterTaskDefinition": {
		{"ecs:TagResource", "a new revision carries the task definition's tags (cloned with Include TAGS, or from the committed file), and tagging on create needs ecs:TagResource"},
		{"iam:PassRole", "a new revision names the task role and the execution role, which the caller passes to ECS"},
	},
	// Images are pushed by the Dagger engine through the registry API, logged in with the
	// GetAuthorizationToken token: ECR authorizes each step of the push as its own action.
	registryPush: {
		{"ecr:BatchCheckLayerAvailability", "the push asks which layers the repository already has"},
		{"ecr:InitiateLayerUpload", "the push uploads the missing layers"},
		{"ecr:UploadLayerPart", "the push uploads the missing layers"},
		{"ecr:CompleteLayerUpload", "the push uploads the missing layers"},
		{"ecr:PutImage", "the push writes the manifest under each tag"},
		{"ecr:BatchGetImage", "the push reads manifests back (the registry's HEAD and GET of a tag)"},
	},
}

// starOnlyActions can only be granted on "Resource": "*": the Service Authorization Reference
// lists no resource type for them, so an ARN there would deny them.
var starOnlyActions = []string{
	"ecs:DescribeTaskDefinition",
	"ecs:ListTaskDefinitions",
	"ecs:DeregisterTaskDefinition",
	"elasticloadbalancing:DescribeTargetGroups",
	"elasticloadbalancing:DescribeTargetGroupAttributes",
	"elasticloadbalancing:DescribeTargetHealth",
	"ecr:GetAuthorizationToken",
	"sts:GetCallerIdentity",
}

// clusterConditionedActions are granted on "*" but only in the environment's cluster: ListTasks
// authorizes a container instance, which Fargate tasks do not have, so ecs:cluster scopes it.
var clusterConditionedActions = []string{"ecs:ListTasks"}

// placeholders are the names in the policies' ARNs and subjects that a team replaces; the README
// explains each.
var placeholders = []string{
	"<ACCOUNT_ID>", "<REGION>", "<CLUSTER>", "<SERVICE>", "<TASK_FAMILY>", "<ECR_REPOSITORY>",
	"<TASK_ROLE>", "<EXECUTION_ROLE>", "<NOTIFY_TOPIC>", "<LOG_GROUP>",
	"<GITHUB_ORG>", "<GITHUB_ORG_ID>", "<GITHUB_REPO>", "<GITHUB_REPO_ID>", "<GITHUB_ENVIRONMENT>",
	"<SITE_BUCKET>", "<DISTRIBUTION_ID>",
}

// policy is an IAM policy document; Action, Resource and condition values may be a string or a
// list, so they are read as stringList.
type policy struct {
	Version   string
	Statement []statement
}

type statement struct {
	Sid       string                           `json:",omitempty"`
	Effect    string                           `json:",omitempty"`
	Principal map[string]stringList            `json:",omitempty"`
	Action    stringList                       `json:",omitempty"`
	Resource  stringList                       `json:",omitempty"`
	Condition map[string]map[string]stringList `json:",omitempty"`
}

type stringList []string

func (s *stringList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*s = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", data)
	}
	*s = many
	return nil
}

func loadPolicy(t *testing.T, file string) (*policy, string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p policy
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if p.Version != "2012-10-17" || len(p.Statement) == 0 {
		t.Fatalf("%s: want Version 2012-10-17 and statements", file)
	}
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: statement %s: Effect %q; these policies only allow", file, s.Sid, s.Effect)
		}
	}
	return &p, string(data)
}

// request is one API call as IAM evaluates it.
type request struct {
	action, resource string
	context          map[string]string // condition keys
}

// allows evaluates p for r the way IAM does for Allow statements: an action and a resource
// that match (globs with * and ?, actions case-insensitively) and every condition met. It knows
// the operators these policies use and fails on any other, rather than guess.
func (p *policy) allows(t *testing.T, r request) bool {
	t.Helper()
	for _, s := range p.Statement {
		if !slices.ContainsFunc(s.Action, func(a string) bool { return glob(strings.ToLower(a), strings.ToLower(r.action)) }) {
			continue
		}
		if r.resource != "" && !slices.ContainsFunc(s.Resource, func(res string) bool { return glob(res, r.resource) }) {
			continue
		}
		if conditionsMet(t, s.Condition, r.context) {
			return true
		}
	}
	return false
}

func conditionsMet(t *testing.T, conds map[string]map[string]stringList, ctx map[string]string) bool {
	t.Helper()
	for op, keys := range conds {
		for key, values := range keys {
			got, ok := ctx[key]
			if !ok {
				return false
			}
			var match func(pattern, value string) bool
			switch op {
			case "StringEquals", "ArnEquals":
				match = func(p, v string) bool { return p == v }
			case "StringLike", "ArnLike":
				match = glob
			default:
				t.Fatalf("condition operator %s: the test's evaluator does not know it", op)
			}
			if !slices.ContainsFunc(values, func(p string) bool { return match(p, got) }) {
				return false
			}
		}
	}
	return true
}

// glob matches IAM's wildcards: * any run of characters, ? one character.
func glob(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// actionsOf lists every action a policy names.
func actionsOf(p *policy) []string {
	var all []string
	for _, s := range p.Statement {
		all = append(all, s.Action...)
	}
	return all
}

// requiredActions are the IAM actions the code needs, each with why.
func requiredActions(t *testing.T, ops map[string]*operation) map[string]string {
	t.Helper()
	need := map[string]string{}
	for key, op := range ops {
		if key == registryPush {
			continue
		}
		prefix, ok := iamPrefix[op.service]
		if !ok {
			t.Errorf("the code calls %s (%s), a service with no IAM prefix here: add it to iamPrefix and its actions to deploy-policy.json", key, strings.Join(op.at, ", "))
			continue
		}
		if renamed, ok := authorizedAs[key]; ok {
			for _, a := range renamed {
				need[a.action] = fmt.Sprintf("%s: %s (%s)", key, a.why, strings.Join(op.at, ", "))
			}
			continue
		}
		need[prefix+":"+op.name] = "called at " + strings.Join(op.at, ", ")
	}
	for key, op := range ops {
		for _, extra := range impliedActions[key] {
			if _, ok := need[extra.action]; !ok {
				need[extra.action] = fmt.Sprintf("%s: %s (%s)", key, extra.why, strings.Join(op.at, ", "))
			}
		}
	}
	if ops[registryPush] != nil && ops["ecr:GetAuthorizationToken"] == nil {
		t.Errorf("the code pushes images (%s) but no longer logs in to ECR: check whether the ECR push actions are still needed", strings.Join(ops[registryPush].at, ", "))
	}
	return need
}

func TestPolicyAllowsEveryOperationTheCodeCalls(t *testing.T) {
	ops := calledOperations(t, newChecker(t))
	need := requiredActions(t, ops)
	p, _ := loadPolicy(t, "deploy-policy.json")

	var names []string
	for action := range need {
		names = append(names, action)
	}
	sort.Strings(names)
	t.Logf("the deploy role needs %d actions:\n  %s", len(names), strings.Join(names, "\n  "))
	for _, action := range names {
		if !slices.Contains(actionsOf(p), action) {
			t.Errorf("deploy-policy.json lacks %s; %s", action, need[action])
		}
	}
	// Least privilege: a grant the code cannot use is one an attacker with the role could.
	for _, action := range actionsOf(p) {
		if _, ok := need[action]; !ok {
			t.Errorf("deploy-policy.json grants %s, which the code never needs; remove it", action)
		}
		if strings.ContainsAny(action, "*?") {
			t.Errorf("deploy-policy.json grants %s: name each action", action)
		}
	}
}

func TestPolicyScopesResources(t *testing.T) {
	p, _ := loadPolicy(t, "deploy-policy.json")
	for _, s := range p.Statement {
		star := slices.Contains(s.Resource, "*")
		if star && len(s.Resource) > 1 {
			t.Errorf("statement %s: Resource lists * with ARNs; * alone, or ARNs alone", s.Sid)
		}
		for _, action := range s.Action {
			switch {
			case slices.Contains(starOnlyActions, action) && !star:
				t.Errorf("statement %s: %s supports no resource-level permission; grant it on \"*\", an ARN denies it", s.Sid, action)
			case slices.Contains(clusterConditionedActions, action) && (!star || s.Condition["ArnEquals"]["ecs:cluster"] == nil):
				t.Errorf("statement %s: %s must be granted on \"*\" with the condition ArnEquals ecs:cluster", s.Sid, action)
			case star && !slices.Contains(starOnlyActions, action) && !slices.Contains(clusterConditionedActions, action):
				t.Errorf("statement %s: %s on \"*\"; scope it to the environment's ARNs", s.Sid, action)
			}
		}
	}
}

// sampleValues stand for the placeholders in the behaviour tests.
var sampleValues = map[string]string{
	"<ACCOUNT_ID>": "333333333333", "<REGION>": "eu-west-1", "<CLUSTER>": "acme-prod", "<SERVICE>": "service",
	"<TASK_FAMILY>": "service", "<ECR_REPOSITORY>": "acme/service", "<TASK_ROLE>": "service-task",
	"<EXECUTION_ROLE>": "service-execution", "<NOTIFY_TOPIC>": "deploys", "<LOG_GROUP>": "/ecs/service", "<GITHUB_ORG>": "acme", "<GITHUB_ORG_ID>": "1234",
	"<GITHUB_REPO>": "service", "<GITHUB_REPO_ID>": "5678", "<GITHUB_ENVIRONMENT>": "production",
	"<SITE_BUCKET>": "acme-web-prod", "<DISTRIBUTION_ID>": "E3PRODEXAMPLE1",
}

// filledPolicy is the policy in file with the sample values in place of the placeholders.
func filledPolicy(t *testing.T, file string) *policy {
	t.Helper()
	_, text := loadPolicy(t, file)
	for name, value := range sampleValues {
		text = strings.ReplaceAll(text, name, value)
	}
	var p policy
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestPolicyAllowsTheEnvironmentOnly(t *testing.T) {
	p := filledPolicy(t, "deploy-policy.json")
	const arn = "arn:aws:ecs:eu-west-1:333333333333:"
	passedToECS := map[string]string{"iam:PassedToService": "ecs-tasks.amazonaws.com"}
	tests := []struct {
		r    request
		want bool
	}{
		{request{"ecs:UpdateService", arn + "service/acme-prod/service", nil}, true},
		{request{"ecs:UpdateService", arn + "service/acme-prod/billing", nil}, false},
		{request{"ecs:UpdateService", "arn:aws:ecs:eu-west-1:222222222222:service/acme-prod/service", nil}, false},
		{request{"ecs:DescribeServiceDeployments", arn + "service-deployment/acme-prod/service/abc", nil}, true},
		{request{"ecs:DescribeServiceDeployments", arn + "service-deployment/acme-prod/billing/abc", nil}, false},
		{request{"ecs:DescribeTasks", arn + "task/acme-prod/0123", nil}, true},
		{request{"ecs:DescribeTasks", arn + "task/acme-staging/0123", nil}, false},
		{request{"ecs:ListTasks", arn + "container-instance/acme-prod/1", map[string]string{"ecs:cluster": arn + "cluster/acme-prod"}}, true},
		{request{"ecs:ListTasks", arn + "container-instance/other/1", map[string]string{"ecs:cluster": arn + "cluster/other"}}, false},
		{request{"ecs:RegisterTaskDefinition", arn + "task-definition/service:42", nil}, true},
		{request{"ecs:RegisterTaskDefinition", arn + "task-definition/billing:1", nil}, false},
		{request{"ecs:TagResource", arn + "task-definition/service:42", map[string]string{"ecs:CreateAction": "RegisterTaskDefinition"}}, true},
		{request{"ecs:TagResource", arn + "task-definition/service:42", nil}, false}, // tagging an existing revision
		{request{"ecs:TagResource", arn + "service/acme-prod/service", map[string]string{"ecs:CreateAction": "RegisterTaskDefinition"}}, false},
		{request{"iam:PassRole", "arn:aws:iam::333333333333:role/service-task", passedToECS}, true},
		{request{"iam:PassRole", "arn:aws:iam::333333333333:role/service-execution", passedToECS}, true},
		{request{"iam:PassRole", "arn:aws:iam::333333333333:role/service-task", map[string]string{"iam:PassedToService": "ec2.amazonaws.com"}}, false},
		{request{"iam:PassRole", "arn:aws:iam::333333333333:role/admin", passedToECS}, false},
		{request{"ecr:PutImage", "arn:aws:ecr:eu-west-1:333333333333:repository/acme/service", nil}, true},
		{request{"ecr:PutImage", "arn:aws:ecr:eu-west-1:333333333333:repository/acme/other", nil}, false},
		{request{"ecr:DescribeImages", "arn:aws:ecr:eu-west-1:333333333333:repository/acme/service", nil}, true},
		{request{"ecr:GetAuthorizationToken", "*", nil}, true},
		{request{"ecs:DeleteService", arn + "service/acme-prod/service", nil}, false},
		{request{"s3:PutObject", "arn:aws:s3:::acme-web-prod/assets/app.3f9a1c2b.css", nil}, true},
		{request{"s3:PutObject", "arn:aws:s3:::acme-web-staging/index.html", nil}, false},
		{request{"s3:ListBucket", "arn:aws:s3:::acme-web-prod", nil}, true},
		{request{"s3:DeleteBucket", "arn:aws:s3:::acme-web-prod", nil}, false},
		{request{"s3:PutBucketPolicy", "arn:aws:s3:::acme-web-prod", nil}, false},
		{request{"cloudfront:CreateInvalidation", "arn:aws:cloudfront::333333333333:distribution/E3PRODEXAMPLE1", nil}, true},
		{request{"cloudfront:CreateInvalidation", "arn:aws:cloudfront::333333333333:distribution/E2OTHEREXAMPLE", nil}, false},
		{request{"cloudfront:UpdateDistribution", "arn:aws:cloudfront::333333333333:distribution/E3PRODEXAMPLE1", nil}, false},
	}
	for _, tt := range tests {
		if got := p.allows(t, tt.r); got != tt.want {
			t.Errorf("%s on %s (context %v): allowed %v, want %v", tt.r.action, tt.r.resource, tt.r.context, got, tt.want)
		}
	}
}

func TestTrustPolicyAcceptsTheEnvironmentsSubjectOnly(t *testing.T) {
	raw, _ := loadPolicy(t, "github-oidc-trust-policy.json")
	if len(raw.Statement) != 1 || raw.Statement[0].Condition["StringLike"] != nil {
		t.Errorf("want one statement matching the subject exactly (StringEquals), not a pattern")
	}
	p := filledPolicy(t, "github-oidc-trust-policy.json")
	if fed := p.Statement[0].Principal["Federated"]; len(fed) != 1 || fed[0] != "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com" {
		t.Errorf("Principal.Federated: %v; want the account's GitHub OIDC provider", fed)
	}
	token := func(sub, aud string) request {
		return request{"sts:AssumeRoleWithWebIdentity", "", map[string]string{
			"token.actions.githubusercontent.com:sub": sub,
			"token.actions.githubusercontent.com:aud": aud,
		}}
	}
	tests := []struct {
		sub, aud string
		want     bool
	}{
		{"repo:acme/service:environment:production", "sts.amazonaws.com", true},
		// Repositories created or renamed since GitHub's immutable subject claims, or opted in.
		{"repo:acme@1234/service@5678:environment:production", "sts.amazonaws.com", true},
		{"repo:acme/service:environment:production", "https://github.com/acme", false},
		{"repo:acme/service:environment:staging", "sts.amazonaws.com", false},
		{"repo:acme/service:ref:refs/heads/main", "sts.amazonaws.com", false},
		{"repo:acme/service:pull_request", "sts.amazonaws.com", false},
		{"repo:evil/service:environment:production", "sts.amazonaws.com", false},
		// A recycled name with another owner ID must not match the immutable form.
		{"repo:acme@9999/service@5678:environment:production", "sts.amazonaws.com", false},
	}
	for _, tt := range tests {
		if got := p.allows(t, token(tt.sub, tt.aud)); got != tt.want {
			t.Errorf("sub %q, aud %q: accepted %v, want %v", tt.sub, tt.aud, got, tt.want)
		}
	}
	if p.allows(t, request{"sts:AssumeRole", "", map[string]string{}}) {
		t.Error("the trust policy must allow only sts:AssumeRoleWithWebIdentity")
	}
}

var placeholderPattern = regexp.MustCompile(`<[A-Z_]+>`)

func TestPlaceholdersAreDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, file := range []string{"deploy-policy.json", "github-oidc-trust-policy.json"} {
		_, text := loadPolicy(t, file)
		for _, name := range placeholderPattern.FindAllString(text, -1) {
			used[name] = true
			if !slices.Contains(placeholders, name) {
				t.Errorf("%s: %s is not a known placeholder; add it to placeholders and explain it in the README", file, name)
			}
		}
	}
	for _, name := range placeholders {
		if !used[name] {
			t.Errorf("placeholder %s is used by neither policy; remove it", name)
		}
		if _, ok := sampleValues[name]; !ok {
			t.Errorf("placeholder %s has no sample value for the behaviour tests", name)
		}
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not explain the placeholder `%s`", name)
		}
	}
	for _, file := range []string{"ci/iam/deploy-policy.json", "ci/iam/github-oidc-trust-policy.json"} {
		if !strings.Contains(string(readme), file) {
			t.Errorf("README.md does not point to %s", file)
		}
	}
}

// The scanner itself, on code that calls operations in each of the ways the module does.
func TestOperationsAreFoundThroughClientsInterfacesAndPaginators(t *testing.T) {
	const src = `package probe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// A narrow interface of the client's, as registry.ImageAPI is.
type images interface {
	DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
}

func probe(ctx context.Context, c *ecs.Client, api images) {
	_ = ecs.NewListTasksPaginator(c, &ecs.ListTasksInput{})
	_, _ = c.DescribeServices(ctx, &ecs.DescribeServicesInput{})
	describe := c.DescribeTasks // a method value is a call waiting to happen
	_ = describe
	_, _ = api.DescribeImages(ctx, nil)
	own(&ecs.UpdateServiceInput{}) // a function of ours that takes an input is not a call of AWS
	_ = ecs.NewServicesStableWaiter(c) // a waiter calls nothing until Wait
}

func own(*ecs.UpdateServiceInput) {}
`
	c := newChecker(t)
	f, err := parser.ParseFile(c.fset, "probe.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.check("probe", []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]*operation{}
	collectOperations(c.fset, info, ops)
	var got []string
	for key := range ops {
		got = append(got, key)
	}
	sort.Strings(got)
	want := []string{"ecr:DescribeImages", "ecs:DescribeServices", "ecs:DescribeTasks", "ecs:ListTasks"}
	if !slices.Equal(got, want) {
		t.Errorf("operations: got %v, want %v", got, want)
	}
}

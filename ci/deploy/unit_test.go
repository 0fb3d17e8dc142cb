package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

func TestParseImageRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	good := map[string]string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/app@" + digest:        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
		"registry.local:5000/team/app:v1.2.3@" + digest:                     "registry.local:5000/team/app",
		"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@" + digest: "public.ecr.aws/appmesh/aws-appmesh-envoy",
	}
	for in, want := range good {
		got, err := parseImageRef(in)
		if err != nil || got.Name() != want || got.Digest != digest {
			t.Errorf("parseImageRef(%q) = %+v, %v; want %s@%s", in, got, err, want, digest)
		}
	}
	for _, in := range []string{"", "app:v1", "app@sha256:abc", "app@sha256:" + strings.Repeat("AB", 32),
		"App/Thing@" + digest, "app:bad tag@" + digest, "app@md5:" + strings.Repeat("a", 64)} {
		_, err := parseImageRef(in)
		var inputErr *InputError
		if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), "@sha256:") {
			t.Errorf("parseImageRef(%q) = %v; want an InputError that says how to pin", in, err)
		}
	}
	if !sameImage("r.io/app:v1@"+digest, "r.io/app@"+digest) || sameImage("r.io/app@"+digest, "r.io/other@"+digest) {
		t.Error("sameImage must compare repository and digest, ignoring the tag")
	}
}

func TestDeriveTimeout(t *testing.T) {
	svc := &types.Service{DesiredCount: 2, HealthCheckGracePeriodSeconds: aws.Int32(30)}
	groups := map[string]targetGroup{
		"a": {interval: 10 * time.Second, healthyThreshold: 3, healthCheckTimeout: 5 * time.Second, deregistrationDelay: 60 * time.Second},
		"b": {interval: 30 * time.Second, healthyThreshold: 5, healthCheckTimeout: 5 * time.Second, deregistrationDelay: 30 * time.Second},
	}
	// 1 batch × (2m + 30s grace + max(35s, 155s)) + max(60s, 30s) = 120+30+155+60 = 365s
	if got, want := deriveTimeout(svc, groups), 365*time.Second; got != want {
		t.Errorf("deriveTimeout = %s, want %s", got, want)
	}
	// maximumPercent 100 with minimumHealthy 50 on 4 tasks: 2 waves.
	svc = &types.Service{DesiredCount: 4, DeploymentConfiguration: &types.DeploymentConfiguration{MaximumPercent: aws.Int32(100), MinimumHealthyPercent: aws.Int32(50)}}
	if got, want := deriveTimeout(svc, groups), 2*(120+155)*time.Second+60*time.Second; got != want {
		t.Errorf("two waves: deriveTimeout = %s, want %s", got, want)
	}
	if got := deriveTimeout(&types.Service{DesiredCount: 1}, nil); got != minTimeout {
		t.Errorf("no target groups: %s, want the floor %s", got, minTimeout)
	}
	huge := map[string]targetGroup{"a": {interval: 300 * time.Second, healthyThreshold: 10, deregistrationDelay: 3600 * time.Second}}
	if got := deriveTimeout(&types.Service{DesiredCount: 1}, huge); got != maxTimeout {
		t.Errorf("huge settings: %s, want the cap %s", got, maxTimeout)
	}
}

func TestExitCode(t *testing.T) {
	input := &InputError{What: "x"}
	cases := []struct {
		res  *Result
		err  error
		want int
	}{
		{&Result{Outcome: Succeeded}, nil, 0},
		{&Result{Outcome: Unchanged}, nil, 0},
		{&Result{Outcome: Started}, nil, 0},
		{&Result{Outcome: RolledBack}, errors.New("failed"), 1},
		{nil, input, 2},
		{nil, fmt.Errorf("wrapped: %w", input), 2},
		{&Result{Outcome: Failed}, errors.New("failed"), 3},
		{&Result{Outcome: Superseded}, errors.New("superseded"), 3},
		{&Result{Outcome: Interrupted}, context.Canceled, 4},
		{nil, context.Canceled, 4},
		{nil, errors.New("AccessDeniedException"), 5},
	}
	for _, c := range cases {
		if got := ExitCode(c.res, c.err); got != c.want {
			t.Errorf("ExitCode(%+v, %v) = %d, want %d", c.res, c.err, got, c.want)
		}
	}
}

func TestTaskEvidence(t *testing.T) {
	task := types.Task{
		TaskArn:           aws.String("arn:aws:ecs:us-east-1:1:task/prod/0123abcd4567ef890123abcd4567ef89"),
		TaskDefinitionArn: aws.String("arn:aws:ecs:us-east-1:1:task-definition/app:42"),
		StoppedReason:     aws.String("Essential container in task exited"),
		Containers: []types.Container{
			{Name: aws.String("app"), ExitCode: aws.Int32(137), Reason: aws.String("OutOfMemoryError: Container killed due to memory usage")},
			{Name: aws.String("envoy")},
		},
	}
	want := "task 0123abcd (app:42) stopped: Essential container in task exited; container app exit code 137 (reason: OutOfMemoryError: Container killed due to memory usage)"
	if got := taskEvidence(task); got != want {
		t.Errorf("taskEvidence =\n%s\nwant\n%s", got, want)
	}
}

func TestAPIJSONKeepsSetZerosAndUserKeys(t *testing.T) {
	in := &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name:         aws.String("app"),
			Cpu:          0,               // not a pointer: unset, left out
			Memory:       aws.Int32(0),    // a pointer: set to 0 on purpose, kept
			Essential:    aws.Bool(false), // likewise
			DockerLabels: map[string]string{"com.Example.Team": "payments"},
			Environment:  []types.KeyValuePair{},
		}},
	}
	got, err := apiJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "containerDefinitions": [
    {
      "dockerLabels": {
        "com.Example.Team": "payments"
      },
      "essential": false,
      "memory": 0,
      "name": "app"
    }
  ],
  "family": "app"
}`
	if string(got) != want {
		t.Errorf("apiJSON =\n%s\nwant\n%s", got, want)
	}
}

func TestHistoryUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "UnknownOperationException"}, true},
		{&smithy.GenericAPIError{Code: "InvalidAction"}, true},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, false},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{errors.New("connection reset"), false},
	} {
		if got := historyUnavailable(c.err); got != c.want {
			t.Errorf("historyUnavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestRunsDigest(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	td := func(images ...string) *types.TaskDefinition {
		var defs []types.ContainerDefinition
		for _, image := range images {
			defs = append(defs, types.ContainerDefinition{Image: aws.String(image)})
		}
		return &types.TaskDefinition{ContainerDefinitions: defs}
	}
	for _, tc := range []struct {
		td   *types.TaskDefinition
		want bool
	}{
		{td("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@" + digest), true},
		{td("sidecar:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1.4.2@"+digest), true},
		{td("other.example.com/team/web@" + digest), true},
		{td("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:v1.4.2"), false},
		{td("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + strings.Repeat("cd", 32)), false},
		{td("Not A Reference@" + digest), false},
		{td(), false},
		{nil, false},
	} {
		var images []string
		if tc.td != nil {
			for _, c := range tc.td.ContainerDefinitions {
				images = append(images, aws.ToString(c.Image))
			}
		}
		if got := runsDigest(tc.td, digest); got != tc.want {
			t.Errorf("runsDigest(%q) = %v, want %v", images, got, tc.want)
		}
	}
}

func TestIsImageTag(t *testing.T) {
	for to, want := range map[string]bool{
		"v1.4.2": true, "sha-3f2a9c41d0b7": true, "1.4": true, "latest": true,
		"": false, "42": false, "app:41": false, "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:41": false,
	} {
		if got := IsImageTag(to); got != want {
			t.Errorf("IsImageTag(%q) = %v, want %v", to, got, want)
		}
	}
}

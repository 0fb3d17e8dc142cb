package deploy

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// stand-ins for the migration's one-method clients
type (
	describeTasksFunc func() (*ecs.DescribeTasksOutput, error)
	getLogEventsFunc  func() (*cloudwatchlogs.GetLogEventsOutput, error)
)

func (f describeTasksFunc) DescribeTasks(context.Context, *ecs.DescribeTasksInput, ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	return f()
}

func (f getLogEventsFunc) GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	return f()
}

var migrationPoll = PollPolicy{Initial: 5 * time.Millisecond, Max: 10 * time.Millisecond, CallsPerSecond: 1000}

// A log stream the deploy may not read is said once, and the task is still followed to its end.
func TestFollowMigrationWithAnUnreadableLog(t *testing.T) {
	var looks, logCalls atomic.Int32
	a := &api{calls: &CallCounter{}, retryer: NewRetryer(),
		taskDescs: describeTasksFunc(func() (*ecs.DescribeTasksOutput, error) {
			status := "RUNNING"
			if looks.Add(1) >= 3 {
				status = "STOPPED"
			}
			return &ecs.DescribeTasksOutput{Tasks: []types.Task{{TaskArn: aws.String("arn:task/c/abc"), LastStatus: aws.String(status)}}}, nil
		}),
		logs: getLogEventsFunc(func() (*cloudwatchlogs.GetLogEventsOutput, error) {
			logCalls.Add(1)
			return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: logs:GetLogEvents"}
		}),
	}
	var out strings.Builder
	mr := &migrationRun{taskARN: "arn:task/c/abc", logs: logTail{group: "/ecs/app", stream: "app/app/abc"}}
	end := a.followMigration(context.Background(), mr, "c", 5*time.Second, migrationPoll, newProgress(&out))
	if end != migrationStopped {
		t.Fatalf("end = %v, want the task's stop", end)
	}
	if n := strings.Count(out.String(), "cannot read the migration's log"); n != 1 || !strings.Contains(out.String(), "logs:GetLogEvents") {
		t.Errorf("progress said the log was unreadable %d times, want once with the reason:\n%s", n, out.String())
	}
	if n := logCalls.Load(); n != 1 {
		t.Errorf("GetLogEvents called %d times, want 1: a refusal is not retried", n)
	}
}

// A DescribeTasks that is refused for good ends the follow at once instead of at the timeout.
func TestFollowMigrationLosesSightOnARefusal(t *testing.T) {
	a := &api{calls: &CallCounter{}, retryer: NewRetryer(),
		taskDescs: describeTasksFunc(func() (*ecs.DescribeTasksOutput, error) {
			return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: ecs:DescribeTasks"}
		}),
	}
	mr := &migrationRun{taskARN: "arn:task/c/abc"}
	start := time.Now()
	end := a.followMigration(context.Background(), mr, "c", time.Minute, migrationPoll, newProgress(nil))
	if end != migrationLost || mr.lostErr == nil || time.Since(start) > 10*time.Second {
		t.Errorf("end = %v (%v) after %s; want lost sight at the first refusal", end, mr.lostErr, time.Since(start))
	}
}

// A throttled look is a look lost: the follow goes on until the task stops.
func TestFollowMigrationRidesOutThrottling(t *testing.T) {
	var looks atomic.Int32
	a := &api{calls: &CallCounter{}, retryer: NewRetryer(),
		taskDescs: describeTasksFunc(func() (*ecs.DescribeTasksOutput, error) {
			if looks.Add(1) < 3 {
				return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
			}
			code := int32(0)
			return &ecs.DescribeTasksOutput{Tasks: []types.Task{{TaskArn: aws.String("arn:task/c/abc"), LastStatus: aws.String("STOPPED"),
				Containers: []types.Container{{Name: aws.String("app"), ExitCode: &code}}}}}, nil
		}),
	}
	mr := &migrationRun{taskARN: "arn:task/c/abc"}
	if end := a.followMigration(context.Background(), mr, "c", 5*time.Second, migrationPoll, newProgress(nil)); end != migrationStopped {
		t.Errorf("end = %v, want the task's stop after the throttling", end)
	}
	if code := containerExit(mr.task, "app"); code == nil || *code != 0 {
		t.Errorf("exit code %v, want 0", code)
	}
}

// The migration's task is placed as the service's are: by its capacity provider strategy when it
// has one (RunTask refuses a launch type next to it), else by its launch type.
func TestMigrationTaskIsPlacedAsTheService(t *testing.T) {
	opts := Options{Target: Target{Cluster: "c", Service: "s", Container: "app"}, Migration: &Migration{Command: []string{"/app/service", "migrate"}}}
	td := &types.TaskDefinition{TaskDefinitionArn: aws.String("arn:aws:ecs:us-east-1:1:task-definition/app:2")}
	network := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	spot := []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}

	in := migrationTask(opts, &types.Service{LaunchType: types.LaunchTypeFargate, CapacityProviderStrategy: spot, NetworkConfiguration: network}, td, "tok")
	if in.LaunchType != "" || len(in.CapacityProviderStrategy) != 1 || in.NetworkConfiguration != network {
		t.Errorf("with a capacity provider strategy: launch type %q, strategy %v, network %v", in.LaunchType, in.CapacityProviderStrategy, in.NetworkConfiguration)
	}
	in = migrationTask(opts, &types.Service{LaunchType: types.LaunchTypeEc2}, td, "tok")
	if in.LaunchType != types.LaunchTypeEc2 || in.CapacityProviderStrategy != nil {
		t.Errorf("with a launch type: %q, strategy %v", in.LaunchType, in.CapacityProviderStrategy)
	}
	o := in.Overrides.ContainerOverrides
	if len(o) != 1 || aws.ToString(o[0].Name) != "app" || strings.Join(o[0].Command, " ") != "/app/service migrate" ||
		aws.ToString(in.TaskDefinition) != aws.ToString(td.TaskDefinitionArn) || aws.ToString(in.ClientToken) != "tok" {
		t.Errorf("RunTask input %+v", in)
	}
	if a, b := migrationToken("x", time.Unix(1, 0)), migrationToken("x", time.Unix(2, 0)); a == b || len(a) > 64 {
		t.Errorf("tokens %q and %q: want distinct per deploy, at most 64 characters", a, b)
	}
}

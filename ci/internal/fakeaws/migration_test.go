package fakeaws_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/internal/fakeaws"
)

// A one-off task through the real SDK: RunTask, no log line before its time, StopTask's SIGTERM
// exit, and the answers to what is not there.
func TestOneOffTaskThroughTheSDK(t *testing.T) {
	e := start(t, fakeaws.Config{Migration: &fakeaws.Migration{Lines: []string{"one", "two"}, Duration: time.Hour, Never: true}}, 1)
	logs := cloudwatchlogs.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
		BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1})

	if _, err := e.ecs.RunTask(e.ctx, &ecs.RunTaskInput{Cluster: aws.String("demo"), TaskDefinition: aws.String("web:1")}); err == nil {
		t.Error("RunTask of an awsvpc revision without a network configuration succeeded")
	}
	run, err := e.ecs.RunTask(e.ctx, &ecs.RunTaskInput{Cluster: aws.String("demo"), TaskDefinition: aws.String("web:1"),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	if err != nil || len(run.Tasks) != 1 {
		t.Fatalf("RunTask: %v", err)
	}
	id := e.fake.RunTaskRequests()[1].TaskID
	// An hour-long task writes its first line after 20 minutes: none yet.
	out, err := logs.GetLogEvents(e.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/" + id), StartFromHead: aws.Bool(true)})
	if err != nil || len(out.Events) != 0 || out.NextForwardToken == nil {
		t.Fatalf("GetLogEvents = %+v, %v; want no events yet and a token", out, err)
	}
	_, err = logs.GetLogEvents(e.ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/nope")})
	var notFound *cwltypes.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("GetLogEvents of an unknown stream = %v, want ResourceNotFoundException", err)
	}

	stop, err := e.ecs.StopTask(e.ctx, &ecs.StopTaskInput{Cluster: aws.String("demo"), Task: run.Tasks[0].TaskArn, Reason: aws.String("timed out")})
	if err != nil {
		t.Fatalf("StopTask: %v", err)
	}
	if task := stop.Task; aws.ToString(task.LastStatus) != "STOPPED" || aws.ToString(task.StoppedReason) != "timed out" ||
		task.Containers[0].ExitCode == nil || *task.Containers[0].ExitCode != 143 {
		t.Errorf("stopped task %+v, want STOPPED with the reason and exit code 143", task)
	}
	desc, err := e.ecs.DescribeTasks(e.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("demo"), Tasks: []string{id}})
	if err != nil || len(desc.Tasks) != 1 || aws.ToString(desc.Tasks[0].LastStatus) != "STOPPED" {
		t.Errorf("DescribeTasks after StopTask = %+v, %v", desc, err)
	}
	if n := e.fake.CallCount("GetLogEvents"); n != 2 {
		t.Errorf("recorded %d GetLogEvents calls, want 2", n)
	}
}

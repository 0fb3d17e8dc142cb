package fakeaws_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
)

// One endpoint answers the rollout from the fake and everything else (here STS) from moto.
func TestWithFallbackSendsOtherServicesToMoto(t *testing.T) {
	m := moto.Start(t)
	fallback, err := url.Parse(m.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeaws.New(fakeaws.Config{})
	srv := httptest.NewServer(fakeaws.WithFallback(fake, fallback))
	t.Cleanup(srv.Close)
	cfg := m.Config.Copy()
	cfg.BaseEndpoint = aws.String(srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("STS through the fake's endpoint: %v", err)
	}
	if got := aws.ToString(id.Account); got != "123456789012" {
		t.Errorf("account = %q, want moto's 123456789012", got)
	}
	fc := fake.Config()
	out, err := ecs.NewFromConfig(cfg).DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(fc.Cluster), Services: []string{fc.Service}})
	if err != nil {
		t.Fatalf("ECS through the fake's endpoint: %v", err)
	}
	if len(out.Services) != 1 || aws.ToString(out.Services[0].ServiceName) != fc.Service {
		t.Errorf("DescribeServices = %+v, want the fake's service %s", out.Services, fc.Service)
	}
	// A migration's log lines are the fake's: CloudWatch Logs must not go to moto, which has none.
	if _, err := cloudwatchlogs.NewFromConfig(cfg).GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String("/ecs/web"), LogStreamName: aws.String("web/app/none"),
	}); err == nil {
		t.Error("GetLogEvents of a stream no task wrote succeeded")
	}
	if n := fake.CallCount("GetLogEvents"); n != 1 {
		t.Errorf("the fake saw %d GetLogEvents calls, want 1: CloudWatch Logs is the fake's", n)
	}
	if n := fake.CallCount("GetCallerIdentity"); n != 0 {
		t.Errorf("the fake saw %d GetCallerIdentity calls, want 0: STS belongs to moto", n)
	}
	if n := fake.CallCount("DescribeServices"); n != 1 {
		t.Errorf("the fake saw %d DescribeServices calls, want 1", n)
	}
}

package deploy

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// countingServices answers DescribeServices from a fixed set of services and records each call.
type countingServices struct {
	mu    sync.Mutex
	known map[string]string // service name -> its task definition
	asked [][]string
}

func (c *countingServices) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, slices.Clone(in.Services))
	out := &ecs.DescribeServicesOutput{}
	for _, name := range in.Services {
		if td, ok := c.known[name]; ok {
			out.Services = append(out.Services, types.Service{ServiceName: aws.String(name), TaskDefinition: aws.String(td)})
		} else {
			out.Failures = append(out.Failures, types.Failure{Arn: aws.String("arn:aws:ecs:us-east-1:123456789012:service/demo/" + name), Reason: aws.String("MISSING")})
		}
	}
	return out, nil
}

func (c *countingServices) calls() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.asked)
}

func describeOne(t *testing.T, s ecs.DescribeServicesAPIClient, cluster, name string) *ecs.DescribeServicesOutput {
	t.Helper()
	out, err := s.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServiceReadsReadEveryServiceInOneCallAndServeTheOthersFromIt(t *testing.T) {
	next := &countingServices{known: map[string]string{"web": "web:2", "worker": "worker:2"}}
	reads := newServiceReads(next, "demo", []string{"web", "worker"}, time.Hour)

	web := describeOne(t, reads, "demo", "web")
	worker := describeOne(t, reads, "demo", "worker")

	if got := next.calls(); len(got) != 1 || !slices.Equal(got[0], []string{"web", "worker"}) {
		t.Fatalf("DescribeServices calls = %v, want one naming web and worker", got)
	}
	if len(web.Services) != 1 || aws.ToString(web.Services[0].ServiceName) != "web" {
		t.Errorf("web's read answered %+v, want web alone", web.Services)
	}
	if len(worker.Services) != 1 || aws.ToString(worker.Services[0].TaskDefinition) != "worker:2" {
		t.Errorf("worker's read answered %+v, want worker on worker:2", worker.Services)
	}
}

func TestServiceReadsReadAgainOnceAReadingIsStaleOrTheServiceChanged(t *testing.T) {
	next := &countingServices{known: map[string]string{"web": "web:2", "worker": "worker:2"}}
	reads := newServiceReads(next, "demo", []string{"web", "worker"}, time.Hour)
	describeOne(t, reads, "demo", "web")

	reads.forget("worker") // UpdateService changed worker
	next.mu.Lock()
	next.known["worker"] = "worker:3"
	next.mu.Unlock()
	if got := describeOne(t, reads, "demo", "worker"); aws.ToString(got.Services[0].TaskDefinition) != "worker:3" {
		t.Errorf("after forget, worker's read answered %s, want the new worker:3", aws.ToString(got.Services[0].TaskDefinition))
	}
	if n := len(next.calls()); n != 2 {
		t.Errorf("DescribeServices calls = %d, want 2 (the change forces a new read)", n)
	}

	stale := newServiceReads(next, "demo", []string{"web", "worker"}, 0)
	describeOne(t, stale, "demo", "web")
	describeOne(t, stale, "demo", "web")
	if n := len(next.calls()); n != 4 {
		t.Errorf("DescribeServices calls = %d, want 4: a reading older than fresh serves nobody", n)
	}
}

func TestServiceReadsPassOtherReadsThroughAndKeepFailures(t *testing.T) {
	next := &countingServices{known: map[string]string{"web": "web:2"}}
	reads := newServiceReads(next, "demo", []string{"web", "worker"}, time.Hour)

	if got := describeOne(t, reads, "demo", "worker"); len(got.Failures) != 1 || len(got.Services) != 0 {
		t.Errorf("worker (missing) answered %+v, want its failure alone", got)
	}
	describeOne(t, reads, "other", "web")
	describeOne(t, reads, "demo", "billing")
	got := next.calls()
	want := [][]string{{"web", "worker"}, {"web"}, {"billing"}}
	if len(got) != len(want) {
		t.Fatalf("DescribeServices calls = %v, want %v", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("call %d named %v, want %v (another cluster or service goes through as asked)", i, got[i], want[i])
		}
	}
}

package deploy

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// serviceReads lets the watches of a deploy of several services share their DescribeServices
// calls: a watch that asks for one of the services gets all of them read in one call, and the
// other watches, which tick at the same moments, take their service from that reading. So the
// release costs one DescribeServices a round, whatever its number of services, and stays within
// the one call budget that a single service's deploy has.
//
// A reading serves for fresh: less than a tick, so each watch still sees each round's news.
type serviceReads struct {
	next     ecs.DescribeServicesAPIClient
	cluster  string
	services []string // at most MaxServices, the most one call reads
	fresh    time.Duration

	mu       sync.Mutex // one call at a time: the watches that tick together wait for the first's
	readings map[string]reading[types.Service]
	missing  map[string]reading[types.Failure]
}

func newServiceReads(next ecs.DescribeServicesAPIClient, cluster string, services []string, fresh time.Duration) *serviceReads {
	return &serviceReads{next: next, cluster: cluster, services: services, fresh: fresh,
		readings: map[string]reading[types.Service]{}, missing: map[string]reading[types.Failure]{}}
}

// DescribeServices answers a read of one of the shared services from a fresh reading of all of
// them, reading them all when there is none; any other read goes through as it is.
func (s *serviceReads) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if len(in.Services) != 1 || aws.ToString(in.Cluster) != s.cluster || !slices.Contains(s.services, in.Services[0]) {
		return s.next.DescribeServices(ctx, in, optFns...)
	}
	name := in.Services[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	if out, ok := s.answer(name); ok {
		return out, nil
	}
	all, err := s.next.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: in.Cluster, Services: s.services, Include: in.Include}, optFns...)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, svc := range all.Services {
		s.readings[aws.ToString(svc.ServiceName)] = reading[types.Service]{now, svc}
	}
	for _, f := range all.Failures {
		s.missing[serviceNameOf(aws.ToString(f.Arn))] = reading[types.Failure]{now, f}
	}
	if out, ok := s.answer(name); ok {
		return out, nil
	}
	return &ecs.DescribeServicesOutput{}, nil // neither a service nor a failure: as ECS said
}

// forget drops the reading of a service that has just changed (UpdateService): the next read
// must see the change.
func (s *serviceReads) forget(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.readings, name)
	delete(s.missing, name)
}

// answer is a fresh reading of the named service as DescribeServices would answer it alone.
func (s *serviceReads) answer(name string) (*ecs.DescribeServicesOutput, bool) {
	if got, ok := s.readings[name]; ok && time.Since(got.at) < s.fresh {
		return &ecs.DescribeServicesOutput{Services: []types.Service{got.value}}, true
	}
	if got, ok := s.missing[name]; ok && time.Since(got.at) < s.fresh {
		return &ecs.DescribeServicesOutput{Failures: []types.Failure{got.value}}, true
	}
	return nil, false
}

// serviceNameOf is the name in a service ARN (arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME,
// or the older …:service/NAME); a failure names the service by ARN, or by the name asked for.
func serviceNameOf(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

package deploy

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go/middleware"
)

// Clients are the AWS API clients the engine uses.
type Clients struct {
	ECS *ecs.Client
	ELB *elb.Client
	// Logs reads a migration's output (see Migration); nil: the migration runs unfollowed.
	Logs *cloudwatchlogs.Client
}

// NewClients builds the clients from an aws.Config. config.LoadDefaultConfig already honours
// AWS_ENDPOINT_URL (and the per-service AWS_ENDPOINT_URL_ECS / _ELASTIC_LOAD_BALANCING_V2), so a
// config pointed at an emulator yields clients pointed at it. The clients get the engine's
// retryer (see NewRetryer).
func NewClients(cfg aws.Config) Clients {
	cfg = cfg.Copy()
	cfg.Retryer = NewRetryer
	return Clients{ECS: ecs.NewFromConfig(cfg), ELB: elb.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}
}

// CallCounter is smithy middleware that counts AWS call attempts (retries included) made by
// the clients it is installed on: append its Middleware to ecs.Options.APIOptions or
// elasticloadbalancingv2.Options.APIOptions.
type CallCounter struct{ n atomic.Int64 }

// Count returns the number of attempts so far.
func (c *CallCounter) Count() int { return int(c.n.Load()) }

// Middleware installs the counter on a client's middleware stack. It sits in the finalize step
// after the retry middleware, so each attempt counts: that is the load AWS sees.
func (c *CallCounter) Middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("deployCallCounter",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
			middleware.FinalizeOutput, middleware.Metadata, error,
		) {
			c.n.Add(1)
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// api wraps the clients for one Deploy/Rollback/Status run: every call goes through it so the
// run counts its own calls (Result.APICalls) and uses the engine's retryer whoever built the
// clients.
type api struct {
	ecs *ecs.Client
	elb *elb.Client
	// The watcher's reads, each through the SDK's one-method interface for its operation, so
	// that the watch loop runs against a stand-in as well as against an endpoint.
	services  ecs.DescribeServicesAPIClient
	taskLists ecs.ListTasksAPIClient
	taskDescs ecs.DescribeTasksAPIClient
	health    elb.DescribeTargetHealthAPIClient
	instances describeContainerInstancesAPI
	// A migration's calls (migrate.go).
	runTask   runTaskAPI
	stopTasks stopTaskAPI
	logs      getLogEventsAPI // nil when Clients has no Logs client
	calls     *CallCounter
	retryer   aws.Retryer
	// noServiceDeployments: the endpoint lacks ListServiceDeployments/DescribeServiceDeployments
	// (see history.go); learnt on the first try, remembered for the run.
	noServiceDeployments atomic.Bool
	recent               recent // last readings, for a diagnosis written right after a look
	// sharedReads, in a deploy of several services, is services: their watches' shared reads.
	sharedReads *serviceReads
}

func newAPI(c Clients) *api {
	a := &api{ecs: c.ECS, elb: c.ELB, services: c.ECS, taskLists: c.ECS, taskDescs: c.ECS, health: c.ELB, instances: c.ECS,
		runTask: c.ECS, stopTasks: c.ECS, calls: &CallCounter{}, retryer: NewRetryer()}
	if c.Logs != nil { // a nil *Client in the interface would not be nil
		a.logs = c.Logs
	}
	return a
}

// describeContainerInstancesAPI is the one-method client of DescribeContainerInstances, which
// the SDK does not declare (it has no paginator or waiter).
type describeContainerInstancesAPI interface {
	DescribeContainerInstances(context.Context, *ecs.DescribeContainerInstancesInput, ...func(*ecs.Options)) (*ecs.DescribeContainerInstancesOutput, error)
}

// callPolicy says how hard one call tries.
type callPolicy int

const (
	// retried: the engine's retryer (see NewRetryer). For every call whose answer is needed:
	// the deploy's own steps, and the evidence once a watch is over.
	retried callPolicy = iota
	// once: one attempt, no SDK retries. For the watcher's looks: the watcher is their retry
	// loop. A look that meets throttling or a 5xx ends, the source stays due, and the schedule
	// backs off (see schedule.failed); retrying inside the look would multiply the calls
	// exactly when AWS asks for fewer (up to ten attempts a few seconds apart).
	once
)

func (a *api) ecsOptions(o *ecs.Options) {
	o.Retryer = a.retryer
	o.APIOptions = append(o.APIOptions, a.calls.Middleware)
}

func (a *api) elbOptions(o *elb.Options) {
	o.Retryer = a.retryer
	o.APIOptions = append(o.APIOptions, a.calls.Middleware)
}

func (a *api) logsOptions(o *cloudwatchlogs.Options) {
	o.Retryer = a.retryer
	o.APIOptions = append(o.APIOptions, a.calls.Middleware)
}

// ecsOptionsFor is ecsOptions under policy p.
func (a *api) ecsOptionsFor(p callPolicy) func(*ecs.Options) {
	if p != once {
		return a.ecsOptions
	}
	return func(o *ecs.Options) {
		a.ecsOptions(o)
		o.Retryer = aws.NopRetryer{}
	}
}

// elbOptionsFor is elbOptions under policy p.
func (a *api) elbOptionsFor(p callPolicy) func(*elb.Options) {
	if p != once {
		return a.elbOptions
	}
	return func(o *elb.Options) {
		a.elbOptions(o)
		o.Retryer = aws.NopRetryer{}
	}
}

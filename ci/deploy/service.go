package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// Target names the container of an ECS service that a deploy changes.
type Target struct{ Cluster, Service, Container string }

// input is one of the engine's inputs and its value, for checks that it was given.
type input struct {
	field report.Field
	value string
}

// requireInputs is an InputError naming the inputs that are empty; purpose says why they are
// needed.
func requireInputs(purpose string, inputs ...input) error {
	var missing []report.Field
	var names []string
	for _, in := range inputs {
		if strings.TrimSpace(in.value) == "" {
			missing = append(missing, in.field)
			names = append(names, string(in.field))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	fix := "give them"
	if len(missing) == 1 {
		fix = "give it"
	}
	return &InputError{What: "missing " + strings.Join(names, ", "), Why: purpose, Fix: fix, Fields: missing}
}

// ValidateService checks that a service is named, as Status and Rollback need. Its error is an
// InputError; callers may run it before they load credentials.
func ValidateService(cluster, service string) error {
	return requireInputs("the service must be named by its cluster and its name",
		input{report.FieldCluster, cluster}, input{report.FieldService, service})
}

func (t Target) validate() error {
	return requireInputs("the deploy must know which cluster, service and container to change",
		input{report.FieldCluster, t.Cluster}, input{report.FieldService, t.Service}, input{report.FieldContainer, t.Container})
}

// readService describes the service and checks that a deploy can change it. An unknown cluster
// or service is an InputError: nothing has changed yet, and a typo must not read as an outage.
func (a *api) readService(ctx context.Context, cluster, service string) (*types.Service, error) {
	svc, err := a.describeService(ctx, retried, cluster, service)
	if err != nil {
		return nil, err
	}
	if svc.Status != nil && aws.ToString(svc.Status) != "ACTIVE" {
		return nil, &InputError{
			What:   fmt.Sprintf("service %q in cluster %q is %s", service, cluster, aws.ToString(svc.Status)),
			Why:    "only an ACTIVE service can be deployed to",
			Fix:    "check the service name, or recreate the service",
			Fields: []report.Field{report.FieldService},
		}
	}
	if dc := svc.DeploymentController; dc != nil && dc.Type != "" && dc.Type != types.DeploymentControllerTypeEcs {
		return nil, &InputError{
			What: fmt.Sprintf("service %q uses the %s deployment controller", service, dc.Type),
			Why:  "this deploy drives the ECS rolling-update controller (UpdateService with a new task definition)",
			Fix:  "deploy it with its own controller (CodeDeploy / external), or switch the service to the ECS controller",
		}
	}
	if aws.ToString(svc.TaskDefinition) == "" {
		return nil, &InputError{What: fmt.Sprintf("service %q in cluster %q has no task definition", service, cluster),
			Why: "a new revision is cloned from the running one", Fix: "give the task definition to register",
			Fields: []report.Field{report.FieldTaskDefinition}}
	}
	return svc, nil
}

// describeService returns the service or an InputError when the cluster or service is unknown.
func (a *api) describeService(ctx context.Context, p callPolicy, cluster, service string) (*types.Service, error) {
	out, err := a.services.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: aws.String(cluster), Services: []string{service},
	}, a.ecsOptionsFor(p))
	if err != nil {
		if errorCode(err) == "ClusterNotFoundException" {
			return nil, &InputError{
				What:   fmt.Sprintf("cluster %q not found", cluster),
				Why:    errorMessage(err),
				Fix:    "check the cluster's name and the region; `aws ecs list-clusters` lists the region's clusters",
				Fields: []report.Field{report.FieldCluster, report.FieldRegion},
				Err:    err,
			}
		}
		return nil, fmt.Errorf("describe service %q in cluster %q: %w", service, cluster, err)
	}
	for _, f := range out.Failures {
		return nil, &InputError{
			What:   fmt.Sprintf("service %q not found in cluster %q", service, cluster),
			Why:    fmt.Sprintf("ECS answered %s", aws.ToString(f.Reason)),
			Fix:    fmt.Sprintf("check the service's name; ECS ListServices on cluster %q lists them", cluster),
			Fields: []report.Field{report.FieldService},
		}
	}
	if len(out.Services) == 0 {
		return nil, fmt.Errorf("describe service %q in cluster %q: ECS returned no service and no failure", service, cluster)
	}
	a.recent.putService(cluster, service, &out.Services[0])
	return &out.Services[0], nil
}

// describeTaskDefinition returns a task definition with its tags.
func (a *api) describeTaskDefinition(ctx context.Context, ref string) (*types.TaskDefinition, []types.Tag, error) {
	out, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String(ref),
		Include:        []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	}, a.ecsOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("describe task definition %s: %w", revisionName(ref), err)
	}
	return out.TaskDefinition, out.Tags, nil
}

// findDeployment returns the deployment with the given ID, or nil.
func findDeployment(svc *types.Service, id string) *types.Deployment {
	for i := range svc.Deployments {
		if aws.ToString(svc.Deployments[i].Id) == id {
			return &svc.Deployments[i]
		}
	}
	return nil
}

// primaryDeployment returns the PRIMARY deployment (the one ECS is moving to), or nil.
func primaryDeployment(svc *types.Service) *types.Deployment {
	for i := range svc.Deployments {
		if aws.ToString(svc.Deployments[i].Status) == "PRIMARY" {
			return &svc.Deployments[i]
		}
	}
	return nil
}

// circuitBreakerRollsBack reports whether ECS itself rolls the service back when its circuit
// breaker trips.
func circuitBreakerRollsBack(svc *types.Service) bool {
	dc := svc.DeploymentConfiguration
	return dc != nil && dc.DeploymentCircuitBreaker != nil &&
		dc.DeploymentCircuitBreaker.Enable && dc.DeploymentCircuitBreaker.Rollback
}

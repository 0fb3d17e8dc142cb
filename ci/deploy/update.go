package deploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// register registers the new revision. ECS rejects a definition it cannot run with a
// ClientException; for a rendered file that is bad input (nothing changed), so it becomes an
// InputError carrying ECS's own words.
func (a *api) register(ctx context.Context, in *ecs.RegisterTaskDefinitionInput) (*types.TaskDefinition, error) {
	out, err := a.ecs.RegisterTaskDefinition(ctx, in, a.ecsOptions)
	if err != nil {
		switch errorCode(err) {
		case "ClientException", "InvalidParameterException":
			return nil, &InputError{
				What: fmt.Sprintf("ECS rejected the new revision of task definition family %q", aws.ToString(in.Family)),
				Why:  errorMessage(err),
				Fix:  "fix the task definition (file) accordingly; nothing was changed",
				Err:  err,
			}
		}
		return nil, fmt.Errorf("register task definition family %q: %w", aws.ToString(in.Family), err)
	}
	return out.TaskDefinition, nil
}

// deregister marks a revision INACTIVE (running tasks are not affected).
func (a *api) deregister(ctx context.Context, arn string) error {
	_, err := a.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(arn)}, a.ecsOptions)
	if err != nil {
		return fmt.Errorf("deregister task definition %s: %w", revisionName(arn), err)
	}
	return nil
}

// updateService points the service at taskDefinition and returns the ID of the deployment that
// this call started: the PRIMARY deployment on that task definition in UpdateService's own
// answer. Identifying it now, rather than "whatever is PRIMARY later", is what lets the watcher
// tell our deployment from one started by someone else meanwhile. The ID is "" when the answer
// has no such deployment (emulators that simulate no rollout).
//
// force starts a new deployment even when the service already runs taskDefinition.
func (a *api) updateService(ctx context.Context, cluster, service, taskDefinition string, force bool) (string, *types.Service, error) {
	out, err := a.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster:            aws.String(cluster),
		Service:            aws.String(service),
		TaskDefinition:     aws.String(taskDefinition),
		ForceNewDeployment: force,
	}, a.ecsOptions)
	if a.sharedReads != nil {
		a.sharedReads.forget(service) // whatever the answer, the service may have changed
	}
	if err != nil {
		return "", nil, fmt.Errorf("update service %q to %s: %w", service, revisionName(taskDefinition), err)
	}
	svc := out.Service
	if svc == nil {
		return "", nil, nil
	}
	a.recent.putService(cluster, service, svc) // the service as it is now, for a diagnosis
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" && aws.ToString(d.TaskDefinition) == taskDefinition {
			return aws.ToString(d.Id), svc, nil
		}
	}
	return "", svc, nil
}

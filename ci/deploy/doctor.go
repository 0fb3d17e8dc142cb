package deploy

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"dagger/pipeline/report"
)

// Doctor analyses what a service's own settings impose on every deploy of it, without
// deploying: the target groups' health checks and deregistration delay, the container health
// check, the replacement rounds of the desired count, with advice where a setting dominates;
// and, when ECS recorded one, how long the last deployment took. It only reads.
func Doctor(ctx context.Context, c Clients, cluster, service string) (*report.Doctor, error) {
	if err := ValidateService(cluster, service); err != nil {
		return nil, err
	}
	a := newAPI(c)
	svc, err := a.readService(ctx, cluster, service)
	if err != nil {
		return nil, err
	}
	live, _, err := a.describeTaskDefinition(ctx, aws.ToString(svc.TaskDefinition))
	if err != nil {
		return nil, err
	}
	groups, err := a.describeTargetGroups(ctx, svc.LoadBalancers)
	if err != nil {
		return nil, err
	}
	s := settingsOf(svc, live, groups)
	d := &report.Doctor{Cluster: cluster, Service: service, TaskDefinition: aws.ToString(svc.TaskDefinition),
		Floor: s.floor(), Advice: advise(s, nil)}
	a.lastDeployment(ctx, cluster, service, d)
	return d, nil
}

// lastDeployment adds how long the service's last finished deployment took, as the service
// deployment API recorded it. It never fails: without that API (older endpoints, emulators) or
// a finished deployment, d stays as it is.
func (a *api) lastDeployment(ctx context.Context, cluster, service string, d *report.Doctor) {
	deps, err := a.serviceDeployments(ctx, cluster, service, time.Time{})
	if err != nil {
		return
	}
	var latest *time.Time
	for _, sd := range deps {
		if sd.StartedAt == nil || sd.FinishedAt == nil || (latest != nil && !sd.StartedAt.After(*latest)) {
			continue
		}
		latest = sd.StartedAt
		d.LastDeploy, d.LastStatus = sd.FinishedAt.Sub(*sd.StartedAt), string(sd.Status)
	}
}

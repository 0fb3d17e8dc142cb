package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The service deployment API (ListServiceDeployments, DescribeServiceDeployments) says what
// DescribeServices forgets once a deployment is gone: its final status and why, which revision
// ECS rolled back to, and which circuit breaker or CloudWatch alarms triggered it. The engine
// reads it once, when our deployment failed or disappeared, to enrich the diagnosis. Where the
// API does not exist (older partitions, emulators such as moto), the diagnosis rests on
// DescribeServices alone, as it did while waiting.

// addHistory adds the service deployment API's account of our deployment (final status,
// rollback target, circuit breaker and alarms) to the diagnosis evidence, when the API exists.
func (r *run) addHistory(ctx context.Context, res *Result) {
	if res.Diagnosis == nil || res.DeploymentID == "" {
		return
	}
	hctx, cancel := freshContext(ctx)
	defer cancel()
	history := r.api.deploymentHistory(hctx, res.Cluster, res.Service, res.DeploymentID, res.PreviousTaskDefinition, r.updateAt)
	res.Diagnosis.Evidence = dedupe(append(res.Diagnosis.Evidence, history...))
}

// historyClockSkew widens the createdAt filter: ECS stamps createdAt with its clock, the
// engine's "since" is ours.
const historyClockSkew = 30 * time.Second

// historyRetryer retries only throttling: these calls are optional, and an endpoint without
// the API must not cost the deploy the engine's ten attempts on each.
func historyRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.MaxBackoff = retryMaxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes}}
	})
}

func (a *api) historyOptions(o *ecs.Options) {
	a.ecsOptions(o)
	o.Retryer = historyRetryer()
}

// deploymentHistory returns diagnosis evidence about the service deployments created since
// (ours, and the rollback or other deployment that followed it); deploymentID names ours.
// previous is the task definition that ran before ours, to name the revision ECS rolled back
// to. It never fails: an API that is missing is remembered for the run and skipped from then
// on; any other error leaves the diagnosis as it is.
func (a *api) deploymentHistory(ctx context.Context, cluster, service, deploymentID, previous string, since time.Time) []string {
	if a.noServiceDeployments.Load() || since.IsZero() {
		return nil
	}
	deps, err := a.serviceDeployments(ctx, cluster, service, since.Add(-historyClockSkew))
	if err != nil {
		a.noteHistoryError(err)
		return nil
	}
	if len(deps) == 0 {
		return nil
	}
	sort.SliceStable(deps, func(i, j int) bool { return aws.ToTime(deps[i].CreatedAt).Before(aws.ToTime(deps[j].CreatedAt)) })
	ours := ourServiceDeployment(deps, deploymentID, since)
	var evidence []string
	for i := range deps {
		evidence = append(evidence, describeServiceDeployment(&deps[i], i == ours, previous)...)
	}
	return evidence
}

// serviceDeployments describes the service's deployments created after since (all the API keeps
// when since is zero), at most the 20 one describe call takes.
func (a *api) serviceDeployments(ctx context.Context, cluster, service string, since time.Time) ([]types.ServiceDeployment, error) {
	in := &ecs.ListServiceDeploymentsInput{Cluster: aws.String(cluster), Service: aws.String(service)}
	if !since.IsZero() {
		in.CreatedAt = &types.CreatedAt{After: aws.Time(since)}
	}
	list, err := a.ecs.ListServiceDeployments(ctx, in, a.historyOptions)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, b := range list.ServiceDeployments {
		if b.CreatedAt == nil || !b.CreatedAt.Before(since) {
			arns = append(arns, aws.ToString(b.ServiceDeploymentArn))
		}
	}
	if len(arns) == 0 {
		return nil, nil
	}
	out, err := a.ecs.DescribeServiceDeployments(ctx, &ecs.DescribeServiceDeploymentsInput{
		ServiceDeploymentArns: arns[:min(len(arns), 20)],
	}, a.historyOptions)
	if err != nil {
		return nil, err
	}
	return out.ServiceDeployments, nil
}

// noteHistoryError remembers for the run that the service deployment API is unavailable.
func (a *api) noteHistoryError(err error) {
	if historyUnavailable(err) {
		a.noServiceDeployments.Store(true)
	}
}

// historyUnavailable: the endpoint does not know the operation. AWS says so with an error
// code; emulators answer 404/501, or an HTTP 500 that is not an AWS error at all (moto).
func historyUnavailable(err error) bool {
	switch errorCode(err) {
	case "UnknownOperationException", "UnknownOperation", "InvalidAction", "UnsupportedOperation",
		"NotImplemented", "NotImplementedException":
		return true
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		switch resp.HTTPStatusCode() {
		case http.StatusNotFound, http.StatusNotImplemented:
			return true
		case http.StatusInternalServerError:
			return errorCode(err) == "" || strings.HasPrefix(errorCode(err), "<")
		}
	}
	return false
}

// ourServiceDeployment picks, among deps (oldest first), the one our UpdateService created:
// the one whose ID ends like our deployment's ID (ecs-svc/<n> and …/<n>) if any, else the
// first created since our update, else -1.
func ourServiceDeployment(deps []types.ServiceDeployment, deploymentID string, since time.Time) int {
	if n := deploymentID[strings.LastIndex(deploymentID, "/")+1:]; n != "" {
		for i, d := range deps {
			if strings.HasSuffix(aws.ToString(d.ServiceDeploymentArn), "/"+n) {
				return i
			}
		}
	}
	for i, d := range deps {
		if !aws.ToTime(d.CreatedAt).Before(since.Add(-historyClockSkew)) {
			return i
		}
	}
	return -1
}

// describeServiceDeployment is a service deployment's evidence lines, e.g.
//
//	service deployment 7391… (ours): ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start.
//	circuit breaker TRIGGERED: 3 failed tasks (threshold 3)
//	ECS rolled back to the revision that ran before (web:1, service revision …/5100…): Circuit Breaker has been triggered
func describeServiceDeployment(d *types.ServiceDeployment, ours bool, previous string) []string {
	arn := aws.ToString(d.ServiceDeploymentArn)
	who := ""
	if ours {
		who = " (ours)"
	}
	line := fmt.Sprintf("service deployment %s%s: %s", arn[strings.LastIndex(arn, "/")+1:], who, d.Status)
	if r := aws.ToString(d.StatusReason); r != "" {
		line += ": " + r
	}
	lines := []string{line}
	if cb := d.DeploymentCircuitBreaker; cb != nil && cb.Status == types.ServiceDeploymentRollbackMonitorsStatusTriggered {
		lines = append(lines, fmt.Sprintf("circuit breaker TRIGGERED: %d failed tasks (threshold %d)", cb.FailureCount, cb.Threshold))
	}
	if al := d.Alarms; al != nil && al.Status == types.ServiceDeploymentRollbackMonitorsStatusTriggered {
		names := al.TriggeredAlarmNames
		if len(names) == 0 {
			names = al.AlarmNames
		}
		lines = append(lines, "CloudWatch alarms TRIGGERED: "+strings.Join(names, ", "))
	}
	if rb := d.Rollback; rb != nil {
		to := aws.ToString(rb.ServiceRevisionArn)
		target := "service revision " + to
		for _, src := range d.SourceServiceRevisions {
			if aws.ToString(src.Arn) == to && previous != "" {
				target = fmt.Sprintf("the revision that ran before (%s, service revision %s)", revisionName(previous), to)
			}
		}
		line := "ECS rolled back to " + target
		if r := aws.ToString(rb.Reason); r != "" {
			line += ": " + r
		}
		lines = append(lines, line)
	}
	return lines
}

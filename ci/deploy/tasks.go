package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// listTasks returns the ARNs of the tasks a deployment started (ECS sets a service task's
// startedBy to its deployment ID) with the given desired status: all of them, or with limit > 0
// the first page of at most limit (one call).
func (a *api) listTasks(ctx context.Context, pol callPolicy, cluster, deploymentID string, status types.DesiredStatus, limit int) ([]string, error) {
	var arns []string
	in := &ecs.ListTasksInput{Cluster: aws.String(cluster), StartedBy: aws.String(deploymentID), DesiredStatus: status}
	if limit > 0 {
		in.MaxResults = aws.Int32(int32(limit))
	}
	p := ecs.NewListTasksPaginator(a.taskLists, in)
	for p.HasMorePages() && (limit <= 0 || len(arns) < limit) {
		out, err := p.NextPage(ctx, a.ecsOptionsFor(pol))
		if err != nil {
			return nil, fmt.Errorf("list %s tasks of %s: %w", strings.ToLower(string(status)), deploymentID, err)
		}
		arns = append(arns, out.TaskArns...)
	}
	sort.Strings(arns)
	return arns, nil
}

// describeTasks describes tasks, 100 at a time (the API's limit).
func (a *api) describeTasks(ctx context.Context, pol callPolicy, cluster string, arns []string) ([]types.Task, error) {
	var tasks []types.Task
	for start := 0; start < len(arns); start += 100 {
		chunk := arns[start:min(start+100, len(arns))]
		out, err := a.taskDescs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: chunk}, a.ecsOptionsFor(pol))
		if err != nil {
			return nil, fmt.Errorf("describe tasks: %w", err)
		}
		tasks = append(tasks, out.Tasks...)
	}
	return tasks, nil
}

// describeContainerInstances maps container instances to their EC2 instance IDs, 100 at a time
// (the API's limit). One that ECS no longer knows is left out.
func (a *api) describeContainerInstances(ctx context.Context, pol callPolicy, cluster string, arns []string) (map[string]string, error) {
	ids := map[string]string{}
	for start := 0; start < len(arns); start += 100 {
		chunk := arns[start:min(start+100, len(arns))]
		out, err := a.instances.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{
			Cluster: aws.String(cluster), ContainerInstances: chunk,
		}, a.ecsOptionsFor(pol))
		if err != nil {
			return nil, fmt.Errorf("describe container instances: %w", err)
		}
		for _, ci := range out.ContainerInstances {
			ids[aws.ToString(ci.ContainerInstanceArn)] = aws.ToString(ci.Ec2InstanceId)
		}
	}
	return ids, nil
}

// shortTaskID is the task ID's first 8 characters, enough to tell tasks apart in a log.
func shortTaskID(arn string) string {
	id := arn[strings.LastIndex(arn, "/")+1:]
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// isScaleIn reports whether a stopped task was stopped by the scheduler on purpose (a later
// deployment or a scale-in), which is not evidence that our revision is broken.
func isScaleIn(t types.Task) bool {
	return strings.HasPrefix(aws.ToString(t.StoppedReason), "Scaling activity initiated by")
}

// taskEvidence is a stopped task's line in a diagnosis: which task, which revision, why it
// stopped, and each container's exit code and reason.
func taskEvidence(t types.Task) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %s (%s) stopped", shortTaskID(aws.ToString(t.TaskArn)), revisionName(aws.ToString(t.TaskDefinitionArn)))
	if r := aws.ToString(t.StoppedReason); r != "" {
		fmt.Fprintf(&b, ": %s", r)
	} else if t.StopCode != "" {
		fmt.Fprintf(&b, ": %s", t.StopCode)
	}
	for _, c := range t.Containers {
		var parts []string
		if c.ExitCode != nil {
			parts = append(parts, fmt.Sprintf("exit code %d", *c.ExitCode))
		}
		if r := aws.ToString(c.Reason); r != "" {
			parts = append(parts, fmt.Sprintf("(reason: %s)", r))
		}
		if len(parts) == 0 {
			continue
		}
		fmt.Fprintf(&b, "; container %s %s", aws.ToString(c.Name), strings.Join(parts, " "))
	}
	return b.String()
}

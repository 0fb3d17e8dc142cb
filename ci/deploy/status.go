package deploy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ServiceStatus is where a service stands: the revision it runs and its images, task counts,
// each target's health, and the latest deployments and events.
type ServiceStatus struct {
	Cluster, Service          string
	TaskDefinition            string            // ARN the service is set to (its PRIMARY deployment's)
	Images                    map[string]string // container name → image
	Desired, Running, Pending int32
	Deployments               []DeploymentStatus
	Targets                   []TargetStatus
	Events                    []EventStatus // newest first, at most 10
}

// DeploymentStatus is one of the service's deployments.
type DeploymentStatus struct {
	ID, Status, TaskDefinition        string
	RolloutState, RolloutStateReason  string
	Desired, Running, Pending, Failed int32
	CreatedAt, UpdatedAt              time.Time
}

// TargetStatus is one target in one of the service's target groups.
type TargetStatus struct {
	TargetGroup                string
	ID                         string
	Port                       int32
	State, Reason, Description string
}

// EventStatus is a service event.
type EventStatus struct {
	At      time.Time
	Message string
}

const statusEvents = 10

// Status reads where the service stands. It changes nothing. A service not named, or not found,
// is an InputError.
func Status(ctx context.Context, c Clients, cluster, service string) (*ServiceStatus, error) {
	if err := ValidateService(cluster, service); err != nil {
		return nil, err
	}
	a := newAPI(c)
	svc, err := a.describeService(ctx, retried, cluster, service)
	if err != nil {
		return nil, err
	}
	st := &ServiceStatus{
		Cluster: cluster, Service: service, TaskDefinition: aws.ToString(svc.TaskDefinition),
		Desired: svc.DesiredCount, Running: svc.RunningCount, Pending: svc.PendingCount,
		Images: map[string]string{},
	}
	if st.TaskDefinition != "" {
		td, _, err := a.describeTaskDefinition(ctx, st.TaskDefinition)
		if err != nil {
			return nil, err
		}
		for _, cd := range td.ContainerDefinitions {
			st.Images[aws.ToString(cd.Name)] = aws.ToString(cd.Image)
		}
	}
	for _, d := range svc.Deployments {
		st.Deployments = append(st.Deployments, DeploymentStatus{
			ID: aws.ToString(d.Id), Status: aws.ToString(d.Status), TaskDefinition: aws.ToString(d.TaskDefinition),
			RolloutState: string(d.RolloutState), RolloutStateReason: aws.ToString(d.RolloutStateReason),
			Desired: d.DesiredCount, Running: d.RunningCount, Pending: d.PendingCount, Failed: d.FailedTasks,
			CreatedAt: aws.ToTime(d.CreatedAt), UpdatedAt: aws.ToTime(d.UpdatedAt),
		})
	}
	groups, err := a.describeTargetGroups(ctx, svc.LoadBalancers)
	if err != nil {
		return nil, err
	}
	for _, arn := range sortedKeys(groups) {
		descs, err := a.describeTargetHealth(ctx, retried, arn)
		if err != nil {
			return nil, err
		}
		for _, d := range descs {
			t := TargetStatus{TargetGroup: groups[arn].name}
			if d.Target != nil {
				t.ID, t.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
			}
			if h := d.TargetHealth; h != nil {
				t.State, t.Reason, t.Description = string(h.State), string(h.Reason), aws.ToString(h.Description)
			}
			st.Targets = append(st.Targets, t)
		}
	}
	sort.SliceStable(st.Targets, func(i, j int) bool {
		a, b := st.Targets[i], st.Targets[j]
		if a.TargetGroup != b.TargetGroup {
			return a.TargetGroup < b.TargetGroup
		}
		return a.ID < b.ID
	})
	for i, e := range svc.Events {
		if i == statusEvents {
			break
		}
		st.Events = append(st.Events, EventStatus{At: aws.ToTime(e.CreatedAt), Message: aws.ToString(e.Message)})
	}
	return st, nil
}

// Render writes the status for a person.
func (s *ServiceStatus) Render(w io.Writer) {
	fmt.Fprintf(w, "service %s (cluster %s)\n", s.Service, s.Cluster)
	fmt.Fprintf(w, "  runs      %s\n", revisionName(s.TaskDefinition))
	for _, name := range sortedKeys(s.Images) {
		fmt.Fprintf(w, "  image     %s: %s\n", name, s.Images[name])
	}
	fmt.Fprintf(w, "  tasks     %d/%d running, %d pending\n", s.Running, s.Desired, s.Pending)
	if len(s.Deployments) > 0 {
		fmt.Fprintln(w, "deployments:")
		for _, d := range s.Deployments {
			line := fmt.Sprintf("  %-8s %s  %s  running %d/%d pending %d", d.Status, d.ID, revisionName(d.TaskDefinition), d.Running, d.Desired, d.Pending)
			if d.Failed > 0 {
				line += fmt.Sprintf(" failed %d", d.Failed)
			}
			if d.RolloutState != "" {
				line += "  " + d.RolloutState
			}
			if d.RolloutStateReason != "" {
				line += " (" + d.RolloutStateReason + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(s.Targets) > 0 {
		fmt.Fprintln(w, "targets:")
		for _, t := range s.Targets {
			line := fmt.Sprintf("  %s  %s:%d  %s", t.TargetGroup, t.ID, t.Port, t.State)
			if t.Reason != "" || t.Description != "" {
				line += " (" + strings.Trim(t.Reason+": "+t.Description, ": ") + ")"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(s.Events) > 0 {
		fmt.Fprintln(w, "events:")
		for _, e := range s.Events {
			fmt.Fprintf(w, "  %s  %s\n", e.At.Format(time.DateTime), e.Message)
		}
	}
}

package deploy_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
	"dagger/pipeline/report"
)

const (
	liveDigest  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	newDigest   = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	thirdImage  = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v3@sha256:3333333333333333333333333333333333333333333333333333333333333333"
	workerImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:9999999999999999999999999999999999999999999999999999999999999999"
)

func TestMotoRollbackToImageDigest(t *testing.T) {
	srv := moto.Start(t)
	e := setUp(t, srv) // app:1 runs liveDigest
	deployImage := func(image string) string {
		t.Helper()
		opts := e.options()
		opts.Image = image
		res, err := deploy.Deploy(testContext(t), e.clients, opts)
		if err != nil || res.Outcome != deploy.Started {
			t.Fatalf("Deploy %s = %+v, %v", image, res, err)
		}
		return res.TaskDefinition
	}
	rev2 := deployImage(newImage)  // newDigest
	deployImage(thirdImage)        // app:3
	rev4 := deployImage(liveImage) // liveDigest again, newer than app:1
	// A family whose name starts with the service's: ListTaskDefinitions' FamilyPrefix lists it
	// too, and its revision must not be taken for one of app's.
	if _, err := e.clients.ECS.RegisterTaskDefinition(testContext(t), &ecs.RegisterTaskDefinitionInput{
		Family:               aws.String("app-worker"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("w"), Image: aws.String(workerImage), Memory: aws.Int32(128)}},
	}); err != nil {
		t.Fatal(err)
	}
	rollback := func(opts deploy.RollbackOptions) (*deploy.Result, error) {
		opts.Cluster, opts.Service, opts.NoWait = cluster, service, true
		return deploy.Rollback(testContext(t), e.clients, opts)
	}

	res, err := rollback(deploy.RollbackOptions{ToImageDigest: newDigest})
	if err != nil || res.Outcome != deploy.Started || res.TaskDefinition != rev2 || res.PreviousTaskDefinition != rev4 {
		t.Fatalf("Rollback to %s = %+v, %v; want Started on %s from %s", newDigest, res, err, rev2, rev4)
	}
	if got := e.serviceTaskDefinition(t); got != rev2 {
		t.Errorf("service runs %s, want %s", got, rev2)
	}

	// Two revisions run liveDigest: the newest one wins.
	res, err = rollback(deploy.RollbackOptions{ToImageDigest: liveDigest})
	if err != nil || res.TaskDefinition != rev4 || e.serviceTaskDefinition(t) != rev4 {
		t.Fatalf("Rollback to %s = %+v, %v; want %s (newer than %s)", liveDigest, res, err, rev4, e.live)
	}
	res, err = rollback(deploy.RollbackOptions{ToImageDigest: liveDigest})
	if err != nil || res.Outcome != deploy.Unchanged {
		t.Errorf("Rollback to the running digest = %+v, %v; want Unchanged", res, err)
	}

	before := e.revisions(t)
	unknown := "sha256:" + strings.Repeat("4", 64)
	for name, c := range map[string]struct {
		opts deploy.RollbackOptions
		want []string
		next *report.Step // the way there the error offers instead
	}{
		"unknown digest": {deploy.RollbackOptions{ToImageDigest: unknown},
			[]string{"no ACTIVE revision of app runs the image sha256:4444"},
			&report.Step{Note: "deploy that image instead", Action: report.Deploy, Image: unknown}},
		"other family's digest": {deploy.RollbackOptions{ToImageDigest: "sha256:" + strings.Repeat("9", 64)},
			[]string{"no ACTIVE revision of app runs the image sha256:9999"}, nil},
		"both a revision and a digest": {deploy.RollbackOptions{To: "2", ToImageDigest: newDigest}, []string{"give only one of them"}, nil},
		"not a digest":                 {deploy.RollbackOptions{ToImageDigest: "sha256:abc"}, []string{`"sha256:abc" is not sha256:<64 lowercase hex>`}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := rollback(c.opts)
			var inputErr *deploy.InputError
			if !errors.As(err, &inputErr) || res != nil {
				t.Fatalf("Rollback = %+v, %v; want an InputError and no result", res, err)
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if c.next != nil && (inputErr.Next == nil || *inputErr.Next != *c.next) {
				t.Errorf("Next = %+v; want %+v", inputErr.Next, c.next)
			}
			if got := e.serviceTaskDefinition(t); got != rev4 {
				t.Errorf("service moved to %s", got)
			}
		})
	}
	if after := e.revisions(t); !reflect.DeepEqual(before, after) {
		t.Errorf("revisions changed: %v -> %v", before, after)
	}
}

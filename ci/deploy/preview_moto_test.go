package deploy_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/moto"
)

// serviceSnapshot is what a plan must leave as it was: every revision of the family and the
// service's task definition and deployments.
func (e motoEnv) serviceSnapshot(t *testing.T) string {
	t.Helper()
	out, err := e.clients.ECS.DescribeServices(testContext(t), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{service}})
	if err != nil || len(out.Services) != 1 {
		t.Fatalf("DescribeServices: %v", err)
	}
	svc := out.Services[0]
	var deps []string
	for _, d := range svc.Deployments {
		deps = append(deps, aws.ToString(d.Id)+" "+aws.ToString(d.TaskDefinition)+" "+aws.ToString(d.Status))
	}
	return strings.Join(append(e.revisions(t), "service on "+aws.ToString(svc.TaskDefinition), "deployments "+strings.Join(deps, "; ")), "\n")
}

func changeLines(t *testing.T, p *deploy.PlanPreview) []string {
	t.Helper()
	changes, err := p.Changes()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	return lines
}

func TestMotoPlan(t *testing.T) {
	srv := moto.Start(t)

	t.Run("a new image is the only change", func(t *testing.T) {
		e := setUp(t, srv)
		before := e.serviceSnapshot(t)
		p, err := deploy.Preview(testContext(t), e.clients, e.options())
		if err != nil {
			t.Fatal(err)
		}
		if p.Unchanged || p.CurrentTaskDefinition != e.live || p.Cluster != cluster || p.Service != service {
			t.Errorf("preview = %+v", p)
		}
		want := []string{`~ containerDefinitions[app].image: "` + liveImage + `" → "` + newImage + `"`}
		if got := changeLines(t, p); !reflect.DeepEqual(got, want) {
			t.Errorf("changes = %q\nwant %q", got, want)
		}
		if want := []string{"taskDefinition: app:1 -> app:(next)"}; !reflect.DeepEqual(p.ServiceChanges, want) {
			t.Errorf("service changes = %q, want %q", p.ServiceChanges, want)
		}
		// Current is the live revision as RegisterTaskDefinition would take it.
		var current map[string]any
		if err := json.Unmarshal(p.Current, &current); err != nil || current["family"] != "app" || current["taskDefinitionArn"] != nil {
			t.Errorf("Current = %s (%v)", p.Current, err)
		}
		if after := e.serviceSnapshot(t); after != before {
			t.Errorf("plan changed AWS:\nbefore %s\nafter  %s", before, after)
		}
	})

	t.Run("a committed file shows its differences", func(t *testing.T) {
		e := setUp(t, srv)
		var doc map[string]any
		data, err := os.ReadFile("testdata/rich-taskdef.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		td := doc["taskDefinition"].(map[string]any)
		td["memory"] = "2048"
		app := td["containerDefinitions"].([]any)[0].(map[string]any)
		app["environment"] = []any{
			map[string]any{"name": "LOG_LEVEL", "value": "debug"},
			map[string]any{"name": "FEATURE_X", "value": "on"},
		}
		edited, _ := json.Marshal(doc)
		opts := e.options()
		opts.TaskDefinition = edited
		before := e.serviceSnapshot(t)
		p, err := deploy.Preview(testContext(t), e.clients, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`+ containerDefinitions[app].environment[FEATURE_X]: "on"`,
			`~ containerDefinitions[app].environment[LOG_LEVEL]: "info" → "debug"`,
			`~ containerDefinitions[app].image: "` + liveImage + `" → "` + newImage + `"`,
			`~ memory: "1024" → "2048"`,
		}
		if got := changeLines(t, p); !reflect.DeepEqual(got, want) {
			t.Errorf("changes =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		var out strings.Builder
		if err := p.Render(&out); err != nil || !strings.Contains(out.String(), "1 to add, 3 to change, 0 to remove") ||
			!strings.Contains(out.String(), "~ service.taskDefinition: app:1 -> app:(next)") {
			t.Errorf("Render = %v:\n%s", err, out.String())
		}
		if after := e.serviceSnapshot(t); after != before {
			t.Errorf("plan changed AWS:\nbefore %s\nafter  %s", before, after)
		}
	})

	t.Run("the live image is Unchanged", func(t *testing.T) {
		e := setUp(t, srv)
		opts := e.options()
		opts.Image = liveImage
		p, err := deploy.Preview(testContext(t), e.clients, opts)
		if err != nil || !p.Unchanged || len(p.ServiceChanges) != 0 || len(changeLines(t, p)) != 0 {
			t.Errorf("Preview = %+v, %v; want Unchanged with no changes", p, err)
		}
	})

	t.Run("bad input errors exactly like deploy", func(t *testing.T) {
		e := setUp(t, srv)
		before := e.serviceSnapshot(t)
		for name, edit := range map[string]func(*deploy.Options){
			"unknown cluster":   func(o *deploy.Options) { o.Cluster = "nope" },
			"unknown service":   func(o *deploy.Options) { o.Service = "nope" },
			"unknown container": func(o *deploy.Options) { o.Container = "web" },
			"tag-only image":    func(o *deploy.Options) { o.Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2" },
			"missing container": func(o *deploy.Options) { o.Container = "" },
			"bad file": func(o *deploy.Options) {
				o.TaskDefinition = []byte(`{"family":"app","containerDefinitions":[{"name":"app","imag":"x"}]}`)
			},
		} {
			t.Run(name, func(t *testing.T) {
				opts := e.options()
				edit(&opts)
				p, planErr := deploy.Preview(testContext(t), e.clients, opts)
				_, deployErr := deploy.Deploy(testContext(t), e.clients, opts)
				var inputErr *deploy.InputError
				if p != nil || !errors.As(planErr, &inputErr) {
					t.Fatalf("Preview = %+v, %v; want an InputError", p, planErr)
				}
				if deployErr == nil || planErr.Error() != deployErr.Error() || deploy.ExitCode(nil, planErr) != deploy.ExitCode(nil, deployErr) {
					t.Errorf("plan and deploy disagree:\nplan:   %v\ndeploy: %v", planErr, deployErr)
				}
			})
		}
		if after := e.serviceSnapshot(t); after != before {
			t.Errorf("bad input changed AWS:\nbefore %s\nafter  %s", before, after)
		}
	})
}

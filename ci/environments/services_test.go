package environments

import (
	"dagger/pipeline/deploy"

	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

// withServices is validECS with its one service replaced by a services list.
func withServices(list ...map[string]any) map[string]any {
	env := validECS()
	delete(env, "service")
	delete(env, "container")
	delete(env, "taskDefinition")
	items := make([]any, len(list))
	for i, s := range list {
		items[i] = s
	}
	env["services"] = items
	return env
}

func TestServicesListTheReleaseMainServiceFirst(t *testing.T) {
	env := withServices(
		map[string]any{"service": "web", "container": "app", "taskDefinition": "live"},
		map[string]any{"service": "worker", "container": "worker", "taskDefinition": "deploy/worker.json"},
	)
	cfg, err := Load(document(t, map[string]map[string]any{"staging": env}))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := cfg.Get("staging")
	want := []Service{{"web", "app", "live"}, {"worker", "worker", "deploy/worker.json"}}
	if !reflect.DeepEqual(got.Services, want) {
		t.Errorf("Services = %+v, want %+v", got.Services, want)
	}
	if got.Service != "web" || got.Container != "app" || !got.UsesLiveTaskDefinition() {
		t.Errorf("the main service is %s/%s/%s, want the first entry web/app/live", got.Service, got.Container, got.TaskDefinition)
	}
	if got.Services[1].UsesLiveTaskDefinition() {
		t.Error("worker names a file, yet UsesLiveTaskDefinition is true")
	}
}

func TestServicesProblemsNameTheEntryAndKey(t *testing.T) {
	tooMany := make([]map[string]any, 11)
	for i := range tooMany {
		tooMany[i] = map[string]any{"service": "s" + string(rune('a'+i)), "container": "app", "taskDefinition": "live"}
	}
	mixed := withServices(map[string]any{"service": "web", "container": "app", "taskDefinition": "live"})
	mixed["service"] = "web"
	notAList := validECS()
	delete(notAList, "service")
	notAList["services"] = "web,worker"

	cases := []struct {
		name string
		env  map[string]any
		want []string // each must appear in one problem line
	}{
		{"empty", withServices(), []string{`key "services": is empty`}},
		{"eleven", withServices(tooMany...), []string{`key "services": lists 11 services; one deploy watches at most 10`}},
		{"next to service", mixed, []string{`key "service": is set next to "services"`}},
		{"twice", withServices(
			map[string]any{"service": "web", "container": "app", "taskDefinition": "live"},
			map[string]any{"service": "web", "container": "worker", "taskDefinition": "live"},
		), []string{`key "services[1].service": "web" is listed twice (also services[0])`}},
		{"entry keys", withServices(
			map[string]any{"service": "web", "container": "app", "taskDefinition": "live"},
			map[string]any{"service": "arn:aws:ecs:eu-west-1:123456789012:service/c/worker", "containr": "worker", "taskDefinition": "worker.yaml"},
		), []string{
			`key "services[1].service": "arn:aws:ecs:eu-west-1:123456789012:service/c/worker" is an ARN`,
			`key "services[1].containr": unknown key. Fix: did you mean "services[1].container"?`,
			`key "services[1].container": is missing`,
			`key "services[1].taskDefinition": "worker.yaml" is neither "live" nor a .json file`,
		}},
		{"not a list", notAList, []string{`key "services": must be a list of objects, not "web,worker"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(document(t, map[string]map[string]any{"staging": tc.env}))
			var invalid *ValidationError
			if !errors.As(err, &invalid) {
				t.Fatalf("Load error = %v, want a *ValidationError", err)
			}
			text := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no problem says %q; got:\n%s", w, text)
				}
			}
		})
	}
}

func TestServicesTaskDefinitionFilesAreReadAtCheck(t *testing.T) {
	env := withServices(
		map[string]any{"service": "web", "container": "app", "taskDefinition": "live"},
		map[string]any{"service": "worker", "container": "worker", "taskDefinition": "deploy/worker.json"},
	)
	_, err := Check(document(t, map[string]map[string]any{"staging": env}), func(string) ([]byte, error) {
		return nil, fs.ErrNotExist
	}, deploy.TaskDefinitionProblem)
	if err == nil || !strings.Contains(err.Error(), `key "services[1].taskDefinition": "deploy/worker.json" is not in the repository`) {
		t.Errorf("Check error = %v, want the missing worker task definition named by its key", err)
	}
}

package plan

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// The engine marshals aws-sdk-go-v2 types, which have no json tags: keys are Go field names.
func TestDiffTaskDefinitionsOfSDKTypes(t *testing.T) {
	current := types.TaskDefinition{
		TaskDefinitionArn:       aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/app:7"),
		Revision:                7,
		Status:                  types.TaskDefinitionStatusActive,
		RegisteredAt:            aws.Time(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)),
		RegisteredBy:            aws.String("arn:aws:iam::123456789012:role/deployer"),
		Compatibilities:         []types.Compatibility{types.CompatibilityEc2, types.CompatibilityFargate},
		RequiresAttributes:      []types.Attribute{{Name: aws.String("com.amazonaws.ecs.capability.logging-driver.awslogs")}},
		Family:                  aws.String("app"),
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		NetworkMode:             types.NetworkModeAwsvpc,
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name:         aws.String("app"),
			Image:        aws.String(imageA),
			Essential:    aws.Bool(true),
			PortMappings: []types.PortMapping{{Name: aws.String("http"), ContainerPort: aws.Int32(8080), Protocol: types.TransportProtocolTcp}},
			Environment:  []types.KeyValuePair{{Name: aws.String("LOG_LEVEL"), Value: aws.String("info")}},
			Secrets:      []types.Secret{{Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("arn:aws:ssm:eu-west-1:123456789012:parameter/db")}},
		}},
	}
	next := current
	next.TaskDefinitionArn, next.Revision, next.Status, next.RegisteredAt, next.RegisteredBy = nil, 0, "", nil, nil
	next.Compatibilities, next.RequiresAttributes = nil, nil
	container := current.ContainerDefinitions[0]
	container.Image = aws.String(imageB)
	container.Environment = []types.KeyValuePair{
		{Name: aws.String("API_KEY"), Value: aws.String("k-123")},
		{Name: aws.String("LOG_LEVEL"), Value: aws.String("info")},
	}
	next.ContainerDefinitions = []types.ContainerDefinition{container}

	before, err := json.Marshal(current)
	if err != nil {
		t.Fatal(err)
	}
	after, err := json.Marshal(next)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := DiffTaskDefinitions(before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`+ ContainerDefinitions[app].Environment[API_KEY]: (sensitive)`,
		`~ ContainerDefinitions[app].Image: "` + imageA + `" → "` + imageB + `"`,
	}
	if got := lines(changes); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("DiffTaskDefinitions =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Diff itself compares everything, so it also lists what ECS set on registration.
	all, err := Diff(before, after)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"Compatibilities", "RegisteredAt", "RegisteredBy", "RequiresAttributes", "Status", "TaskDefinitionArn"} {
		if !hasChange(all, Removed, path) {
			t.Errorf("Diff does not list the removal of %s:\n%s", path, strings.Join(lines(all), "\n"))
		}
	}
	// Revision is an int32, not a pointer, in the SDK: unset, it marshals as 0.
	if !hasChange(all, Modified, "Revision") {
		t.Errorf("Diff does not list Revision 7 → 0:\n%s", strings.Join(lines(all), "\n"))
	}
}

func TestDiffTaskDefinitionsIgnoresReadOnlyFieldsInAPIKeyStyle(t *testing.T) {
	changes, err := DiffTaskDefinitions(
		[]byte(`{"taskDefinitionArn":"arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3","revision":3,"status":"ACTIVE","family":"app","cpu":"256"}`),
		[]byte(`{"family":"app","cpu":"512"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines(changes), "\n"); got != `~ cpu: "256" → "512"` {
		t.Errorf("DiffTaskDefinitions = %s", got)
	}
}

func hasChange(changes []Change, kind Kind, path string) bool {
	for _, c := range changes {
		if c.Kind == kind && (c.Path == path || strings.HasPrefix(c.Path, path+"[")) {
			return true
		}
	}
	return false
}

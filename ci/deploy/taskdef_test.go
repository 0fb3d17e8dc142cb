package deploy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// fill sets every exported field of v (recursively) to a non-zero value, so a field that a
// copy or a decoder drops shows up as a difference.
func fill(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("v" + strings.Repeat("x", depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(7 + depth))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(1.5)
	case reflect.Interface:
		// document types: none in task definitions today; leave nil
	}
}

func exportedFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.IsExported() {
			names = append(names, f.Name)
		}
	}
	return names
}

func TestCloneCopiesEverySettableField(t *testing.T) {
	var td types.TaskDefinition
	fill(reflect.ValueOf(&td).Elem(), 0)
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}

	in := cloneTaskDefinition(&td, tags)

	inType, tdType := reflect.TypeOf(*in), reflect.TypeOf(td)
	tdVal, inVal := reflect.ValueOf(td), reflect.ValueOf(*in)
	var inputOnly []string
	for _, name := range exportedFields(inType) {
		if _, ok := tdType.FieldByName(name); !ok {
			inputOnly = append(inputOnly, name)
			continue
		}
		if got, want := inVal.FieldByName(name).Interface(), tdVal.FieldByName(name).Interface(); !reflect.DeepEqual(got, want) {
			t.Errorf("clone dropped or changed %s: got %#v, want %#v", name, got, want)
		}
	}
	// A new input-only field needs a decision (where does its value come from?), like Tags.
	if !slices.Equal(inputOnly, []string{"Tags"}) {
		t.Errorf("RegisterTaskDefinitionInput fields absent from TaskDefinition = %v; want [Tags]: decide how to clone the new ones", inputOnly)
	}
	if !reflect.DeepEqual(in.Tags, tags) {
		t.Errorf("tags = %v, want %v", in.Tags, tags)
	}
	// Every TaskDefinition field is either copied or knowingly read-only.
	readOnly := []string{"Compatibilities", "DeleteRequestedAt", "DeregisteredAt", "RegisteredAt", "RegisteredBy",
		"RequiresAttributes", "Revision", "Status", "TaskDefinitionArn"}
	for _, name := range exportedFields(tdType) {
		if _, ok := inType.FieldByName(name); !ok && !slices.Contains(readOnly, name) {
			t.Errorf("TaskDefinition.%s is neither copied nor listed as read-only", name)
		}
	}
}

func TestReplaceImageLeavesLiveDefinitionAlone(t *testing.T) {
	td := &types.TaskDefinition{Family: aws.String("app"), ContainerDefinitions: []types.ContainerDefinition{
		{Name: aws.String("app"), Image: aws.String("old")}, {Name: aws.String("envoy"), Image: aws.String("envoy")},
	}}
	in := cloneTaskDefinition(td, nil)
	old, err := replaceImage(in, "app", "new")
	if err != nil || old != "old" {
		t.Fatalf("replaceImage = %q, %v", old, err)
	}
	if got := aws.ToString(in.ContainerDefinitions[0].Image); got != "new" {
		t.Errorf("new revision image = %q", got)
	}
	if got := aws.ToString(td.ContainerDefinitions[0].Image); got != "old" {
		t.Errorf("live definition was modified: image = %q", got)
	}
	_, err = replaceImage(in, "web", "new")
	var inputErr *InputError
	if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), `"web"`) || !strings.Contains(err.Error(), `"envoy"`) {
		t.Errorf("unknown container error = %v; want an InputError naming it and the containers there are", err)
	}
}

// captureRegister sends in through the real SDK serializer to a loopback server and returns the
// request body: the exact JSON the API receives.
func captureRegister(t *testing.T, in *ecs.RegisterTaskDefinitionInput) []byte {
	t.Helper()
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies <- b
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"taskDefinition":{"taskDefinitionArn":"arn:aws:ecs:us-east-1:1:task-definition/x:1"}}`))
	}))
	defer srv.Close()
	client := ecs.New(ecs.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.RegisterTaskDefinition(ctx, in); err != nil {
		t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	return <-bodies
}

func TestRenderMatchesSDKWireFormat(t *testing.T) {
	// Every field, at every depth: what the SDK writes, the renderer must read back identically.
	var full ecs.RegisterTaskDefinitionInput
	fill(reflect.ValueOf(&full).Elem(), 0)
	body := captureRegister(t, &full)
	got, err := ParseTaskDefinition(body)
	if err != nil {
		t.Fatalf("parse what the SDK sent: %v\n%s", err, body)
	}
	if !reflect.DeepEqual(got, &full) {
		t.Errorf("render(SDK wire JSON) differs from the input that produced it\n got: %+v\nwant: %+v", got, &full)
	}
}

func TestRenderDescribeOutputShape(t *testing.T) {
	in, err := ParseTaskDefinition(readTestdata(t, "rich-taskdef.json"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.Family) != "app" || len(in.ContainerDefinitions) != 2 || len(in.Tags) != 2 {
		t.Fatalf("family/containers/tags = %q/%d/%d", aws.ToString(in.Family), len(in.ContainerDefinitions), len(in.Tags))
	}
	app := in.ContainerDefinitions[0]
	checks := map[string]bool{
		"secrets":                   len(app.Secrets) == 2 && aws.ToString(app.Secrets[0].Name) == "DB_PASSWORD",
		"logConfiguration.secret":   app.LogConfiguration != nil && len(app.LogConfiguration.SecretOptions) == 1,
		"logConfiguration.options":  app.LogConfiguration != nil && app.LogConfiguration.Options["dd_service"] == "app",
		"mountPoints":               len(app.MountPoints) == 2,
		"healthCheck":               app.HealthCheck != nil && aws.ToInt32(app.HealthCheck.StartPeriod) == 20,
		"dependsOn":                 len(app.DependsOn) == 1 && app.DependsOn[0].Condition == types.ContainerConditionHealthy,
		"ulimits":                   len(app.Ulimits) == 1 && app.Ulimits[0].SoftLimit == 65536,
		"portMappings.name":         len(app.PortMappings) == 1 && aws.ToString(app.PortMappings[0].Name) == "http",
		"efs":                       len(in.Volumes) == 2 && in.Volumes[0].EfsVolumeConfiguration != nil && in.Volumes[0].EfsVolumeConfiguration.AuthorizationConfig.Iam == types.EFSAuthorizationConfigIAMEnabled,
		"runtimePlatform":           in.RuntimePlatform != nil && in.RuntimePlatform.CpuArchitecture == types.CPUArchitectureArm64,
		"ephemeralStorage":          in.EphemeralStorage != nil && in.EphemeralStorage.SizeInGiB == 30,
		"proxyConfiguration":        in.ProxyConfiguration != nil && len(in.ProxyConfiguration.Properties) == 5,
		"cpu/memory":                aws.ToString(in.Cpu) == "512" && aws.ToString(in.Memory) == "1024",
		"roles":                     strings.HasSuffix(aws.ToString(in.TaskRoleArn), "app-task") && strings.HasSuffix(aws.ToString(in.ExecutionRoleArn), "app-execution"),
		"networkMode":               in.NetworkMode == types.NetworkModeAwsvpc,
		"requiresCompatibilities":   slices.Equal(in.RequiresCompatibilities, []types.Compatibility{types.CompatibilityFargate}),
		"readonlyRootFilesystem":    aws.ToBool(app.ReadonlyRootFilesystem),
		"second container env":      len(in.ContainerDefinitions[1].Environment) == 1,
		"container cpu and memory":  app.Cpu == 384 && aws.ToInt32(app.Memory) == 768 && aws.ToInt32(app.MemoryReservation) == 512,
		"docker labels":             app.DockerLabels["team"] == "payments",
		"tags from beside the def.": aws.ToString(in.Tags[0].Key) == "team",
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("rendered task definition lost %s", name)
		}
	}
	// The same file in RegisterTaskDefinition's input shape renders to the same input.
	body := captureRegister(t, in)
	again, err := ParseTaskDefinition(body)
	if err != nil || !reflect.DeepEqual(again, in) {
		t.Errorf("input shape renders differently: %v", err)
	}
}

func TestRenderRejectsBadFiles(t *testing.T) {
	cases := map[string]struct{ json, want string }{
		"unknown top-level field": {`{"family":"app","famly":"x","containerDefinitions":[{"name":"app","image":"i"}]}`, `"famly"`},
		"unknown nested field":    {`{"family":"app","containerDefinitions":[{"name":"app","imagee":"i"}]}`, `"imagee"`},
		"unknown field beside":    {`{"taskDefinition":{"family":"app","containerDefinitions":[{"name":"a"}]},"tagz":[]}`, `"tagz"`},
		"wrong type":              {`{"family":"app","containerDefinitions":[{"name":"app","memory":"512"}]}`, `memory`},
		"not JSON":                {`family: app`, `not a JSON object`},
		"no family":               {`{"containerDefinitions":[{"name":"app"}]}`, `"family" is missing`},
		"no containers":           {`{"family":"app"}`, `"containerDefinitions" is missing`},
		"container without name":  {`{"family":"app","containerDefinitions":[{"image":"i"}]}`, `no "name"`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTaskDefinition([]byte(c.json))
			var inputErr *InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("err = %v; want an InputError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, "task definition") {
				t.Errorf("message %q should name %s and the task definition", msg, c.want)
			}
			if !slices.Equal(inputErr.Fields, []report.Field{report.FieldTaskDefinition}) {
				t.Errorf("Fields = %v; want the task definition, for the caller to name where it came from", inputErr.Fields)
			}
		})
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSameTaskDefinitionIgnoresEchoedEmptyLists(t *testing.T) {
	data, err := os.ReadFile("testdata/rich-taskdef.json")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := ParseTaskDefinition(data)
	b, _ := ParseTaskDefinition(data)
	b.ContainerDefinitions[1].MountPoints = []types.MountPoint{} // ECS answers [] for fields never set
	b.ContainerDefinitions[1].VolumesFrom = []types.VolumeFrom{}
	if !sameTaskDefinition(a, b) {
		t.Error("empty lists echoed by ECS made the definitions differ")
	}
	b.ContainerDefinitions[0].Secrets = b.ContainerDefinitions[0].Secrets[:1]
	if sameTaskDefinition(a, b) {
		t.Error("a dropped secret went unnoticed")
	}
}

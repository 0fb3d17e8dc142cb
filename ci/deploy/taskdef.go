package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/report"
)

// cloneTaskDefinition builds the input that registers a copy of td: every settable field is
// copied and only the read-only ones (ARN, revision, status, compatibilities, requiresAttributes,
// registration and deregistration times) are left out. Tags live beside the task definition in
// DescribeTaskDefinition's output, so they come in separately. TestCloneCopiesEverySettableField
// fails when an SDK upgrade adds a field that is not copied here.
func cloneTaskDefinition(td *types.TaskDefinition, tags []types.Tag) *ecs.RegisterTaskDefinitionInput {
	return &ecs.RegisterTaskDefinitionInput{
		ContainerDefinitions: append([]types.ContainerDefinition(nil), td.ContainerDefinitions...),
		Cpu:                  td.Cpu,
		EnableFaultInjection: td.EnableFaultInjection,
		EphemeralStorage:     td.EphemeralStorage,
		ExecutionRoleArn:     td.ExecutionRoleArn,
		Family:               td.Family,
		//lint:ignore SA1019 deprecated by AWS, but a revision that has it must keep it
		InferenceAccelerators:         td.InferenceAccelerators,
		IpcMode:                       td.IpcMode,
		Memory:                        td.Memory,
		NetworkMode:                   td.NetworkMode,
		PidMode:                       td.PidMode,
		PlacementConstraints:          td.PlacementConstraints,
		ProxyConfiguration:            td.ProxyConfiguration,
		RequiresCompatibilities:       td.RequiresCompatibilities,
		RuntimePlatform:               td.RuntimePlatform,
		Tags:                          tags,
		TaskRoleArn:                   td.TaskRoleArn,
		TrustedExecutionConfiguration: td.TrustedExecutionConfiguration,
		Volumes:                       td.Volumes,
	}
}

// replaceImage points the named container at image and returns the image it had. The container
// definitions slice is the input's own copy, so the live task definition is never modified.
func replaceImage(in *ecs.RegisterTaskDefinitionInput, container, image string) (string, error) {
	var names []string
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		name := aws.ToString(c.Name)
		if name == container {
			old := aws.ToString(c.Image)
			c.Image = aws.String(image)
			return old, nil
		}
		names = append(names, name)
	}
	return "", &InputError{
		What:   fmt.Sprintf("container %q is not in task definition family %q", container, aws.ToString(in.Family)),
		Why:    fmt.Sprintf("its containers are %s", strings.Join(quoteAll(names), ", ")),
		Fix:    "name one of those containers",
		Fields: []report.Field{report.FieldContainer},
	}
}

// containerImage returns the image of the named container of td, and whether it exists.
func containerImage(td *types.TaskDefinition, container string) (string, bool) {
	for _, c := range td.ContainerDefinitions {
		if aws.ToString(c.Name) == container {
			return aws.ToString(c.Image), true
		}
	}
	return "", false
}

// readOnlyTaskDefinitionFields are in DescribeTaskDefinition's output but not in
// RegisterTaskDefinition's input; a file exported with the AWS CLI carries them, so they are
// dropped rather than rejected.
var readOnlyTaskDefinitionFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
}

const taskDefinitionFix = "fix it: it must hold RegisterTaskDefinition's input, or DescribeTaskDefinition's " +
	"output with its tags (what the AWS CLI's describe-task-definition prints)"

// TaskDefinitionProblem says in a sentence why data is not a task definition Deploy can register
// (ParseTaskDefinition's judgement), or returns nil when it is one: for a checker of committed
// files, such as environments.Check.
func TaskDefinitionProblem(data []byte) error {
	_, err := ParseTaskDefinition(data)
	var input *InputError
	if errors.As(err, &input) && input.Why != "" {
		return errors.New(input.Why)
	}
	return err
}

// ParseTaskDefinition reads a committed task definition and returns the input that registers
// it. Both shapes are accepted: RegisterTaskDefinition's input, and DescribeTaskDefinition's
// output ({"taskDefinition": {...}, "tags": [...]}), whose read-only fields are dropped. Any
// other unknown field is an InputError naming it: a typo in a committed task definition must
// not be silently ignored.
func ParseTaskDefinition(data []byte) (*ecs.RegisterTaskDefinitionInput, error) {
	bad := func(why string, err error) error {
		return &InputError{What: "the task definition is not usable", Why: why, Fix: taskDefinitionFix,
			Fields: []report.Field{report.FieldTaskDefinition}, Err: err}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, bad("it is not a JSON object: "+err.Error(), err)
	}
	fields := top
	if inner, ok := lookupFold(top, "taskDefinition"); ok {
		// describe-task-definition output: the definition is nested, tags sit beside it.
		for k := range top {
			if !strings.EqualFold(k, "taskDefinition") && !strings.EqualFold(k, "tags") {
				return nil, bad(fmt.Sprintf("unknown top-level field %q next to \"taskDefinition\"", k), nil)
			}
		}
		fields = nil
		if err := json.Unmarshal(inner, &fields); err != nil || fields == nil {
			return nil, bad("\"taskDefinition\" is not a JSON object", err)
		}
		if tags, ok := lookupFold(top, "tags"); ok {
			fields["tags"] = tags
		}
	}
	for k := range fields {
		for _, ro := range readOnlyTaskDefinitionFields {
			if strings.EqualFold(k, ro) {
				delete(fields, k)
			}
		}
	}
	clean, err := json.Marshal(fields)
	if err != nil {
		return nil, bad(err.Error(), err)
	}
	// The SDK types carry no JSON tags; encoding/json matches the API's camelCase names to the
	// Go field names case-insensitively, and TestRenderMatchesSDKWireFormat checks that this
	// reads exactly what the SDK itself writes on the wire.
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	var in ecs.RegisterTaskDefinitionInput
	if err := dec.Decode(&in); err != nil {
		return nil, bad(describeJSONError(err), err)
	}
	if aws.ToString(in.Family) == "" {
		return nil, bad("\"family\" is missing", nil)
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, bad("\"containerDefinitions\" is missing or empty", nil)
	}
	for i, c := range in.ContainerDefinitions {
		if aws.ToString(c.Name) == "" {
			return nil, bad(fmt.Sprintf("containerDefinitions[%d] has no \"name\"", i), nil)
		}
	}
	return &in, nil
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("field %q holds a JSON %s where %s is expected", apiFieldPath(typeErr.Field), typeErr.Value, typeErr.Type)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s: it is not part of RegisterTaskDefinition (a typo, or a read-only field?)", name)
	}
	return err.Error()
}

// apiFieldPath turns the decoder's Go field path ("ContainerDefinitions.Memory") into the API's
// spelling ("containerDefinitions.memory"), the one the person wrote.
func apiFieldPath(goPath string) string {
	parts := strings.Split(goPath, ".")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToLower(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, ".")
}

func lookupFold(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// sameTaskDefinition reports whether registering a would produce b again. ECS echoes empty
// lists for fields never set ("environment": [], "mountPoints": [] ...), so absent, null and
// empty values compare equal.
func sameTaskDefinition(a, b *ecs.RegisterTaskDefinitionInput) bool {
	return reflect.DeepEqual(canonical(a), canonical(b))
}

func canonical(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var generic any
	if json.Unmarshal(data, &generic) != nil {
		return nil
	}
	return prune(generic)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if p := prune(val); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, val := range x {
			out = append(out, prune(val))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// revisionName turns a task definition ARN into "family:revision" (what people call it).
func revisionName(arn string) string {
	if i := strings.LastIndex(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}

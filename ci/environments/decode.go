package environments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// fileKeys are the keys allowed at the top of environments.json.
var fileKeys = []string{"environments"}

// environmentJSON mirrors one environment object as written in the file.
type environmentJSON struct {
	Kind             string         `json:"kind"`
	Region           string         `json:"region"`
	AccountID        string         `json:"accountId"`
	ECRRepository    string         `json:"ecrRepository"`
	Cluster          string         `json:"cluster"`
	Service          string         `json:"service"`
	Container        string         `json:"container"`
	TaskDefinition   string         `json:"taskDefinition"`
	DeployOn         *deployOnJSON  `json:"deployOn"`
	RequiresApproval bool           `json:"requiresApproval"`
	SmokeTestPath    string         `json:"smokeTestPath"`
	SmokeTestURL     string         `json:"smokeTestURL"`
	WaitTimeout      string         `json:"waitTimeout"`
	PromoteFrom      string         `json:"promoteFrom"`
	NotifyTopic      string         `json:"notifyTopic"`
	Migration        *migrationJSON `json:"migration"`
	Services         []serviceJSON  `json:"services"`
	Site             *siteJSON      `json:"site"`
}

// serviceJSON mirrors one entry of the services list.
type serviceJSON struct {
	Service        string `json:"service"`
	Container      string `json:"container"`
	TaskDefinition string `json:"taskDefinition"`
}

// siteJSON mirrors the site object.
type siteJSON struct {
	Directory           string `json:"directory"`
	Bucket              string `json:"bucket"`
	DistributionID      string `json:"distributionId"`
	InvalidationTimeout string `json:"invalidationTimeout"`
}

// migrationJSON mirrors the migration object.
type migrationJSON struct {
	Command []string `json:"command"`
	Timeout string   `json:"timeout"`
}

// deployOnJSON mirrors the deployOn object.
type deployOnJSON struct {
	Event    string   `json:"event"`
	Branches []string `json:"branches"`
}

// objectExamples show the expected shape of keys whose value is an object.
var objectExamples = map[string]string{
	"":          `write {"region": "eu-west-1", "accountId": "123456789012", ...}`,
	"deployOn":  `write {"event": "push", "branches": ["main"]} or {"event": "release"}`,
	"migration": `write {"command": ["/app/service", "migrate"], "timeout": "10m"}`,
	"services":  `write [{"service": "web", "container": "app", "taskDefinition": "live"}, {"service": "worker", "container": "worker", "taskDefinition": "live"}]`,
	"site":      `write {"directory": "app/site", "bucket": "my-site-bucket", "distributionId": "E2QWRUHEXAMPLE"}`,
}

// rawEnvironment is one decoded, not yet validated, environment.
type rawEnvironment struct {
	name string
	json environmentJSON
	// keys holds the keys written in the file, to tell "absent" from "empty".
	keys map[string]bool
}

// decode parses the file into raw environments in file order. It decodes key
// by key rather than in one json.Unmarshal so that every unknown key and every
// wrongly typed value is reported, not just the first one. It returns nil
// environments only when the file cannot be parsed at all.
func decode(data []byte) ([]rawEnvironment, []Problem) {
	var problems []Problem
	// Syntax first, in one pass: the streaming decoder used below reports
	// offsets relative to the current value, not to the file.
	var whole json.RawMessage
	if err := json.Unmarshal(data, &whole); err != nil {
		return nil, []Problem{syntaxProblem(data, err)}
	}
	top, err := objectMembers(data)
	if err != nil {
		return nil, []Problem{syntaxProblem(data, err)}
	}
	var envData json.RawMessage
	for _, m := range top {
		if m.key == "environments" {
			envData = m.value
			continue
		}
		problems = append(problems, unknownKeyProblem("", "", m.key, fileKeys))
	}
	if envData == nil {
		problems = append(problems, Problem{
			Key:     "environments",
			Message: "the file has no \"environments\" object",
			Fix:     `write {"environments": {"staging": {...}}}`,
		})
		return nil, problems
	}
	members, err := objectMembers(envData)
	if err != nil {
		problems = append(problems, Problem{
			Key:     "environments",
			Message: "must be an object mapping environment names to settings",
			Fix:     `write {"environments": {"staging": {...}}}`,
		})
		return nil, problems
	}
	if len(members) == 0 {
		problems = append(problems, Problem{
			Key:     "environments",
			Message: "no environment is defined",
			Fix:     `add at least one, e.g. {"environments": {"local": {"kind": "local"}}}`,
		})
	}
	seen := map[string]bool{}
	var envs []rawEnvironment
	for _, m := range members {
		if seen[m.key] {
			problems = append(problems, Problem{
				Environment: m.key,
				Message:     "is defined twice; JSON would silently keep only the last one",
				Fix:         "merge the two definitions or rename one",
			})
			continue
		}
		seen[m.key] = true
		env := rawEnvironment{name: m.key}
		keys, ps := decodeObject(m.value, &env.json, m.key, "")
		problems = append(problems, ps...)
		if keys == nil {
			continue
		}
		env.keys = keys
		envs = append(envs, env)
	}
	return envs, problems
}

// member is one key/value pair of a JSON object, in file order.
type member struct {
	key   string
	value json.RawMessage
}

// errNotObject reports a JSON value that is valid but not an object.
var errNotObject = errors.New("not a JSON object")

// objectMembers splits a JSON object into its members in file order, keeping
// duplicates (which encoding/json would silently collapse).
func objectMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		// Surface syntax errors that follow a scalar, e.g. `1 x`.
		var rest json.RawMessage
		if err := json.Unmarshal(data, &rest); err != nil {
			return nil, err
		}
		return nil, errNotObject
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		members = append(members, member{key: key, value: value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("unexpected data after the closing brace")
	}
	return members, nil
}

// decodeObject fills the struct dst points to from a JSON object, key by key.
// Unknown keys get a "did you mean" suggestion and wrongly typed values name
// the expected type. prefix qualifies keys of nested objects ("deployOn.").
// It returns the keys present, or nil when data is not an object.
func decodeObject(data json.RawMessage, dst any, env, prefix string) (map[string]bool, []Problem) {
	members, err := objectMembers(data)
	if err != nil {
		key := strings.TrimSuffix(prefix, ".")
		fix, ok := objectExamples[key]
		if !ok {
			fix = `write {"key": value, ...}`
		}
		return nil, []Problem{{
			Environment: env,
			Key:         key,
			Message:     fmt.Sprintf("must be a JSON object, not %s", data),
			Fix:         fix,
		}}
	}
	fields := jsonFields(reflect.TypeOf(dst).Elem())
	known := make([]string, 0, len(fields))
	for name := range fields {
		known = append(known, name)
	}
	target := reflect.ValueOf(dst).Elem()
	keys := map[string]bool{}
	var problems []Problem
	for _, m := range members {
		index, ok := fields[m.key]
		if !ok {
			problems = append(problems, unknownKeyProblem(env, prefix, m.key, known))
			continue
		}
		if string(bytes.TrimSpace(m.value)) == "null" {
			continue // null reads as "not set", as it would in most config formats
		}
		if keys[m.key] {
			problems = append(problems, Problem{
				Environment: env, Key: prefix + m.key,
				Message: "is set twice; JSON would silently keep only the last value",
				Fix:     "keep one",
			})
			continue
		}
		keys[m.key] = true
		field := target.Field(index)
		if field.Kind() == reflect.Slice && field.Type().Elem().Kind() == reflect.Struct {
			problems = append(problems, decodeObjects(m.value, field, env, prefix+m.key)...)
			continue
		}
		if field.Kind() == reflect.Pointer && field.Type().Elem().Kind() == reflect.Struct {
			nested := reflect.New(field.Type().Elem())
			nestedKeys, ps := decodeObject(m.value, nested.Interface(), env, prefix+m.key+".")
			problems = append(problems, ps...)
			if nestedKeys != nil {
				field.Set(nested)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(m.value))
		dec.DisallowUnknownFields()
		if err := dec.Decode(field.Addr().Interface()); err != nil {
			problems = append(problems, typeProblem(env, prefix+m.key, field.Type(), m.value))
		}
	}
	return keys, problems
}

// decodeObjects fills field, a slice of structs, from a JSON list of objects, each decoded as
// decodeObject does, its keys named key[i].name.
func decodeObjects(data json.RawMessage, field reflect.Value, env, key string) []Problem {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		fix, ok := objectExamples[key]
		if !ok {
			fix = `write [{"key": value, ...}, ...]`
		}
		return []Problem{{Environment: env, Key: key, Message: fmt.Sprintf("must be a list of objects, not %s", data), Fix: fix}}
	}
	var problems []Problem
	list := reflect.MakeSlice(field.Type(), 0, len(items))
	for i, item := range items {
		elem := reflect.New(field.Type().Elem())
		keys, ps := decodeObject(item, elem.Interface(), env, fmt.Sprintf("%s[%d].", key, i))
		problems = append(problems, ps...)
		if keys != nil {
			list = reflect.Append(list, elem.Elem())
		}
	}
	field.Set(list)
	return problems
}

// jsonFields maps the json tag names of a struct type to field indexes.
func jsonFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

func unknownKeyProblem(env, prefix, key string, known []string) Problem {
	p := Problem{Environment: env, Key: prefix + key, Message: "unknown key"}
	if s := suggest(key, known); s != "" {
		p.Fix = fmt.Sprintf("did you mean %q?", prefix+s)
	} else {
		sorted := append([]string(nil), known...)
		sort.Strings(sorted)
		p.Fix = "remove it; allowed keys are " + strings.Join(sorted, ", ")
	}
	return p
}

func typeProblem(env, key string, want reflect.Type, got json.RawMessage) Problem {
	p := Problem{Environment: env, Key: key}
	switch want.Kind() {
	case reflect.String:
		p.Message = fmt.Sprintf("must be a string, not %s", got)
		p.Fix = fmt.Sprintf("put the value in double quotes: \"%s\"", strings.Trim(string(got), `"`))
		if key == "accountId" {
			p.Fix = `write the account ID as a quoted 12-digit string, e.g. "123456789012" (a JSON number would lose leading zeros)`
		}
	case reflect.Bool:
		p.Message = fmt.Sprintf("must be true or false, not %s", got)
		p.Fix = "write true or false without quotes"
	case reflect.Slice:
		p.Message = fmt.Sprintf("must be a list of strings, not %s", got)
		p.Fix = `write e.g. ["main"]`
	default:
		p.Message = fmt.Sprintf("has the wrong type: %s", got)
	}
	return p
}

// syntaxProblem turns a JSON parse error into a problem with line and column.
func syntaxProblem(data []byte, err error) Problem {
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		// Offset counts the bytes read up to and including the bad one.
		line, col := lineColumn(data, syntaxErr.Offset-1)
		fix := "fix the syntax (a trailing comma or a missing quote is the usual cause)"
		if syntaxErr.Offset >= int64(len(data)) {
			fix = "the file ends too early; it may be truncated or miss a closing brace"
		}
		return Problem{
			Message: fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, err),
			Fix:     fix,
		}
	}
	if errors.Is(err, errNotObject) {
		return Problem{Message: "the file must hold a JSON object", Fix: `write {"environments": {...}}`}
	}
	return Problem{Message: fmt.Sprintf("invalid JSON: %v", err), Fix: "fix the syntax; the file may be truncated"}
}

// lineColumn gives the 1-based line and column of the byte at offset.
func lineColumn(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const (
	imageA = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	imageB = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// lines renders changes one per line, as Render does without the summary.
func lines(changes []Change) []string {
	out := []string{}
	for _, c := range changes {
		out = append(out, c.String())
	}
	return out
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          []string
	}{
		{
			name:   "identical documents",
			before: `{"family":"app","cpu":"256","containerDefinitions":[{"name":"app","image":"` + imageA + `"}]}`,
			after:  `{"cpu":"256","family":"app","containerDefinitions":[{"image":"` + imageA + `","name":"app"}]}`,
			want:   []string{},
		},
		{
			name:   "new image, containers matched by name whatever their order",
			before: `{"containerDefinitions":[{"name":"app","image":"` + imageA + `","essential":true},{"name":"proxy","image":"envoy:1"}]}`,
			after:  `{"containerDefinitions":[{"name":"proxy","image":"envoy:1"},{"name":"app","image":"` + imageB + `","essential":true}]}`,
			want:   []string{`~ containerDefinitions[app].image: "` + imageA + `" → "` + imageB + `"`},
		},
		{
			name:   "environment variables added, changed and removed",
			before: `{"containerDefinitions":[{"name":"app","environment":[{"name":"LOG_LEVEL","value":"info"},{"name":"OLD","value":"1"}]}]}`,
			after:  `{"containerDefinitions":[{"name":"app","environment":[{"name":"FEATURE_X","value":"on"},{"name":"LOG_LEVEL","value":"debug"}]}]}`,
			want: []string{
				`+ containerDefinitions[app].environment[FEATURE_X]: "on"`,
				`~ containerDefinitions[app].environment[LOG_LEVEL]: "info" → "debug"`,
				`- containerDefinitions[app].environment[OLD]: "1"`,
			},
		},
		{
			name:   "a removed volume and a new one with nothing but its name",
			before: `{"volumes":[{"name":"data","host":{"sourcePath":"/srv"}},{"name":"cache","efsVolumeConfiguration":{"fileSystemId":"fs-1"},"configuredAtLaunch":false}]}`,
			after:  `{"volumes":[{"name":"cache","efsVolumeConfiguration":{"fileSystemId":"fs-1"},"configuredAtLaunch":false},{"name":"scratch"}]}`,
			want:   []string{`- volumes[data]`, `+ volumes[scratch]`},
		},
		{
			name:   "null, empty and missing are the same",
			before: `{"family":"app","taskRoleArn":null,"volumes":[],"placementConstraints":[],"linuxParameters":{"capabilities":{}},"networkMode":"","tags":null}`,
			after:  `{"family":"app","ipcMode":null,"dockerLabels":{}}`,
			want:   []string{},
		},
		{
			name:   "false and 0 are values, not absence; numbers compare by value",
			before: `{"a":false,"b":0,"c":1.0,"d":256}`,
			after:  `{"c":1,"d":512}`,
			want:   []string{`- a: false`, `- b: 0`, `~ d: 256 → 512`},
		},
		{
			name:   "arrays of scalars compare as a whole",
			before: `{"containerDefinitions":[{"name":"app","command":["serve","--port","8080"],"entryPoint":["/app"]}]}`,
			after:  `{"containerDefinitions":[{"name":"app","command":["serve","--port","9090",""],"entryPoint":["/app"]}]}`,
			want:   []string{`~ containerDefinitions[app].command: ["serve","--port","8080"] → ["serve","--port","9090",""]`},
		},
		{
			name:   "unnamed array elements match by index",
			before: `{"portMappings":[{"containerPort":8080,"protocol":"tcp"}]}`,
			after:  `{"portMappings":[{"containerPort":8080,"protocol":"udp"},{"containerPort":9090,"protocol":"tcp"}]}`,
			want: []string{
				`~ portMappings[0].protocol: "tcp" → "udp"`,
				`+ portMappings[1].containerPort: 9090`,
				`+ portMappings[1].protocol: "tcp"`,
			},
		},
		{
			name:   "named port mappings match by name",
			before: `{"portMappings":[{"name":"http","containerPort":8080},{"name":"admin","containerPort":9000}]}`,
			after:  `{"portMappings":[{"name":"admin","containerPort":9001},{"name":"http","containerPort":8080}]}`,
			want:   []string{`~ portMappings[admin].containerPort: 9000 → 9001`},
		},
		{
			name:   "repeated names fall back to the index",
			before: `{"mountPoints":[{"name":"x","path":"/a"},{"name":"x","path":"/b"}]}`,
			after:  `{"mountPoints":[{"name":"x","path":"/a"},{"name":"x","path":"/c"}]}`,
			want:   []string{`~ mountPoints[1].path: "/b" → "/c"`},
		},
		{
			name:   "tags by key, dependencies by container name",
			before: `{"tags":[{"key":"team","value":"web"}],"dependsOn":[{"containerName":"db","condition":"START"}]}`,
			after:  `{"tags":[{"key":"team","value":"payments"},{"key":"env","value":"prod"}],"dependsOn":[{"containerName":"db","condition":"HEALTHY"}]}`,
			want: []string{
				`~ dependsOn[db].condition: "START" → "HEALTHY"`,
				`+ tags[env]: "prod"`,
				`~ tags[team]: "web" → "payments"`,
			},
		},
		{
			name:   "secrets show their ARNs",
			before: `{"secrets":[{"name":"DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-v1"}]}`,
			after:  `{"secrets":[{"name":"DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-v2"}]}`,
			want:   []string{`~ secrets[DB_PASSWORD]: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-v1" → "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-v2"`},
		},
		{
			name:   "keys and names that would read as path syntax are quoted",
			before: `{"dockerLabels":{"com.example.team":"web"},"extraHosts":[{"name":"0","ip":"10.0.0.1"}]}`,
			after:  `{"dockerLabels":{"com.example.team":"payments"},"extraHosts":[{"name":"0","ip":"10.0.0.2"}]}`,
			want: []string{
				`~ dockerLabels["com.example.team"]: "web" → "payments"`,
				`~ extraHosts["0"].ip: "10.0.0.1" → "10.0.0.2"`,
			},
		},
		{
			name:   "a new container is listed leaf by leaf",
			before: `{"containerDefinitions":[{"name":"app","image":"a"}]}`,
			after:  `{"containerDefinitions":[{"name":"app","image":"a"},{"name":"log","image":"fluent-bit:3","portMappings":[{"containerPort":24224}],"logConfiguration":{"options":{"awslogs-group":"/ecs/app"}}}]}`,
			want: []string{
				`+ containerDefinitions[log].image: "fluent-bit:3"`,
				`+ containerDefinitions[log].logConfiguration.options.awslogs-group: "/ecs/app"`,
				`+ containerDefinitions[log].portMappings[0].containerPort: 24224`,
			},
		},
		{
			name:   "a change of shape is a removal and an addition",
			before: `{"healthCheck":"CMD true"}`,
			after:  `{"healthCheck":{"command":["CMD","true"],"interval":30}}`,
			want:   []string{`- healthCheck: "CMD true"`, `+ healthCheck.command: ["CMD","true"]`, `+ healthCheck.interval: 30`},
		},
		{
			name:   "no current document: everything is added",
			before: ``,
			after:  `{"family":"app","volumes":[{"name":"data"}]}`,
			want:   []string{`+ family: "app"`, `+ volumes[data]`},
		},
		{
			name:   "no new document: everything is removed",
			before: `{"family":"app"}`,
			after:  `null`,
			want:   []string{`- family: "app"`},
		},
		{
			name:   "HTML characters are shown as they are",
			before: `{"command":"a && b < c"}`,
			after:  `{"command":"a && b > c"}`,
			want:   []string{`~ command: "a && b < c" → "a && b > c"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, err := Diff([]byte(tt.before), []byte(tt.after))
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if got := lines(changes); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestDiffHidesValuesOfSecretLookingEnvironmentVariables(t *testing.T) {
	const secret = "hunter2-do-not-print"
	before := `{"containerDefinitions":[{"name":"app","environment":[
		{"name":"DB_PASSWORD","value":"` + secret + `-old"},
		{"name":"api_key","value":"` + secret + `-gone"},
		{"name":"PLAIN","value":"visible"}]}]}`
	after := `{"containerDefinitions":[{"name":"app","environment":[
		{"name":"DB_PASSWORD","value":"` + secret + `-new"},
		{"name":"GITHUB_TOKEN","value":"` + secret + `-added"},
		{"name":"PLAIN","value":"shown"}]},
		{"name":"worker","environment":[{"name":"CLIENT_SECRET","value":"` + secret + `-worker"}]}]}`
	changes, err := Diff([]byte(before), []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`~ containerDefinitions[app].environment[DB_PASSWORD]: (sensitive, changed)`,
		`+ containerDefinitions[app].environment[GITHUB_TOKEN]: (sensitive)`,
		`~ containerDefinitions[app].environment[PLAIN]: "visible" → "shown"`,
		`- containerDefinitions[app].environment[api_key]`,
		`+ containerDefinitions[worker].environment[CLIENT_SECRET]: (sensitive)`,
	}
	if got := lines(changes); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var rendered bytes.Buffer
	if err := Render(&rendered, changes); err != nil {
		t.Fatal(err)
	}
	dump, _ := json.Marshal(changes)
	for what, text := range map[string]string{"Render": rendered.String(), "Changes as JSON": string(dump)} {
		if strings.Contains(text, secret) {
			t.Errorf("%s shows a secret value:\n%s", what, text)
		}
	}
	for _, c := range changes {
		if strings.Contains(c.Path, "PLAIN") == c.Sensitive {
			t.Errorf("%s: Sensitive = %v", c.Path, c.Sensitive)
		}
	}
}

func TestDiffHidesSecretsInEnvironmentsMatchedByIndexOrAsMaps(t *testing.T) {
	const secret = "hunter2-do-not-print"
	before := `{"environment":[{"name":"A_KEY","value":"1"},{"name":"A_KEY","value":"` + secret + `"}],"container":{"environment":{"SESSION_SECRET":"` + secret + `"}}}`
	after := `{"environment":[{"name":"A_KEY","value":"1"},{"name":"A_KEY","value":"` + secret + `2"}],"container":{"environment":{"SESSION_SECRET":"` + secret + `3"}}}`
	changes, err := Diff([]byte(before), []byte(after))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`~ container.environment.SESSION_SECRET: (sensitive, changed)`,
		`~ environment[1].value: (sensitive, changed)`,
	}
	if got := lines(changes); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDiffRejectsInvalidJSONWithoutQuotingIt(t *testing.T) {
	const secret = "hunter2"
	tests := []struct{ before, after, want string }{
		{`{"environment":[{"name":"DB_PASSWORD","value":"` + secret + `"}`, `{}`, "the before document is not valid JSON"},
		{`{}`, `{"value":"` + secret + `"} {"again":1}`, "the after document has more than one JSON value"},
		{`{}`, `{"value":"` + secret + `",}`, "the after document is not valid JSON"},
	}
	for _, tt := range tests {
		_, err := Diff([]byte(tt.before), []byte(tt.after))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error quotes the document: %v", err)
		}
	}
}

func TestRender(t *testing.T) {
	var out bytes.Buffer
	if err := Render(&out, nil); err != nil || out.String() != "no changes\n" {
		t.Errorf("Render(nil) = %q, %v; want \"no changes\"", out.String(), err)
	}
	changes, err := Diff(
		[]byte(`{"cpu":"256","volumes":[{"name":"data","host":{}}],"containerDefinitions":[{"name":"app","image":"a"}]}`),
		[]byte(`{"cpu":"512","containerDefinitions":[{"name":"app","image":"a","environment":[{"name":"FEATURE_X","value":"on"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := Render(&out, changes); err != nil {
		t.Fatal(err)
	}
	want := `+ containerDefinitions[app].environment[FEATURE_X]: "on"
~ cpu: "256" → "512"
- volumes[data]
1 to add, 1 to change, 1 to remove
`
	if out.String() != want {
		t.Errorf("Render =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestDiffOrderIsStable(t *testing.T) {
	before := []byte(`{"z":1,"a":{"y":1,"b":2},"list":[{"name":"q","v":1},{"name":"c","v":1},{"name":"m","v":1}]}`)
	after := []byte(`{"z":2,"a":{"y":2,"b":3},"list":[{"name":"m","v":2},{"name":"q","v":2},{"name":"c","v":2}]}`)
	first, err := Diff(before, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`~ a.b: 2 → 3`, `~ a.y: 1 → 2`, `~ list[c].v: 1 → 2`, `~ list[m].v: 1 → 2`, `~ list[q].v: 1 → 2`, `~ z: 1 → 2`}
	if strings.Join(lines(first), "\n") != strings.Join(want, "\n") {
		t.Fatalf("Diff =\n%s\nwant\n%s", strings.Join(lines(first), "\n"), strings.Join(want, "\n"))
	}
	for range 20 {
		again, err := Diff(before, after)
		if err != nil || strings.Join(lines(again), "\n") != strings.Join(want, "\n") {
			t.Fatalf("a repeated Diff gave another order:\n%s", strings.Join(lines(again), "\n"))
		}
	}
}

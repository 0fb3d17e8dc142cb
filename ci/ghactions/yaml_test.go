package ghactions

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The workflow tests read the workflows as yaml.Nodes rather than as structs: a node keeps its
// line for the messages, and the comment after `uses: owner/repo@sha`, where the version lives.

// parsedWorkflow is one workflow file.
type parsedWorkflow struct {
	file string
	root *yaml.Node // the top-level mapping
}

// workflowJob is one job of a workflow.
type workflowJob struct {
	name string
	node *yaml.Node // the job's mapping
}

// workflowStep is one `uses:` of a workflow: a step's, or a job's (a reusable workflow).
type workflowStep struct {
	job     string
	line    int
	uses    string
	comment string     // the comment after the uses: value, "# " removed
	with    *yaml.Node // the with: mapping, or nil
}

func parseWorkflow(file string, data []byte) (*parsedWorkflow, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a YAML mapping", file)
	}
	return &parsedWorkflow{file: file, root: doc.Content[0]}, nil
}

func loadWorkflows(t *testing.T) []*parsedWorkflow {
	t.Helper()
	var wfs []*parsedWorkflow
	for _, name := range workflowFiles(t) {
		wf, err := parseWorkflow(name, []byte(readRepoFile(t, ".github/workflows/"+name)))
		if err != nil {
			t.Fatal(err)
		}
		wfs = append(wfs, wf)
	}
	return wfs
}

// mapValue is the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// mapKeys are the keys of mapping n, in order.
func mapKeys(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i])
	}
	return keys
}

func (wf *parsedWorkflow) jobs() []workflowJob {
	var jobs []workflowJob
	all := mapValue(wf.root, "jobs")
	for _, k := range mapKeys(all) {
		jobs = append(jobs, workflowJob{name: k.Value, node: mapValue(all, k.Value)})
	}
	return jobs
}

// steps are the step mappings of job, in order.
func (j workflowJob) steps() []*yaml.Node {
	seq := mapValue(j.node, "steps")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	return seq.Content
}

// uses lists every action and reusable workflow the workflow names.
func (wf *parsedWorkflow) uses() []workflowStep {
	var out []workflowStep
	add := func(job string, n *yaml.Node) {
		u := mapValue(n, "uses")
		if u == nil {
			return
		}
		out = append(out, workflowStep{
			job:     job,
			line:    u.Line,
			uses:    u.Value,
			comment: strings.TrimSpace(strings.TrimPrefix(u.LineComment, "#")),
			with:    mapValue(n, "with"),
		})
	}
	for _, job := range wf.jobs() {
		add(job.name, job.node)
		for _, step := range job.steps() {
			add(job.name, step)
		}
	}
	return out
}

// triggers are the event names under on:, whichever of its three forms is used.
func (wf *parsedWorkflow) triggers() []string {
	on := mapValue(wf.root, "on")
	if on == nil {
		return nil
	}
	switch on.Kind {
	case yaml.ScalarNode:
		return []string{on.Value}
	case yaml.SequenceNode:
		var names []string
		for _, n := range on.Content {
			names = append(names, n.Value)
		}
		return names
	}
	var names []string
	for _, k := range mapKeys(on) {
		names = append(names, k.Value)
	}
	return names
}

var expressionDelims = regexp.MustCompile(`^\$\{\{(.*)\}\}$`)

// expression is an if: condition without ${{ }} and without blanks, which GitHub ignores outside
// string literals (none of the conditions checked here has one).
func expression(cond string) string {
	cond = strings.TrimSpace(cond)
	if m := expressionDelims.FindStringSubmatch(cond); m != nil {
		cond = m[1]
	}
	return strings.Join(strings.Fields(cond), "")
}

func TestParseWorkflowKeepsTheVersionComment(t *testing.T) {
	wf, err := parseWorkflow("x.yml", []byte(`
on: [push, pull_request]
jobs:
  reuse:
    uses: acme/workflows/.github/workflows/build.yml@0123456789abcdef0123456789abcdef01234567 # v2.0.0
  build:
    steps:
      - name: checkout
        uses: actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803   #   v6.1.0
        with:
          fetch-depth: 0 # tags
      - run: echo
`))
	if err != nil {
		t.Fatal(err)
	}
	got := wf.uses()
	if len(got) != 2 {
		t.Fatalf("want the job's and the step's uses, got %+v", got)
	}
	if got[0].job != "reuse" || got[0].comment != "v2.0.0" || got[0].line != 5 {
		t.Errorf("reusable workflow: got %+v", got[0])
	}
	if got[1].uses != "actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803" || got[1].comment != "v6.1.0" || got[1].line != 9 {
		t.Errorf("step: got %+v", got[1])
	}
	if keys := mapKeys(got[1].with); len(keys) != 1 || keys[0].Value != "fetch-depth" {
		t.Errorf("with: got %v", keys)
	}
	if tr := wf.triggers(); strings.Join(tr, ",") != "push,pull_request" {
		t.Errorf("triggers: got %v", tr)
	}
	if e := expression("${{ !github.event.release.prerelease }}"); e != "!github.event.release.prerelease" {
		t.Errorf("expression: got %q", e)
	}
}

package ghactions

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every action is pinned to a full commit SHA, with its release in a comment (GitHub's security
// hardening guide: a tag can be moved, a commit cannot). actionlint checks the inputs of popular
// actions only by major tag, so it cannot check a SHA-pinned step's with: keys; these tests check
// them against the action's own action.yml at that commit, recorded in
// testdata/actions/OWNER/REPO/SHA.json.
//
// A record holds the facts of the action.yml, not a copy: the input names, those required without
// a default, those deprecated, and the blob ID of the action.yml, so anyone can check the record
// against the action's history. To pin a new release, in a clone of the action:
//
//	git rev-parse vX.Y.Z^{commit}        # the SHA for uses: and the file name
//	git rev-parse SHA:action.yml         # actionYmlBlob
//	git show SHA:action.yml              # inputs:, required: true without default:, deprecationMessage:

// actionRecord is one testdata/actions/OWNER/REPO/SHA.json.
type actionRecord struct {
	Action        string   `json:"action"`
	Commit        string   `json:"commit"`
	Version       string   `json:"version"`
	ActionYMLBlob string   `json:"actionYmlBlob"`
	Inputs        []string `json:"inputs"`
	Required      []string `json:"required"`
	Deprecated    []string `json:"deprecated"`
}

const actionRecordsDir = "testdata/actions"

var (
	fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// A release tag, not a major tag such as v6 that moves with every release.
	releaseVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)
	dockerDigest   = regexp.MustCompile(`^docker://[^@\s]+@sha256:[0-9a-f]{64}$`)
)

// actionRef splits `owner/repo[/path]@ref` into the action ("owner/repo[/path]") and the ref.
func actionRef(uses string) (action, ref string, ok bool) {
	action, ref, ok = strings.Cut(uses, "@")
	if !ok || strings.Count(action, "/") < 1 || strings.HasPrefix(action, ".") {
		return "", "", false
	}
	return action, ref, ref != ""
}

// pinningProblems lists the uses: of wf that are not pinned to a full commit SHA with the release
// in a comment. Local actions (./…) are part of the checkout, so they are pinned with it.
func pinningProblems(wf *parsedWorkflow) []string {
	var problems []string
	for _, s := range wf.uses() {
		where := fmt.Sprintf("%s:%d (job %s): uses: %s", wf.file, s.line, s.job, s.uses)
		switch {
		case strings.HasPrefix(s.uses, "./"):
			continue
		case strings.HasPrefix(s.uses, "docker://"):
			if !dockerDigest.MatchString(s.uses) {
				problems = append(problems, where+": pin the image by digest, docker://IMAGE@sha256:<64 hex>")
			}
			continue
		}
		_, ref, ok := actionRef(s.uses)
		switch {
		case !ok:
			problems = append(problems, where+": not an OWNER/REPO@REF reference")
		case !fullSHA.MatchString(ref):
			problems = append(problems, where+": pin a full 40-hex commit SHA, not "+ref+" (a tag or branch can be moved to other code)")
		case !releaseVersion.MatchString(s.comment):
			problems = append(problems, fmt.Sprintf("%s: the comment after the SHA must name its release, e.g. `# v1.2.3`, found %q", where, s.comment))
		}
	}
	return problems
}

// inputProblems checks every SHA-pinned uses: of wf against the action's record at that SHA:
// the comment names the release the SHA is, every with: key is an input of the action, no
// deprecated input is used and every required input is given.
func inputProblems(wf *parsedWorkflow, record func(action, sha string) (*actionRecord, error)) []string {
	var problems []string
	for _, s := range wf.uses() {
		action, sha, ok := actionRef(s.uses)
		if !ok || !fullSHA.MatchString(sha) {
			continue // pinningProblems reports it
		}
		where := fmt.Sprintf("%s:%d (job %s): %s", wf.file, s.line, s.job, action)
		rec, err := record(action, sha)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		if rec.Action != action || rec.Commit != sha {
			problems = append(problems, fmt.Sprintf("%s: the record for %s is of %s@%s", where, sha, rec.Action, rec.Commit))
			continue
		}
		if s.comment != rec.Version {
			problems = append(problems, fmt.Sprintf("%s: the comment says %q, but %s is %s", where, s.comment, sha, rec.Version))
		}
		given := map[string]bool{}
		for _, k := range mapKeys(s.with) {
			given[k.Value] = true
			switch {
			case !slices.Contains(rec.Inputs, k.Value):
				problems = append(problems, fmt.Sprintf("%s: with: %s (line %d) is not an input of %s %s; its inputs: %s",
					where, k.Value, k.Line, action, rec.Version, strings.Join(rec.Inputs, ", ")))
			case slices.Contains(rec.Deprecated, k.Value):
				problems = append(problems, fmt.Sprintf("%s: with: %s (line %d) is deprecated in %s %s", where, k.Value, k.Line, action, rec.Version))
			}
		}
		for _, req := range rec.Required {
			if !given[req] {
				problems = append(problems, fmt.Sprintf("%s: %s %s requires the input %s", where, action, rec.Version, req))
			}
		}
	}
	return problems
}

// recordFile is where the record of action at sha is kept.
func recordFile(action, sha string) string {
	return filepath.Join(actionRecordsDir, filepath.FromSlash(action), sha+".json")
}

func loadRecord(action, sha string) (*actionRecord, error) {
	data, err := os.ReadFile(recordFile(action, sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no record of its action.yml at %s: add %s (see pinning_test.go)", sha, recordFile(action, sha))
	}
	if err != nil {
		return nil, err
	}
	var rec actionRecord
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("%s: %v", recordFile(action, sha), err)
	}
	return &rec, nil
}

func TestActionsArePinnedToACommit(t *testing.T) {
	for _, wf := range loadWorkflows(t) {
		if len(wf.uses()) == 0 {
			t.Errorf("%s uses no action; the test would check nothing", wf.file)
		}
		for _, p := range pinningProblems(wf) {
			t.Error(p)
		}
	}
}

func TestPinnedActionInputsMatchActionYML(t *testing.T) {
	for _, wf := range loadWorkflows(t) {
		for _, p := range inputProblems(wf, loadRecord) {
			t.Error(p)
		}
	}
}

// A record no workflow pins any more would keep an outdated action.yml looking checked.
func TestActionRecordsAreInUse(t *testing.T) {
	pinned := map[string]bool{}
	for _, wf := range loadWorkflows(t) {
		for _, s := range wf.uses() {
			if action, sha, ok := actionRef(s.uses); ok {
				pinned[recordFile(action, sha)] = true
			}
		}
	}
	var records int
	err := filepath.WalkDir(actionRecordsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		records++
		if !pinned[path] {
			t.Errorf("%s: no workflow pins this commit; remove the record", path)
		}
		rel, _ := filepath.Rel(actionRecordsDir, path)
		action, sha := filepath.ToSlash(filepath.Dir(rel)), strings.TrimSuffix(filepath.Base(rel), ".json")
		rec, err := loadRecord(action, sha)
		if err != nil {
			t.Error(err)
			return nil
		}
		if rec.Action != action || rec.Commit != sha || !releaseVersion.MatchString(rec.Version) ||
			!fullSHA.MatchString(rec.ActionYMLBlob) || len(rec.Inputs) == 0 {
			t.Errorf("%s: want action %s, commit %s, a release version, the action.yml blob ID and its inputs; got %+v", path, action, sha, rec)
		}
		for _, name := range append(slices.Clone(rec.Required), rec.Deprecated...) {
			if !slices.Contains(rec.Inputs, name) {
				t.Errorf("%s: %s is required or deprecated but not an input", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if records == 0 {
		t.Fatalf("no records in %s", actionRecordsDir)
	}
}

// The checkers themselves, on workflows that break each rule.
func TestPinCheckersCatchMistakes(t *testing.T) {
	const sha = "d23441a48e516b6c34aea4fa41551a30e30af803"
	records := func(action, s string) (*actionRecord, error) {
		if action != "actions/checkout" || s != sha {
			return nil, fmt.Errorf("no record of its action.yml at %s", s)
		}
		return &actionRecord{Action: action, Commit: sha, Version: "v6.1.0",
			Inputs: []string{"fetch-depth", "old", "token"}, Required: []string{"token"}, Deprecated: []string{"old"}}, nil
	}
	tests := []struct {
		name, steps string
		pinning     []string // substrings, one per expected problem
		inputs      []string
	}{
		{"pinned, right inputs", "- uses: actions/checkout@" + sha + " # v6.1.0\n  with: {token: x, fetch-depth: 0}", nil, nil},
		{"local action and docker digest", "- uses: ./.github/actions/local\n- uses: docker://alpine@sha256:" + strings.Repeat("a", 64), nil, nil},
		{"major tag", "- uses: actions/checkout@v6", []string{"pin a full 40-hex commit SHA, not v6"}, nil},
		{"release tag", "- uses: actions/checkout@v6.1.0 # v6.1.0", []string{"not v6.1.0"}, nil},
		{"short SHA", "- uses: actions/checkout@d23441a # v6.1.0", []string{"not d23441a"}, nil},
		{"docker tag", "- uses: docker://alpine:3", []string{"pin the image by digest"}, nil},
		{"no comment", "- uses: actions/checkout@" + sha + "\n  with: {token: x}", []string{`found ""`}, []string{`the comment says ""`}},
		{"major tag comment", "- uses: actions/checkout@" + sha + " # v6\n  with: {token: x}", []string{`found "v6"`}, []string{`says "v6"`}},
		{"comment of another release", "- uses: actions/checkout@" + sha + " # v6.0.2\n  with: {token: x}", nil, []string{`says "v6.0.2", but ` + sha + " is v6.1.0"}},
		{"unknown input", "- uses: actions/checkout@" + sha + " # v6.1.0\n  with: {token: x, fetch_depth: 0}", nil, []string{"fetch_depth (line 6) is not an input"}},
		{"deprecated input", "- uses: actions/checkout@" + sha + " # v6.1.0\n  with: {token: x, old: y}", nil, []string{"old (line 6) is deprecated"}},
		{"missing required input", "- uses: actions/checkout@" + sha + " # v6.1.0", nil, []string{"requires the input token"}},
		{"no record at that SHA", "- uses: actions/checkout@" + strings.Repeat("b", 40) + " # v6.1.0", nil, []string{"no record of its action.yml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "on: push\njobs:\n  j:\n    steps:\n" + indent(tt.steps, "      ")
			wf, err := parseWorkflow("t.yml", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			matchProblems(t, "pinning", pinningProblems(wf), tt.pinning)
			matchProblems(t, "inputs", inputProblems(wf, records), tt.inputs)
		})
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

// matchProblems wants one problem per substring, in order.
func matchProblems(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: want %d problems %q, got %q", what, len(want), want, got)
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("%s: problem %d: want %q in %q", what, i, want[i], got[i])
		}
	}
}

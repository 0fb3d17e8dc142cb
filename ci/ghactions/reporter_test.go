package ghactions

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

// runner fakes the parts of a GitHub Actions runner the Reporter sees: an
// environment, stdout, and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
type runner struct {
	env         map[string]string
	stdout      bytes.Buffer
	outputFile  string
	summaryFile string
}

func newRunner(t *testing.T, inActions bool) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{
		outputFile:  filepath.Join(dir, "github_output"),
		summaryFile: filepath.Join(dir, "step_summary"),
	}
	for _, f := range []string{r.outputFile, r.summaryFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r.env = map[string]string{"GITHUB_OUTPUT": r.outputFile, "GITHUB_STEP_SUMMARY": r.summaryFile}
	if inActions {
		r.env["GITHUB_ACTIONS"] = "true"
	}
	return r
}

func (r *runner) reporter() *Reporter {
	return New(
		githubactions.WithGetenv(func(key string) string { return r.env[key] }),
		githubactions.WithWriter(&r.stdout),
	)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestOutsideActionsEverythingIsANoOp(t *testing.T) {
	for _, value := range []string{"", "false", "1"} {
		run := newRunner(t, false)
		if value != "" {
			run.env["GITHUB_ACTIONS"] = value
		}
		rep := run.reporter()
		if rep.Enabled() {
			t.Fatalf("GITHUB_ACTIONS=%q must not count as Actions", value)
		}
		rep.Mask("s3cr3t")
		ran := false
		wantErr := errors.New("push failed")
		if err := rep.Group("Push", func() error { ran = true; return wantErr }); !errors.Is(err, wantErr) || !ran {
			t.Errorf("Group must run fn and return its error, got ran=%v err=%v", ran, err)
		}
		if err := rep.Output(OutputImage, "repo:tag"); err != nil {
			t.Errorf("Output: %v", err)
		}
		rep.Error("boom", Annotation{Title: "Deploy failed"})
		if err := rep.Summary(DeploySummary{Environment: "dev", Outcome: "succeeded"}); err != nil {
			t.Errorf("Summary: %v", err)
		}
		if run.stdout.Len() != 0 || readFile(t, run.outputFile) != "" || readFile(t, run.summaryFile) != "" {
			t.Errorf("GITHUB_ACTIONS=%q wrote something: stdout=%q output=%q summary=%q", value,
				run.stdout.String(), readFile(t, run.outputFile), readFile(t, run.summaryFile))
		}
	}
}

func TestMask(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("s3cr3t")
	rep.Mask("")
	rep.Mask("  ")
	rep.Mask("-----BEGIN KEY-----\nabc\n-----END KEY-----")
	want := "::add-mask::s3cr3t\n" +
		"::add-mask::-----BEGIN KEY-----%0Aabc%0A-----END KEY-----\n" +
		"::add-mask::-----BEGIN KEY-----\n" +
		"::add-mask::abc\n" +
		"::add-mask::-----END KEY-----\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

func TestGroup(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("tok123")
	wantErr := errors.New("push failed")
	err := rep.Group("Push with tok123", func() error {
		run.stdout.WriteString("pushing\n")
		return rep.Group("nested", func() error {
			run.stdout.WriteString("inner\n")
			return wantErr
		})
	})
	if !errors.Is(err, wantErr) {
		t.Errorf("Group must return fn's error, got %v", err)
	}
	want := "::add-mask::tok123\n::group::Push with ***\npushing\ninner\n::endgroup::\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", got, want)
	}
}

func TestGroupClosesOnPanic(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic must propagate")
			}
		}()
		_ = rep.Group("Deploy", func() error { panic("boom") })
	}()
	if err := rep.Group("After", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	want := "::group::Deploy\n::endgroup::\n::group::After\n::endgroup::\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", got, want)
	}
}

func TestOutput(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0@sha256:abc"
	arn := "arn:aws:ecs:eu-west-1:123456789012:task-definition/service:42"
	if err := rep.Output(OutputImage, image); err != nil {
		t.Fatal(err)
	}
	if err := rep.Output(OutputTaskDefinitionARN, arn); err != nil {
		t.Fatal(err)
	}
	d := fileCommandDelimiter
	want := "image<<" + d + "\n" + image + "\n" + d + "\n" +
		"task-definition-arn<<" + d + "\n" + arn + "\n" + d + "\n"
	if got := readFile(t, run.outputFile); got != want {
		t.Errorf("GITHUB_OUTPUT:\n%s\nwant:\n%s", got, want)
	}
	if run.stdout.Len() != 0 {
		t.Errorf("outputs must not go to stdout: %q", run.stdout.String())
	}
}

func TestOutputErrors(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	tests := []struct {
		name, output, value, want string
		env                       map[string]string
	}{
		{"bad name", "image tag", "x", `output name "image tag" is not valid`, nil},
		{"forged delimiter", "image", "x\n" + fileCommandDelimiter + "\nevil<<EOF", "would corrupt the outputs file", nil},
		{"no GITHUB_OUTPUT", "image", "x", "GITHUB_OUTPUT is not set", map[string]string{"GITHUB_OUTPUT": ""}},
		{"unwritable GITHUB_OUTPUT", "image", "x", `cannot set output "image"`, map[string]string{"GITHUB_OUTPUT": t.TempDir()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := run.env["GITHUB_OUTPUT"]
			for k, v := range tt.env {
				run.env[k] = v
			}
			defer func() { run.env["GITHUB_OUTPUT"] = saved }()
			err := rep.Output(tt.output, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if got := readFile(t, run.outputFile); got != "" {
		t.Errorf("nothing may be written on error, got %q", got)
	}
}

func TestError(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("hunter2")
	rep.Error("deploy of staging failed: password hunter2\nrolled back to service:41",
		Annotation{Title: "Deploy failed: staging", File: "ci/environments.json", Line: 12})
	rep.Error("plain", Annotation{})
	rep.Error("line without file is dropped", Annotation{Line: 3})
	want := "::add-mask::hunter2\n" +
		"::error file=ci/environments.json,line=12,title=Deploy failed%3A staging::deploy of staging failed: password ***%0Arolled back to service:41\n" +
		"::error::plain\n" +
		"::error::line without file is dropped\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

func TestNotice(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("hunter2")
	rep.Notice("deployed service:42 with hunter2", Annotation{Title: "Deployed: staging"})
	want := "::add-mask::hunter2\n::notice title=Deployed%3A staging::deployed service:42 with ***\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	outside := newRunner(t, false)
	outside.reporter().Notice("x", Annotation{})
	if outside.stdout.Len() != 0 {
		t.Errorf("Notice outside Actions wrote %q", outside.stdout.String())
	}
}

// Log prints text for people: secrets scrubbed, and a quoted line that looks like a workflow
// command (a container's output in a diagnosis) printed, not obeyed.
func TestLogScrubsAndDefusesWorkflowCommands(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("tok123")
	rep.Log("container said:\n  ::set-env name=PATH::/evil\n::add-mask::x\nkey tok123\n")
	want := "::add-mask::tok123\ncontainer said:\n  : :set-env name=PATH::/evil\n: :add-mask::x\nkey ***\n"
	if got := run.stdout.String(); got != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", got, want)
	}
}

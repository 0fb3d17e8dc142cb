package ghactions

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("AKIAIOSFODNN7EXAMPLE")
	err := rep.Summary(DeploySummary{
		Environment: "staging",
		Image:       "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0",
		Digest:      "sha256:0123abcd",
		OldRevision: "service:41",
		NewRevision: "service:42",
		Duration:    "2m13s",
		Outcome:     "rolled back",
		Diagnosis:   "task 1a2b stopped: Essential container in task exited (exit code 1)\nlog: key AKIAIOSFODNN7EXAMPLE rejected\n```\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "### Deploy to `staging`: rolled back\n" +
		"\n" +
		"| | |\n" +
		"| --- | --- |\n" +
		"| Environment | `staging` |\n" +
		"| Image | `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/service:1.4.0` |\n" +
		"| Digest | `sha256:0123abcd` |\n" +
		"| Task definition | `service:41` → `service:42` |\n" +
		"| Duration | 2m13s |\n" +
		"| Outcome | rolled back |\n" +
		"\n" +
		"**Diagnosis**\n" +
		"\n" +
		"````text\n" +
		"task 1a2b stopped: Essential container in task exited (exit code 1)\n" +
		"log: key *** rejected\n" +
		"```\n" +
		"````\n" +
		"\n" // go-githubactions ends every file command with a newline
	got := readFile(t, run.summaryFile)
	if got != want {
		t.Errorf("GITHUB_STEP_SUMMARY:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "AKIAIOSFODNN7EXAMPLE") {
		t.Error("a masked secret reached the summary")
	}
}

func TestSummaryLeavesOutEmptyFieldsAndEscapesCells(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	rep.Mask("p|w")
	if err := rep.Summary(DeploySummary{Environment: "dev", NewRevision: "svc:1", Outcome: "failed | *see* below", Image: "a|b`c p|w"}); err != nil {
		t.Fatal(err)
	}
	want := "### Deploy to `dev`: failed \\| \\*see\\* below\n" +
		"\n| | |\n| --- | --- |\n" +
		"| Environment | `dev` |\n" +
		"| Image | ``a\\|b`c ***`` |\n" +
		"| Task definition | `svc:1` |\n" +
		"| Outcome | failed \\| \\*see\\* below |\n\n"
	if got := readFile(t, run.summaryFile); got != want {
		t.Errorf("GITHUB_STEP_SUMMARY:\n%s\nwant:\n%s", got, want)
	}
}

func TestSummaryAppends(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	for _, env := range []string{"staging", "prod"} {
		if err := rep.Summary(DeploySummary{Environment: env, Outcome: "succeeded"}); err != nil {
			t.Fatal(err)
		}
	}
	got := readFile(t, run.summaryFile)
	if strings.Count(got, "### Deploy to") != 2 || strings.Index(got, "`staging`") > strings.Index(got, "`prod`") {
		t.Errorf("summaries must be appended in order:\n%s", got)
	}
}

func TestSummaryErrors(t *testing.T) {
	run := newRunner(t, true)
	rep := run.reporter()
	run.env["GITHUB_STEP_SUMMARY"] = ""
	if err := rep.Summary(DeploySummary{Environment: "dev"}); err == nil || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY is not set") {
		t.Errorf("got %v", err)
	}
	run.env["GITHUB_STEP_SUMMARY"] = t.TempDir() // a directory cannot be appended to
	err := rep.Summary(DeploySummary{Environment: "dev"})
	if err == nil || !strings.Contains(err.Error(), "cannot write the step summary") {
		t.Errorf("got %v", err)
	}
	// The caller can tell a file-system failure from the path the runner gave.
	var pathErr *fs.PathError
	if !errors.As(err, &pathErr) || pathErr.Path != run.env["GITHUB_STEP_SUMMARY"] {
		t.Errorf("got %v, want it to wrap the *fs.PathError of %s", err, run.env["GITHUB_STEP_SUMMARY"])
	}
}

func TestInlineCode(t *testing.T) {
	tests := map[string]string{
		"plain":   "`plain`",
		"a`b":     "``a`b``",
		"`lead":   "`` `lead ``",
		"x|y":     "`x\\|y`",
		"two\nln": "`two ln`",
	}
	for in, want := range tests {
		if got := inlineCode(in); got != want {
			t.Errorf("inlineCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSummaryMarkdownWorksOutsideActions(t *testing.T) {
	run := newRunner(t, false)
	rep := run.reporter()
	rep.Mask("s3cr3t")
	got := rep.SummaryMarkdown(DeploySummary{Environment: "dev", Outcome: "failed", Diagnosis: "token s3cr3t refused"})
	want := "### Deploy to `dev`: failed\n\n| | |\n| --- | --- |\n| Environment | `dev` |\n| Outcome | failed |\n\n**Diagnosis**\n\n```text\ntoken *** refused\n```\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if run.stdout.Len() != 0 || readFile(t, run.summaryFile) != "" {
		t.Error("SummaryMarkdown must only return text")
	}
}

// A diagnosis of any size keeps the step summary far within GitHub's 1 MiB per step: whole lines
// up to the cap, and how many more the job log holds.
func TestSummaryCapsTheDiagnosis(t *testing.T) {
	rep := newRunner(t, true).reporter()
	line := "task 0123abcd (web:2) stopped: Essential container in task exited; container app exit code 1"
	huge := strings.Repeat(line+"\n", 20000) // 1.8 MB
	md := rep.SummaryMarkdown(DeploySummary{Environment: "prod", Outcome: "failed", Diagnosis: huge})
	if len(md) > maxDiagnosisBytes+4096 {
		t.Errorf("summary of %d bytes, want the diagnosis capped at %d", len(md), maxDiagnosisBytes)
	}
	kept := strings.Count(md, line)
	if !strings.Contains(md, "… "+strconv.Itoa(20000-kept)+" more lines in the job log") {
		t.Errorf("the summary does not say how many lines were left out (%d kept):\n%s", kept, md[len(md)-300:])
	}
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "task ") && l != line {
			t.Fatalf("a line was cut in the middle: %q", l)
		}
	}
}

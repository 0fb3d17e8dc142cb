package ghactions

import (
	"fmt"
	"strings"
)

// DeploySummary is what a deploy reports in the step summary. All fields are
// preformatted text; empty ones are left out.
type DeploySummary struct {
	Environment string
	// Service is where the image runs, e.g. "cluster/service".
	Service     string
	Image       string
	Digest      string
	OldRevision string
	NewRevision string
	Duration    string
	Outcome     string
	// APICalls is how many AWS API calls the deploy made, retries included.
	APICalls string
	// Diagnosis explains a failure (stopped tasks, failing health checks...);
	// it is shown verbatim in a code block.
	Diagnosis string
	// Migration is the one-off task run before the service was updated: its command, task and
	// end, in one line.
	Migration string
	// Timeline is where the deploy's time went: Markdown (a table of its phases, then what the
	// service's settings impose and advice), shown as is after the table.
	Timeline string
}

// Summary appends the deploy's summary to the GITHUB_STEP_SUMMARY file.
// Masked secrets are replaced by *** before anything is written.
func (r *Reporter) Summary(s DeploySummary) error {
	if !r.enabled {
		return nil
	}
	if r.action.Getenv("GITHUB_STEP_SUMMARY") == "" {
		return fmt.Errorf("cannot write the step summary: GITHUB_STEP_SUMMARY is not set; the runner is too old for job summaries, update it")
	}
	markdown := r.renderSummary(s)
	return fileCommand("write the step summary", func() { r.action.AddStepSummary(markdown) })
}

// SummaryMarkdown renders s as Summary would write it, masked secrets
// replaced, for callers that cannot reach GITHUB_STEP_SUMMARY themselves
// (a Dagger function runs in a container; it can return this text instead).
func (r *Reporter) SummaryMarkdown(s DeploySummary) string { return r.renderSummary(s) }

func (r *Reporter) renderSummary(s DeploySummary) string {
	var b strings.Builder
	outcome := r.scrub(s.Outcome)
	if outcome == "" {
		outcome = "unknown"
	}
	fmt.Fprintf(&b, "### Deploy to %s: %s\n\n", inlineCode(r.scrub(s.Environment)), escapeText(outcome))
	b.WriteString("| | |\n| --- | --- |\n")
	row := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", label, value)
		}
	}
	code := func(v string) string {
		if v = r.scrub(v); v == "" {
			return ""
		}
		return inlineCode(v)
	}
	row("Environment", code(s.Environment))
	row("Service", code(s.Service))
	row("Image", code(s.Image))
	row("Digest", code(s.Digest))
	switch old, next := code(s.OldRevision), code(s.NewRevision); {
	case old != "" && next != "":
		row("Task definition", old+" → "+next)
	case next != "":
		row("Task definition", next)
	case old != "":
		row("Task definition", old+" (unchanged)")
	}
	row("Migration", escapeText(r.scrub(s.Migration)))
	row("Duration", escapeText(r.scrub(s.Duration)))
	row("Outcome", escapeText(outcome))
	row("AWS API calls", escapeText(r.scrub(s.APICalls)))
	if timeline := strings.TrimRight(r.scrub(s.Timeline), "\n"); timeline != "" {
		fmt.Fprintf(&b, "\n**Timeline**\n\n%s\n", timeline)
	}
	if diagnosis := capLines(strings.TrimRight(r.scrub(s.Diagnosis), "\n"), maxDiagnosisBytes); diagnosis != "" {
		fence := strings.Repeat("`", max(3, longestRun(diagnosis, '`')+1))
		fmt.Fprintf(&b, "\n**Diagnosis**\n\n%stext\n%s\n%s\n", fence, diagnosis, fence)
	}
	return b.String()
}

// maxDiagnosisBytes bounds the diagnosis in the step summary, far below GitHub's 1 MiB a step
// may write: the engine's diagnosis counts identical evidence rather than listing it, so only
// an unforeseen one reaches the cap, and the job log keeps it whole.
const maxDiagnosisBytes = 64 << 10

// capLines keeps the whole lines of s that fit in limit bytes and says how many were left out.
func capLines(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := strings.LastIndexByte(s[:limit], '\n')
	if cut < 0 {
		return s[:limit] + "\n… the rest is in the job log" // one line longer than the cap
	}
	left := strings.Count(s[cut:], "\n") // the lines after the cut, each after a newline
	return s[:cut] + fmt.Sprintf("\n… %d more lines in the job log", left)
}

// inlineCode renders v as a code span that is safe inside a table cell: the
// span's backtick fence outgrows any backticks in v, and pipes are escaped
// because GitHub splits table cells on them even inside code.
func inlineCode(v string) string {
	v = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`).Replace(v)
	fence := strings.Repeat("`", longestRun(v, '`')+1)
	if strings.HasPrefix(v, "`") || strings.HasSuffix(v, "`") {
		v = " " + v + " "
	}
	return fence + v + fence
}

// escapeText makes v plain text in a table cell or heading.
func escapeText(v string) string {
	return strings.NewReplacer(
		"\r\n", " ", "\n", " ", "\r", " ",
		`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`,
	).Replace(v)
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

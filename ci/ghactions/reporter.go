// Package ghactions is the small surface the deploy uses to talk to GitHub
// Actions: masking secrets, folding log groups, step outputs, error
// annotations and the step summary. Outside Actions every call is a no-op
// (Group still runs its function), so the same pipeline code runs on a
// laptop, in CodeBuild and in Actions.
package ghactions

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"
)

// Output names the deploy sets for later workflow steps.
const (
	OutputImage             = "image"
	OutputTaskDefinitionARN = "task-definition-arn"
	// OutputOutcome is the deploy's outcome (succeeded, rolled-back, ...), for
	// later steps that act only on some outcomes.
	OutputOutcome = "outcome"
)

// fileCommandDelimiter is the heredoc delimiter go-githubactions uses for
// GITHUB_OUTPUT; a value containing it on its own line would end the value
// early and let the rest forge further outputs.
const fileCommandDelimiter = "_GitHubActionsFileCommandDelimeter_"

var outputNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Reporter writes GitHub Actions workflow commands. It is safe for
// concurrent use.
type Reporter struct {
	action  *githubactions.Action
	enabled bool

	mu      sync.Mutex
	secrets []string // longest first, so that scrubbing never leaves a tail
	inGroup bool
}

// New returns a Reporter. Options are go-githubactions options; tests inject
// githubactions.WithGetenv and githubactions.WithWriter. The Reporter is
// active only when GITHUB_ACTIONS is "true" in that environment.
func New(opts ...githubactions.Option) *Reporter {
	action := githubactions.New(opts...)
	return &Reporter{action: action, enabled: action.Getenv("GITHUB_ACTIONS") == "true"}
}

// Enabled reports whether the process runs inside GitHub Actions.
func (r *Reporter) Enabled() bool { return r.enabled }

// Mask tells the runner to hide secret in all later log lines, and keeps it
// out of the step summary and annotations this Reporter writes. Each line of
// a multi-line secret is masked on its own because the runner masks line by
// line.
func (r *Reporter) Mask(secret string) {
	if strings.TrimSpace(secret) == "" {
		return
	}
	values := []string{secret}
	if strings.ContainsAny(secret, "\r\n") {
		for _, line := range strings.FieldsFunc(secret, func(c rune) bool { return c == '\n' || c == '\r' }) {
			if strings.TrimSpace(line) != "" {
				values = append(values, line)
			}
		}
	}
	r.mu.Lock()
	r.secrets = append(r.secrets, values...)
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	r.mu.Unlock()
	if !r.enabled {
		return
	}
	for _, v := range values {
		r.action.AddMask(v)
	}
}

// Group runs fn inside a collapsible log group titled title and returns fn's
// error. The group is closed even when fn panics. GitHub cannot nest groups,
// so a Group inside a Group just runs fn.
func (r *Reporter) Group(title string, fn func() error) error {
	r.mu.Lock()
	open := r.enabled && !r.inGroup
	if open {
		r.inGroup = true
	}
	r.mu.Unlock()
	if !open {
		return fn()
	}
	r.action.Group(r.scrub(title))
	defer func() {
		r.action.EndGroup()
		r.mu.Lock()
		r.inGroup = false
		r.mu.Unlock()
	}()
	return fn()
}

// Output sets a step output (see OutputImage and OutputTaskDefinitionARN)
// through the GITHUB_OUTPUT file.
func (r *Reporter) Output(name, value string) error {
	if !outputNamePattern.MatchString(name) {
		return fmt.Errorf("output name %q is not valid: use letters, digits, - and _, starting with a letter or _", name)
	}
	if strings.Contains(value, fileCommandDelimiter) {
		return fmt.Errorf("output %q contains the GITHUB_OUTPUT delimiter %q and would corrupt the outputs file; refusing to write it", name, fileCommandDelimiter)
	}
	if !r.enabled {
		return nil
	}
	if r.action.Getenv("GITHUB_OUTPUT") == "" {
		return fmt.Errorf("cannot set output %q: GITHUB_OUTPUT is not set; the runner is too old for file commands, update it", name)
	}
	return fileCommand("set output "+strconv.Quote(name), func() { r.action.SetOutput(name, value) })
}

// Annotation places an error or notice annotation; every field is optional.
type Annotation struct {
	// Title is the annotation's heading.
	Title string
	// File is a path relative to the repository root; Line (1-based) needs File.
	File string
	Line int
}

// Error writes an error annotation, shown on the run's summary page and, with
// File set, on the file in pull requests. Masked secrets are replaced by ***.
func (r *Reporter) Error(msg string, at Annotation) {
	r.annotate(msg, at, func(a *githubactions.Action, text string) { a.Errorf("%s", text) })
}

// Notice writes a notice annotation, the good-news counterpart of Error: it
// shows on the run's summary page without failing anything.
func (r *Reporter) Notice(msg string, at Annotation) {
	r.annotate(msg, at, func(a *githubactions.Action, text string) { a.Noticef("%s", text) })
}

func (r *Reporter) annotate(msg string, at Annotation, write func(*githubactions.Action, string)) {
	if !r.enabled {
		return
	}
	props := map[string]string{}
	if at.Title != "" {
		props["title"] = r.scrub(at.Title)
	}
	if at.File != "" {
		props["file"] = at.File
		if at.Line > 0 {
			props["line"] = strconv.Itoa(at.Line)
		}
	}
	write(r.action.WithFieldsMap(props), r.scrub(msg))
}

// Log writes text to the job log, secrets scrubbed. A line that would read as a workflow command
// (a diagnosis can quote a container's output) is defused so that it only prints.
func (r *Reporter) Log(text string) {
	for _, line := range strings.Split(strings.TrimRight(r.scrub(text), "\n"), "\n") {
		if trimmed := strings.TrimLeft(line, " \t"); strings.HasPrefix(trimmed, "::") {
			line = strings.Replace(line, "::", ": :", 1)
		}
		r.action.Infof("%s", line)
	}
}

// scrub replaces every masked secret in s with ***.
func (r *Reporter) scrub(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// fileCommand runs a go-githubactions file command, which panics when the
// file cannot be written, and turns that panic into an error so that a full
// disk cannot crash a deploy that already succeeded. Since v1.3.2 the panic
// value wraps the os error, so it stays reachable with errors.Is and errors.As.
func fileCommand(what string, write func()) (err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		const fix = "check that the runner's file-command paths are writable"
		if cause, ok := p.(error); ok {
			err = fmt.Errorf("cannot %s: %w; %s", what, cause, fix)
			return
		}
		err = fmt.Errorf("cannot %s: %v; %s", what, p, fix)
	}()
	write()
	return nil
}

package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"dagger/pipeline/ghactions"
	"dagger/pipeline/internal/cliflag"
	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

// Exit codes.
const (
	exitReported = 0
	exitNoReport = 1
	exitBadFlags = 2
)

// maskedEnv are the runner's credentials for the deploy. They never belong in the log, but
// a diagnosis quoting a failed AWS call could carry one.
var maskedEnv = []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

const usage = `usage: github-report --log FILE [--env NAME]

Turns the log of a deploy step into GitHub Actions reporting: the step summary, the outputs
image, task-definition-arn and outcome, and an annotation. The deploy step saves its log with

    dagger call --progress=plain deploy --env=NAME ... 2>&1 | tee FILE

Outside GitHub Actions (GITHUB_ACTIONS is not "true") it prints the summary as Markdown.

flags:
`

// run is main without the process: it reads flags from args and the environment through
// getenv (GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY...), writes workflow commands to
// stdout and returns the exit code.
func run(args []string, getenv func(string) string, stdout io.Writer) int {
	fs := flag.NewFlagSet("github-report", flag.ContinueOnError)
	fs.SetOutput(stdout)
	logPath := fs.String("log", "", "the `FILE` the deploy step tee'd its output into (required)")
	env := fs.String("env", "", "the environment `NAME` deployed, as in ci/environments.json; checked against the result")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args, stdout, "(github-report -help lists the flags)")
	if help {
		return exitReported
	}
	if err != nil {
		return exitBadFlags
	}
	if *logPath == "" || fs.NArg() > 0 {
		fmt.Fprintln(stdout, `github-report: pass --log FILE, the file the deploy step wrote with `+
			"`dagger call deploy ... 2>&1 | tee FILE`, and no other arguments")
		return exitBadFlags
	}

	rep := ghactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))
	for _, name := range maskedEnv {
		rep.Mask(getenv(name))
	}

	res, err := readResult(*logPath)
	if err == nil && *env != "" && res.Environment != *env {
		if res.Environment != "" {
			err = fmt.Errorf("the log %s holds a deploy to %q, but --env says %q: pass the log this job's deploy step wrote", *logPath, res.Environment, *env)
		}
		res.Environment = *env
	}
	if err != nil {
		reportNoResult(rep, stdout, *env, *logPath, err)
		return exitNoReport
	}
	// The person reading the run re-runs this workflow, or runs the module's commands.
	names := WorkflowFromEnv(getenv).Names(daggercall.Names{Env: res.Environment})
	if err := publish(rep, stdout, res, names); err != nil {
		fmt.Fprintf(stdout, "github-report: %v\n", err)
		return exitNoReport
	}
	return exitReported
}

// errNoResult means the deploy printed no result line: it stopped before it reached AWS.
var errNoResult = errors.New("the deploy stopped before it reached AWS (checks, build, publish or credentials) and printed no result")

func readResult(path string) (resultline.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return resultline.Result{}, fmt.Errorf("cannot read the deploy log: %w; the deploy step must pipe its output into it with `2>&1 | tee`", err)
	}
	defer f.Close()
	res, found, err := resultline.Find(f)
	if err != nil {
		return resultline.Result{}, fmt.Errorf("%s: %w", path, err)
	}
	if !found {
		return resultline.Result{}, errNoResult
	}
	return res, nil
}

// publish reports a deploy's result: summary, outputs, and one annotation; n words its next
// steps.
func publish(rep *ghactions.Reporter, stdout io.Writer, res resultline.Result, n report.Names) error {
	summary := res.Summary(n)
	if !rep.Enabled() {
		fmt.Fprint(stdout, rep.SummaryMarkdown(summary))
		return nil
	}
	var errs []error
	errs = append(errs, rep.Summary(summary))
	for _, output := range []struct{ name, value string }{
		{ghactions.OutputImage, res.Image},
		{ghactions.OutputTaskDefinitionARN, res.TaskDefinition},
		{ghactions.OutputOutcome, res.Outcome},
	} {
		if output.value != "" {
			errs = append(errs, rep.Output(output.name, output.value))
		}
	}
	if summary.Diagnosis != "" {
		// The diagnosis, folded under its own heading in the job log, next to the annotation.
		errs = append(errs, rep.Group("Diagnosis of the deploy to "+res.Environment, func() error {
			rep.Log(summary.Diagnosis)
			return nil
		}))
	}
	title := fmt.Sprintf("Deploy to %s: %s", res.Environment, res.Outcome)
	if res.Succeeded() {
		rep.Notice(successMessage(res, summary), ghactions.Annotation{Title: title})
	} else {
		rep.Error(failureMessage(res), ghactions.Annotation{Title: title})
	}
	return errors.Join(errs...)
}

func successMessage(res resultline.Result, s ghactions.DeploySummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s runs %s", cmp.Or(s.Service, res.Environment), cmp.Or(res.Image, "the image"))
	switch {
	case s.OldRevision != "" && s.NewRevision != "":
		fmt.Fprintf(&b, " on %s (was %s)", s.NewRevision, s.OldRevision)
	case s.OldRevision != "":
		fmt.Fprintf(&b, " on %s, unchanged", s.OldRevision)
	case s.NewRevision != "":
		fmt.Fprintf(&b, " on %s", s.NewRevision)
	}
	if s.Duration != "" {
		fmt.Fprintf(&b, "; deployed in %s", s.Duration)
	}
	return b.String()
}

func failureMessage(res resultline.Result) string {
	switch {
	case res.Diagnosis != nil && res.Diagnosis.Summary != "":
		return res.Diagnosis.Summary
	case res.Error != "":
		return res.Error
	}
	return fmt.Sprintf("the deploy ended %s without a diagnosis; read the deploy step's log", res.Outcome)
}

// reportNoResult says, where people look, that there is nothing to report and why.
func reportNoResult(rep *ghactions.Reporter, stdout io.Writer, env, logPath string, cause error) {
	title := "Deploy: no result"
	if env != "" {
		title = fmt.Sprintf("Deploy to %s: no result", env)
	}
	msg := fmt.Sprintf("%v. Read the deploy step's log (saved on the runner as %s) for the error.", cause, logPath)
	if !rep.Enabled() {
		fmt.Fprintf(stdout, "github-report: %s: %s\n", title, msg)
		return
	}
	rep.Error(msg, ghactions.Annotation{Title: title})
	if err := rep.Summary(ghactions.DeploySummary{Environment: env, Outcome: "no result", Diagnosis: msg + logTail(logPath)}); err != nil {
		fmt.Fprintf(stdout, "github-report: %v\n", err)
	}
}

// Package daggercall words the deploy engine's results and input errors as a user of the Dagger
// module meets them: the commands are `dagger call …` with the environment, and the inputs are
// keys of ci/environments.json and the functions' arguments. It links no AWS SDK, so the GitHub
// Actions report, which tells the same person what to run, can use it too.
package daggercall

import (
	"fmt"
	"strings"

	"dagger/pipeline/report"
	"dagger/pipeline/report/resultline"
)

// EnvironmentsFile is the environments file, relative to the repository root.
const EnvironmentsFile = "ci/environments.json"

// Names are the module's words for one environment's deploy, rollback or status.
type Names struct {
	Env string // the environment, as named in EnvironmentsFile
	// Repository is the environment's image repository (REGISTRY/REPO), to name an image the
	// engine knows only by its digest; empty: a placeholder.
	Repository string
	// Image is the image the deploy was given with --image, which deploying again must give
	// too; empty: the deploy built it, and deploying again builds it again.
	Image string
	// Several: the environment has several services, which a rollback without --to takes each
	// to its previous revision.
	Several bool
}

// Command is the `dagger call` that takes the step.
func (n Names) Command(s report.Step) string {
	switch s.Action {
	case report.Rollback:
		to := s.Revision
		switch {
		case to == "" && n.Several:
			return "dagger call rollback --env=" + n.Env
		case to == "":
			to = "REVISION"
		}
		return fmt.Sprintf("dagger call rollback --env=%s --to=%s", n.Env, to)
	case report.Status:
		return "dagger call status --env=" + n.Env
	case report.Deploy:
		image := s.Image
		if strings.HasPrefix(image, "sha256:") {
			repo := n.Repository
			if repo == "" {
				repo = "REPO"
			}
			image = repo + "@" + image
		}
		if image == "" {
			image = n.Image
		}
		command := "dagger call deploy --env=" + n.Env
		if image != "" {
			command += " --image=" + image
		}
		if s.Force {
			command += " --force"
		}
		return command
	}
	return ""
}

// Where the module's user sets the engine's inputs: keys of the environment, or arguments.
var (
	environmentKeys = map[report.Field]string{
		report.FieldCluster: "cluster", report.FieldService: "service", report.FieldContainer: "container",
		report.FieldTaskDefinition: "taskDefinition", report.FieldRegion: "region", report.FieldMigration: "migration",
	}
	arguments = map[report.Field]string{
		report.FieldImage: "--image of deploy", report.FieldRevision: "--to of rollback", report.FieldImageDigest: "--to of rollback",
	}
)

// Inputs names the environment's keys and the functions' arguments that set fields.
func (n Names) Inputs(fields ...report.Field) string {
	var keys, args []string
	for _, f := range fields {
		if k, ok := environmentKeys[f]; ok {
			keys = appendNew(keys, fmt.Sprintf("%q", k))
		} else if a, ok := arguments[f]; ok {
			args = appendNew(args, a)
		}
	}
	var parts []string
	if len(keys) > 0 {
		parts = append(parts, fmt.Sprintf("%s of environment %q in %s", strings.Join(keys, " and "), n.Env, EnvironmentsFile))
	}
	return strings.Join(append(parts, args...), "; ")
}

func appendNew(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}

// Error is err in the module's words (see report.Explain); it wraps err.
func (n Names) Error(err error) error {
	if err == nil {
		return nil
	}
	return &worded{msg: report.Explain(err, n), err: err}
}

type worded struct {
	msg string
	err error
}

func (w *worded) Error() string { return w.msg }
func (w *worded) Unwrap() error { return w.err }

// Report is res for a person, under heading, with the module's commands.
func (n Names) Report(heading string, res *report.Result) string {
	var b strings.Builder
	_ = report.Render(&b, heading, res, n) // a strings.Builder does not fail
	return strings.TrimRight(b.String(), "\n")
}

// DeployOutput is what `dagger call deploy` prints: the report for people, then one result line
// for the runner-side GitHub Actions report (a Dagger function cannot reach the runner's files).
// On failure both travel in the error, the result line last.
func (n Names) DeployOutput(res *report.Result, err error) (string, error) {
	text := n.Report("deploy to "+n.Env, res)
	result := resultline.FromDeploy(n.Env, res, n)
	if err != nil {
		err = n.Error(err)
		result.Error = err.Error()
		return "", fmt.Errorf("%s\n%w\n%s", text, err, resultline.Line(result))
	}
	return text + "\n" + resultline.Line(result), nil
}

// RollbackOutput is what `dagger call rollback` prints, and on failure its error.
func (n Names) RollbackOutput(res *report.Result, err error) (string, error) {
	text := n.Report("rollback of "+n.Env, res)
	if err != nil {
		return text, fmt.Errorf("%s\n%w", text, n.Error(err))
	}
	return text, nil
}

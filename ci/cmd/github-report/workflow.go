package main

import (
	"fmt"
	"strings"

	"dagger/pipeline/report"
)

// Workflow is the GitHub Actions workflow run that reports a deploy.
type Workflow struct {
	Name   string // as the Actions tab lists it, e.g. "deploy-prod"
	RunURL string // the page of this run, where "Re-run jobs" is
}

// WorkflowFromEnv reads the run from the variables the runner sets; outside Actions it is the
// zero Workflow.
func WorkflowFromEnv(getenv func(string) string) Workflow {
	w := Workflow{Name: getenv("GITHUB_WORKFLOW")}
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server != "" && repo != "" && id != "" {
		w.RunURL = fmt.Sprintf("%s/%s/actions/runs/%s", strings.TrimRight(server, "/"), repo, id)
	}
	return w
}

// Names words a deploy's next steps for a person reading the run: deploying the same image again
// is re-running this workflow; anything else is one of commands' commands (the Dagger module's,
// which the workflow runs).
func (w Workflow) Names(commands report.Names) report.Names {
	return workflowNames{w: w, commands: commands}
}

type workflowNames struct {
	w        Workflow
	commands report.Names
}

func (n workflowNames) Command(s report.Step) string {
	if s.Action != report.Deploy || s.Image != "" || n.w.Name == "" {
		return n.commands.Command(s)
	}
	if n.w.RunURL == "" {
		return fmt.Sprintf("re-run the workflow %q", n.w.Name)
	}
	return fmt.Sprintf("re-run the workflow %q (%s)", n.w.Name, n.w.RunURL)
}

func (n workflowNames) Inputs(fields ...report.Field) string { return n.commands.Inputs(fields...) }

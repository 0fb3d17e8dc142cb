// Command github-report turns the log of `dagger call deploy` into GitHub Actions reporting:
// the step summary, the step outputs image, task-definition-arn and outcome, and an error
// annotation (or a notice on success). A Dagger function runs in a container and cannot reach
// the runner's GITHUB_OUTPUT or GITHUB_STEP_SUMMARY, so the deploy prints one result line
// (resultline.Line) and this command, run on the runner in a later step, finds it.
//
//	dagger call --progress=plain deploy --env=staging ... 2>&1 | tee "$RUNNER_TEMP/deploy.log"
//	github-report --log "$RUNNER_TEMP/deploy.log" [--env staging]
//
// Outside GitHub Actions (GITHUB_ACTIONS is not "true") it prints the summary as Markdown.
//
// Exit codes: 0 the result was reported, whatever the deploy's outcome (the deploy step's own
// exit code fails the job); 1 the log holds no result or reporting failed; 2 bad flags.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout))
}

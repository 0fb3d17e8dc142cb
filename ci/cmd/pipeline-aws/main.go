// Command pipeline-aws takes the AWS steps of the Dagger module's functions: the account check and
// the ECR login before a build, the deploy, plan, rollback, status and doctor of an ECS
// environment, its static site, the team's notification, and the check of the environments file
// (whose task definitions the AWS SDK's types judge). The module runs it in a container built from
// ci/, so that the module itself links no AWS SDK: every call on a new engine loads the module first, and
// compiling the SDK's clients there made every first call, check included, about 25 s longer.
//
//	pipeline-aws prepare  --env E [--promoted-for TAG] [--registry-login]
//	pipeline-aws deploy   --env E --image IMAGE [--given-image] [--no-rollback] [--deregister-failed] [--force] [--run-url URL]
//	pipeline-aws notify   --env E --error-file FILE [--run-url URL]
//	pipeline-aws plan     --env E --image IMAGE [--promoted-for TAG] [--force]
//	pipeline-aws rollback --env E [--to REVISION|TAG|IMAGE]
//	pipeline-aws status   --env E
//	pipeline-aws doctor   --env E
//	pipeline-aws site     --env E --action plan|deploy|rollback
//	pipeline-aws validate --file ci/environments.json
//
// It runs at the repository's root (the environments file and the task definitions are read from
// there), with the environment's region in AWS_REGION, the credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and an endpoint, if any, in AWS_ENDPOINT_URL.
// Progress goes to stderr. What the function prints, or its error, worded for `dagger call`, goes
// as JSON (daggercall.Answer) to the file --answer names; the exit code is 0 once it is written.
// People deploy from a terminal with ecs-deploy, which speaks in flags.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"dagger/pipeline/internal/daggercall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline-aws:", err)
		os.Exit(2)
	}
}

// request is one step the module asks for.
type request struct {
	step, env, image, promotedFor, to, runURL, errorFile, action, file string
	givenImage, registryLogin, noRollback, deregisterFailed, force     bool
}

// run takes the step args name and writes its answer; an error is the module's mistake (an
// unknown step, a missing flag), not the step's failure, which the answer carries.
func run(ctx context.Context, args []string, progress io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return fmt.Errorf("no step given: prepare, deploy, notify, plan, rollback, status, doctor, site or validate")
	}
	req := request{step: args[0]}
	fs := flag.NewFlagSet(req.step, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	answerFile := fs.String("answer", "", "the file the answer is written to, as JSON")
	fs.StringVar(&req.env, "env", "", "the environment")
	fs.StringVar(&req.image, "image", "", "the image, pinned by digest")
	fs.BoolVar(&req.givenImage, "given-image", false, "the image was given with --image")
	fs.StringVar(&req.promotedFor, "promoted-for", "", "the commit's tag, to find the image the environment promotes")
	fs.BoolVar(&req.registryLogin, "registry-login", false, "log in to the environment's ECR registry")
	fs.BoolVar(&req.noRollback, "no-rollback", false, "deploy: leave a failed service as it is")
	fs.BoolVar(&req.deregisterFailed, "deregister-failed", false, "deploy: deregister the failed revision")
	fs.BoolVar(&req.force, "force", false, "deploy, plan: a new deployment even when the image already runs")
	fs.StringVar(&req.runURL, "run-url", "", "deploy, notify: the CI run to link from the notification")
	fs.StringVar(&req.errorFile, "error-file", "", "notify: the file that says why the deploy failed before it changed anything")
	fs.StringVar(&req.to, "to", "", "rollback: where to go back to")
	fs.StringVar(&req.action, "action", "", "site: plan, deploy or rollback")
	fs.StringVar(&req.file, "file", "", "validate: the environments file, relative to the repository root")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%s: %w", req.step, err)
	}
	var answer daggercall.Answer
	switch take, ok := steps[req.step]; {
	case *answerFile == "":
		return fmt.Errorf("%s: --answer is required", req.step)
	case req.step == "validate" && req.file == "":
		return fmt.Errorf("validate: --file is required")
	case req.step == "validate":
		answer = validateStep(req)
	case !ok:
		return fmt.Errorf("unknown step %q", req.step)
	case req.env == "":
		return fmt.Errorf("%s: --env is required", req.step)
	default:
		answer = take(ctx, newSession(req, progress, getenv), req)
	}
	data, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	return os.WriteFile(*answerFile, data, 0o600)
}

// steps are the steps by name.
var steps = map[string]func(context.Context, *session, request) daggercall.Answer{
	"prepare":  prepare,
	"deploy":   deployStep,
	"notify":   notifyStep,
	"plan":     planStep,
	"rollback": rollbackStep,
	"status":   statusStep,
	"doctor":   doctorStep,
	"site":     siteStep,
}

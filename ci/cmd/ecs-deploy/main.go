// Command ecs-deploy deploys an image to an ECS service behind an ALB, rolls it back, or shows
// its status — the deploy engine (package deploy) without Dagger, for a laptop or any CI host.
//
//	ecs-deploy deploy   --cluster C --service S --container N --image REPO@sha256:… [flags]
//	ecs-deploy plan     --cluster C --service S --container N --image REPO@sha256:… [--task-definition-file F]
//	ecs-deploy rollback --cluster C --service S [--to REVISION | --to-image REPO@sha256:…]
//	ecs-deploy status   --cluster C --service S
//
// Region and credentials come from the standard AWS environment and config files
// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...). Progress goes to stderr; the final result
// line ("outcome=… task-definition=…") goes to stdout. plan changes nothing: it prints to stdout
// what deploy would change (the service's task definition, and the task definition diff). Exit codes: see deploy.ExitCode
// (0 ok, 1 rolled back, 2 bad input, 3 failed and not rolled back, 4 interrupted, 5 AWS error).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"dagger/pipeline/deploy"
	"dagger/pipeline/release"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  ecs-deploy deploy   --cluster C --service S --container N --image REPO[:TAG]@sha256:<hex> [--task-definition-file F]
                      [--timeout D] [--no-rollback] [--deregister-failed] [--no-wait]
  ecs-deploy plan     --cluster C --service S --container N --image REPO[:TAG]@sha256:<hex> [--task-definition-file F]
  ecs-deploy rollback --cluster C --service S [--to REVISION|family:REV|ARN | --to-image REPO@sha256:<hex>]
                      [--timeout D] [--no-wait]
  ecs-deploy status   --cluster C --service S
`

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return deploy.ExitBadInput
	}
	fs := flag.NewFlagSet("ecs-deploy "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cluster := fs.String("cluster", "", "ECS cluster name or ARN")
	service := fs.String("service", "", "ECS service name")
	var timeout time.Duration
	var noWait bool
	waitFlags := func() {
		fs.DurationVar(&timeout, "timeout", 0, "how long to wait for the rollout (default: derived from the target groups' health checks)")
		fs.BoolVar(&noWait, "no-wait", false, "stop after UpdateService instead of watching the rollout")
	}
	var opts deploy.Options
	var to, toImage string
	switch args[0] {
	case "deploy", "plan":
		fs.StringVar(&opts.Container, "container", "", "name of the container whose image changes")
		fs.StringVar(&opts.Image, "image", "", "image, pinned by digest: REGISTRY/REPO[:TAG]@sha256:<64 hex>")
		fs.StringVar(&opts.TaskDefinitionFile, "task-definition-file", "", "render the new revision from this committed JSON instead of cloning the live one")
		if args[0] == "deploy" {
			waitFlags()
			fs.BoolVar(&opts.NoRollback, "no-rollback", false, "on failure, leave the service as it is")
			fs.BoolVar(&opts.DeregisterFailed, "deregister-failed", false, "deregister the failed revision after rolling back")
		}
	case "rollback":
		waitFlags()
		fs.StringVar(&to, "to", "", "revision to go back to (default: the previous ACTIVE revision)")
		fs.StringVar(&toImage, "to-image", "", "go back to the newest revision that runs this image, REPO@sha256:<64 hex> (not with --to)")
	case "status":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return deploy.ExitOK
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s", args[0], usage)
		return deploy.ExitBadInput
	}
	if err := fs.Parse(args[1:]); err != nil {
		return deploy.ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments %v\n%s", fs.Args(), usage)
		return deploy.ExitBadInput
	}
	toDigest, err := rollbackImageDigest(to, toImage)
	if err != nil {
		report(stdout, stderr, nil, err)
		return deploy.ExitCode(nil, err)
	}

	cfgCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	cfg, err := config.LoadDefaultConfig(cfgCtx)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "error: load AWS configuration: %v\n", err)
		return deploy.ExitAWSError
	}
	if cfg.Region == "" {
		fmt.Fprintln(stderr, "error: no AWS region: set AWS_REGION (or a region in the AWS profile)")
		return deploy.ExitBadInput
	}
	clients := deploy.NewClients(cfg)

	var res *deploy.Result
	switch args[0] {
	case "status":
		st, err := deploy.Status(ctx, clients, *cluster, *service)
		if err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return deploy.ExitCode(nil, err)
		}
		st.Render(stdout)
		return deploy.ExitOK
	case "plan":
		opts.Cluster, opts.Service = *cluster, *service
		return plan(ctx, clients, opts, stdout, stderr)
	case "deploy":
		opts.Cluster, opts.Service, opts.Timeout, opts.NoWait, opts.Progress = *cluster, *service, timeout, noWait, stderr
		res, err = deploy.Deploy(ctx, clients, opts)
	case "rollback":
		res, err = deploy.Rollback(ctx, clients, deploy.RollbackOptions{
			Cluster: *cluster, Service: *service, To: to, ToImageDigest: toDigest, Timeout: timeout, NoWait: noWait, Progress: stderr,
		})
	}
	report(stdout, stderr, res, err)
	return deploy.ExitCode(res, err)
}

// plan prints what deploy would change; it changes nothing.
func plan(ctx context.Context, clients deploy.Clients, opts deploy.Options, stdout, stderr io.Writer) int {
	preview, err := deploy.Preview(ctx, clients, opts)
	if err != nil {
		report(stdout, stderr, nil, err)
		return deploy.ExitCode(nil, err)
	}
	if err := preview.Render(stdout); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return deploy.ExitAWSError
	}
	return deploy.ExitOK
}

// report prints the diagnosis (stderr, for people) and one result line (stdout, for scripts).
func report(stdout, stderr io.Writer, res *deploy.Result, err error) {
	if res == nil {
		var inputErr *deploy.InputError
		if errors.As(err, &inputErr) {
			fmt.Fprintf(stderr, "error: %v\nnothing was changed.\n", err)
		} else if err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
		}
		return
	}
	if res.Diagnosis != nil {
		fmt.Fprintf(stderr, "\n%s", res.Diagnosis)
	}
	fmt.Fprintf(stdout, "outcome=%s service=%s task-definition=%s previous=%s deployment=%s duration=%s api-calls=%d\n",
		res.Outcome, res.Service, res.TaskDefinition, res.PreviousTaskDefinition, res.DeploymentID,
		res.Finished.Sub(res.Started).Round(time.Millisecond), res.APICalls)
}

// rollbackImageDigest checks rollback's --to and --to-image, which name the target two ways,
// and returns the digest of --to-image ("" when absent).
func rollbackImageDigest(to, toImage string) (string, error) {
	if strings.TrimSpace(toImage) == "" {
		return "", nil
	}
	if strings.TrimSpace(to) != "" {
		return "", &deploy.InputError{What: fmt.Sprintf("both --to %s and --to-image %s were given", to, toImage),
			Why: "a rollback goes to exactly one revision", Fix: "pass only one of them"}
	}
	ref, err := release.RequireDigest(strings.TrimSpace(toImage))
	if err != nil {
		return "", &deploy.InputError{What: "--to-image " + toImage, Why: err.Error(),
			Fix: "pass the digest-pinned reference that publish printed, or --to with a revision", Err: err}
	}
	return ref.Digest, nil
}

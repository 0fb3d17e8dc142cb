// Command ecs-deploy deploys an image to an ECS service behind an ALB, rolls it back, or shows
// its status — the deploy engine (package deploy) without Dagger, for a laptop or any CI host.
//
//	ecs-deploy deploy   --cluster C --service S --container N --image REPO@sha256:… [--migrate-command JSON] [flags]
//	ecs-deploy deploy   --cluster C --service web,worker --container app,worker --image …   (several services, one release)
//	ecs-deploy plan     --cluster C --service S --container N --image REPO@sha256:… [--task-definition-file F] [--migrate-command JSON]
//	ecs-deploy rollback --cluster C --service S [--to REVISION | --to-image REPO@sha256:…]
//	ecs-deploy status   --cluster C --service S
//	ecs-deploy doctor   --cluster C --service S
//	ecs-deploy validate [--file ci/environments.json] [--root DIR]
//	ecs-deploy site plan|deploy|rollback --bucket B --distribution-id D [--dir DIR] [--invalidation-timeout D]
//
// Region and credentials come from the standard AWS environment and config files
// (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...). Progress and the report for people go to
// stderr; the final result line ("outcome=… task-definition=…") goes to stdout. plan changes
// nothing: it prints to stdout what deploy would change (the service's task definition, and the
// task definition diff). site syncs a static site to an S3 bucket and invalidates its changed pages
// in CloudFront (package site). Exit codes: see deploy.ExitCode (0 ok, 1 rolled back, 2 bad input,
// 3 failed and not rolled back, 4 interrupted, 5 AWS error).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go/logging"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/cliflag"
	"dagger/pipeline/notify"
	"dagger/pipeline/notify/publish"
	"dagger/pipeline/release"
	"dagger/pipeline/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, invocation(), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func usage(prog string) string {
	indent := strings.Repeat(" ", 2+len(prog)+10) // under the flags of the line above
	return strings.NewReplacer("PROG", prog, "INDENT", indent).Replace(`usage:
  PROG deploy   --cluster C --service S --container N --image REPO[:TAG]@sha256:<hex> [--task-definition-file F]
INDENT[--timeout D] [--no-rollback] [--deregister-failed] [--no-wait] [--force]
INDENT[--migrate-command '["PROGRAM","ARG"]' [--migrate-timeout D]]
  PROG plan     --cluster C --service S --container N --image REPO[:TAG]@sha256:<hex> [--task-definition-file F] [--force]
INDENT[--migrate-command '["PROGRAM","ARG"]']
  PROG rollback --cluster C --service S [--to REVISION|family:REV|ARN | --to-image REPO@sha256:<hex>]
INDENT[--timeout D] [--no-wait]
  PROG status   --cluster C --service S
  PROG doctor   --cluster C --service S   what the service's settings impose on a deploy, with advice
  PROG validate [--file ci/environments.json]   checks the environments file, without AWS
  PROG site plan|deploy|rollback --bucket B --distribution-id D [--dir DIR]   a static site to S3 and CloudFront
  PROG COMMAND --help   the flags of a command
Several services of a cluster (web behind the load balancer, a worker without one) are deployed as one
release with --service web,worker --container app,worker: all move to the image, or all go back.
`)
}

// run is main without the process: prog is how the person runs this command (see invocation);
// it returns the exit code.
func run(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage(prog))
		return deploy.ExitBadInput
	}
	command := args[0]
	switch command {
	case "validate":
		return runValidate(prog, args[1:], stdout, stderr)
	case "site":
		return runSite(ctx, prog, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet(prog+" "+command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	names := names{prog: prog}
	fs.StringVar(&names.cluster, "cluster", "", "ECS cluster name or ARN")
	fs.StringVar(&names.service, "service", "", "ECS service name; several, comma-separated (web,worker), are deployed, rolled back or shown together")
	var timeout *time.Duration
	var noWait bool
	waitFlags := func() {
		timeout = cliflag.Duration(fs, "timeout", 0, "how long to wait for the rollout, e.g. 10m (default: derived from the target groups' health checks)")
		fs.BoolVar(&noWait, "no-wait", false, "stop after UpdateService instead of watching the rollout")
	}
	var opts deploy.Options
	var to string
	var migrateTimeout *time.Duration
	switch command {
	case "deploy", "plan":
		fs.StringVar(&names.container, "container", "", "name of the container whose image changes; with several services, one per service, comma-separated (app,worker)")
		fs.StringVar(&names.image, "image", "", "image, pinned by digest: REGISTRY/REPO[:TAG]@sha256:<64 hex>")
		fs.StringVar(&names.taskDefinitionFile, "task-definition-file", "", "render the new revision from this committed JSON instead of cloning the live one; with several services, one per service, comma-separated, empty for live (,deploy/worker.json)")
		fs.StringVar(&names.migrateCommand, "migrate-command", "", `run this command, a JSON array such as '["/app/service","migrate"]', once as a task of the new revision before the service is updated; the service is updated only if it exits 0`)
		if command == "deploy" {
			migrateTimeout = cliflag.Duration(fs, "migrate-timeout", 0, "how long the --migrate-command task may run before it is stopped and the deploy fails (default 10m)")
			waitFlags()
			fs.BoolVar(&opts.NoRollback, "no-rollback", false, "on failure, leave the service as it is")
			fs.BoolVar(&opts.DeregisterFailed, "deregister-failed", false, "deregister the failed revision after rolling back")
			fs.StringVar(&names.notifyTopic, "notify-topic", "", "ARN of an SNS topic to tell the outcome to (a failed notification is a warning)")
			fs.StringVar(&names.runURL, "run-url", "", "link to the CI run, included in the notification")
		}
		forceUsage := "when the image already runs, start a new deployment of its revision anyway (its tasks read rotated secrets afresh); a failed one is not rolled back"
		if command == "plan" {
			forceUsage = "plan a deploy with --force"
		}
		fs.BoolVar(&opts.Force, "force", false, forceUsage)
	case "rollback":
		waitFlags()
		fs.StringVar(&to, "to", "", "revision to go back to (default: the previous ACTIVE revision)")
		fs.StringVar(&names.toImage, "to-image", "", "go back to the newest revision that runs this image, REPO@sha256:<64 hex> (not with --to)")
	case "status", "doctor":
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage(prog))
		return deploy.ExitOK
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s", command, usage(prog))
		return deploy.ExitBadInput
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s [flags]\n\nflags:\n", prog, command)
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args[1:], stdout, fmt.Sprintf("(%s %s --help lists the flags)", prog, command))
	if help {
		return deploy.ExitOK
	}
	if err != nil {
		return deploy.ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments %v\n%s", fs.Args(), usage(prog))
		return deploy.ExitBadInput
	}
	if timeout != nil {
		opts.Timeout = *timeout
	}
	if err := migrationFlags(&opts, names.migrateCommand, migrateTimeout); err != nil {
		reportError(stderr, err, names)
		return deploy.ExitBadInput
	}
	services := splitList(names.service)
	opts.Target = deploy.Target{Cluster: names.cluster, Service: services[0], Container: names.container}
	opts.Image = names.image
	rollbackOpts := deploy.RollbackOptions{Cluster: names.cluster, Service: services[0], More: services[1:], To: to, Timeout: opts.Timeout, NoWait: noWait, Progress: stderr}

	// Bad input is told before credentials are needed: it changes nothing, with or without them.
	if err := checkInput(command, names, &opts, &rollbackOpts); err != nil {
		reportError(stderr, err, names)
		return deploy.ExitCode(nil, err)
	}
	clients, cfg, code := awsClients(ctx, stderr)
	if clients == nil {
		return code
	}

	var res *deploy.Result
	switch command {
	case "status":
		return eachService(services, stdout, stderr, names, func(service string) error {
			st, err := deploy.Status(ctx, *clients, names.cluster, service)
			if err == nil {
				st.Render(stdout)
			}
			return err
		})
	case "doctor":
		return eachService(services, stdout, stderr, names, func(service string) error {
			d, err := deploy.Doctor(ctx, *clients, names.cluster, service)
			if err != nil {
				return err
			}
			return d.Render(stdout)
		})
	case "plan":
		return plan(ctx, *clients, opts, names, stdout, stderr)
	case "deploy":
		opts.NoWait, opts.Progress = noWait, stderr
		res, err = deploy.Deploy(ctx, *clients, opts)
		if names.notifyTopic != "" {
			// Told even when interrupted: the message outlives ctx, bounded by Send.
			msg := notify.Compose(notify.Deploy{Environment: names.service, Result: res, Err: err, RunURL: names.runURL}, names)
			if nerr := publish.Send(context.WithoutCancel(ctx), sns.NewFromConfig(cfg), names.notifyTopic, msg); nerr != nil {
				fmt.Fprintf(stderr, "warning: %v; the deploy's outcome is not affected\n", nerr)
			}
		}
	case "rollback":
		res, err = deploy.Rollback(ctx, *clients, rollbackOpts)
	}
	if res == nil {
		reportError(stderr, err, names)
	} else {
		fmt.Fprintln(stderr)
		_ = report.Render(stderr, command, res, names) // a failed write to stderr has nowhere to be told
		fmt.Fprintf(stdout, "outcome=%s service=%s task-definition=%s previous=%s deployment=%s duration=%s api-calls=%d%s\n",
			res.Outcome, res.Service, res.TaskDefinition, res.PreviousTaskDefinition, res.DeploymentID,
			res.Finished.Sub(res.Started).Round(time.Millisecond), res.APICalls, forcedField(res))
		for _, s := range res.Services {
			// One line per service, after the release's, for scripts that read them.
			fmt.Fprintf(stdout, "service-outcome=%s service=%s task-definition=%s previous=%s deployment=%s%s\n",
				s.Outcome, s.Service, s.TaskDefinition, s.PreviousTaskDefinition, s.DeploymentID, forcedField(&s))
		}
	}
	return deploy.ExitCode(res, err)
}

// migrationFlags reads --migrate-command (a JSON array, as in a task definition's "command", so
// that arguments with spaces need no second quoting) and --migrate-timeout into opts.
func migrationFlags(opts *deploy.Options, command string, timeout *time.Duration) error {
	if command == "" {
		if timeout != nil && *timeout != 0 {
			return &deploy.InputError{What: "--migrate-timeout was given without --migrate-command", Why: "there is no migration to time",
				Fix: `add --migrate-command '["/app/service","migrate"]', or drop --migrate-timeout`, Fields: []report.Field{report.FieldMigration}}
		}
		return nil
	}
	var argv []string
	if err := json.Unmarshal([]byte(command), &argv); err != nil {
		return &deploy.InputError{What: fmt.Sprintf("--migrate-command %s is not a JSON array of strings", command),
			Why: "it is the container's command, program and arguments, as in a task definition",
			Fix: fmt.Sprintf("write it as a JSON array, e.g. --migrate-command '%s'", suggestArgv(command)), Fields: []report.Field{report.FieldMigration}}
	}
	opts.Migration = &deploy.Migration{Command: argv}
	if timeout != nil {
		opts.Migration.Timeout = *timeout
	}
	return nil
}

// suggestArgv is command as the JSON array a person most likely meant.
func suggestArgv(command string) string {
	words := strings.Fields(command)
	if len(words) == 0 {
		words = []string{"/app/service", "migrate"}
	}
	raw, _ := json.Marshal(words)
	return string(raw)
}

// forcedField ends the result line of a forced redeployment; other lines keep their fields.
func forcedField(res *deploy.Result) string {
	if res.Forced {
		return " forced=true"
	}
	return ""
}

// splitList splits a comma-separated flag value (--service web,worker) into its items, trimmed;
// an empty value is one empty item, which the engine's checks then name as missing.
func splitList(value string) []string {
	items := strings.Split(value, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// serviceFlags reads --container and --task-definition-file, one item per --service, into opts:
// the first service is Target's, the others More.
func serviceFlags(names names, opts *deploy.Options) error {
	services, containers := splitList(names.service), splitList(names.container)
	files := make([]string, len(services))
	if names.taskDefinitionFile != "" {
		files = splitList(names.taskDefinitionFile)
	}
	if len(services) > 1 && (len(containers) != len(services) || len(files) != len(services)) {
		return &deploy.InputError{
			What:   fmt.Sprintf("%d services but %d containers and %d task definition files", len(services), len(containers), len(files)),
			Why:    "each service's container (and, when given, task definition file) is named in the same position as the service",
			Fix:    fmt.Sprintf("give one per service in the same order, e.g. --service %s --container %s", names.service, strings.Repeat("NAME,", len(services)-1)+"NAME"),
			Fields: []report.Field{report.FieldService, report.FieldContainer},
		}
	}
	opts.Container = containers[0]
	opts.More = nil
	for i, service := range services {
		var data []byte
		if files[i] != "" {
			var err error
			if data, err = os.ReadFile(files[i]); err != nil {
				return &deploy.InputError{What: "cannot read --task-definition-file " + files[i], Why: err.Error(),
					Fix: "pass the path of the committed task definition JSON", Err: err}
			}
		}
		if i == 0 {
			opts.TaskDefinition = data
			continue
		}
		opts.More = append(opts.More, deploy.Member{Service: service, Container: containers[i], TaskDefinition: data})
	}
	return nil
}

// checkInput checks a command's flags as far as that needs no AWS call, and reads the task
// definition file into opts.
func checkInput(command string, names names, opts *deploy.Options, rollbackOpts *deploy.RollbackOptions) error {
	switch command {
	case "deploy", "plan":
		if names.notifyTopic != "" {
			if err := notify.CheckTopic(names.notifyTopic); err != nil {
				return &deploy.InputError{What: "--notify-topic " + err.Error(), Why: "the outcome is published to that topic",
					Fix: "pass the topic's ARN, e.g. arn:aws:sns:eu-west-1:123456789012:deploys (aws sns list-topics)"}
			}
		}
		if err := serviceFlags(names, opts); err != nil {
			return err
		}
		return opts.Validate()
	case "rollback":
		digest, err := rollbackImageDigest(rollbackOpts.To, names.toImage)
		if err != nil {
			return err
		}
		rollbackOpts.ToImageDigest = digest
		return rollbackOpts.Validate()
	case "status", "doctor":
		for _, service := range splitList(names.service) {
			if err := deploy.ValidateService(names.cluster, service); err != nil {
				return err
			}
		}
	}
	return nil
}

// awsClients loads the AWS configuration from the standard environment and checks the region
// and the credentials before the first call; on failure it says what to do and returns the
// exit code.
func awsClients(ctx context.Context, stderr io.Writer) (*deploy.Clients, aws.Config, int) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The SDK's own log lines (an IMDSv1 fallback while it looks for credentials) would only
	// repeat, in its terms, what the errors below say in ours.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithLogger(logging.Nop{}))
	if err != nil {
		fmt.Fprintf(stderr, "error: cannot load the AWS configuration: %v\n%s", err, credentialsHelp)
		return nil, cfg, deploy.ExitAWSError
	}
	if cfg.Region == "" {
		fmt.Fprintln(stderr, "error: no AWS region: set AWS_REGION (or a region in the AWS profile), e.g. AWS_REGION=eu-west-1\nnothing was changed.")
		return nil, cfg, deploy.ExitBadInput
	}
	if err := environments.CheckRegion(cfg.Region); err != nil {
		fmt.Fprintf(stderr, "error: AWS region %v; set AWS_REGION (or AWS_DEFAULT_REGION, or the profile's region) to it\nnothing was changed.\n", err)
		return nil, cfg, deploy.ExitBadInput
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		fmt.Fprintf(stderr, "error: %s\n%s", credentialsProblem(err), credentialsHelp)
		return nil, cfg, deploy.ExitAWSError
	}
	clients := deploy.NewClients(cfg)
	return &clients, cfg, deploy.ExitOK
}

// credentialsProblem says what went wrong loading credentials. When the SDK found none at all
// its error is about the last place it looked, the EC2 instance metadata service, which is
// rarely where the person meant them to come from.
func credentialsProblem(err error) string {
	if strings.Contains(err.Error(), "EC2 IMDS") {
		return "no AWS credentials found: not in the environment, not in the shared config or credentials files, and no instance or task role"
	}
	return fmt.Sprintf("the AWS credentials could not be loaded: %v", err)
}

const credentialsHelp = `Give them one of these ways:
  - a profile:   AWS_PROFILE=NAME, a profile of ~/.aws/config or ~/.aws/credentials (aws configure --profile NAME)
  - AWS SSO:     aws sso login --profile NAME, then AWS_PROFILE=NAME
  - environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)
  - a role:      run where one is attached (EC2 instance profile, ECS task role, CodeBuild service role),
                 or set AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (e.g. GitHub OIDC)
nothing was changed.
`

// plan prints what deploy would change, service by service; it changes nothing.
func plan(ctx context.Context, clients deploy.Clients, opts deploy.Options, names names, stdout, stderr io.Writer) int {
	previews, err := deploy.PreviewServices(ctx, clients, opts)
	if err != nil {
		reportError(stderr, err, names)
		return deploy.ExitCode(nil, err)
	}
	for i, preview := range previews {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := preview.Render(stdout); err != nil {
			fmt.Fprintf(stderr, "error: %v\n", err)
			return deploy.ExitAWSError
		}
	}
	return deploy.ExitOK
}

// eachService runs show for each service, a blank line between their reports on stdout, and
// returns the exit code: the first error stops it and is told in the CLI's words.
func eachService(services []string, stdout, stderr io.Writer, names names, show func(service string) error) int {
	for i, service := range services {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := show(service); err != nil {
			reportError(stderr, err, names)
			return deploy.ExitCode(nil, err)
		}
	}
	return deploy.ExitOK
}

// reportError tells an error that left no result, in the CLI's words.
func reportError(stderr io.Writer, err error, names names) {
	if err == nil {
		return
	}
	fmt.Fprintf(stderr, "error: %s\n", report.Explain(err, names))
	var inputErr *deploy.InputError
	if errors.As(err, &inputErr) {
		fmt.Fprintln(stderr, "nothing was changed.")
	}
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

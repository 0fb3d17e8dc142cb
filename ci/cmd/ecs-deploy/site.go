package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/cliflag"
	"dagger/pipeline/report"
	"dagger/pipeline/site"
	"dagger/pipeline/sitedeploy"
)

// siteFlags are the CLI's names of the site's inputs.
var siteFlags = map[site.Field]string{
	site.FieldDirectory: "--dir", site.FieldBucket: "--bucket", site.FieldDistribution: "--distribution-id",
}

func siteUsage(prog string) string {
	return strings.ReplaceAll(`usage:
  PROG site plan     --dir DIR --bucket B --distribution-id D   the object changes a deploy would make; changes nothing
  PROG site deploy   --dir DIR --bucket B --distribution-id D [--invalidation-timeout D]
  PROG site rollback --bucket B --distribution-id D [--invalidation-timeout D]   back to the release before
`, "PROG", prog)
}

// runSite runs `site plan|deploy|rollback`: a static site to an S3 bucket behind CloudFront.
func runSite(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, siteUsage(prog))
		return deploy.ExitBadInput
	}
	action := args[0]
	switch action {
	case "plan", "deploy", "rollback":
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, siteUsage(prog))
		return deploy.ExitOK
	default:
		fmt.Fprintf(stderr, "unknown site command %q\n%s", action, siteUsage(prog))
		return deploy.ExitBadInput
	}
	fs := flag.NewFlagSet(prog+" site "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var target site.Target
	var dir string
	fs.StringVar(&target.Bucket, "bucket", "", "the S3 bucket the site is served from")
	fs.StringVar(&target.DistributionID, "distribution-id", "", "the ID of the CloudFront distribution in front of the bucket, e.g. E2QWRUHEXAMPLE")
	if action != "rollback" {
		fs.StringVar(&dir, "dir", "", "the directory of the site's source, with its index.html (e.g. ../app/site from ci/)")
	}
	var timeout *time.Duration
	if action != "plan" {
		timeout = cliflag.Duration(fs, "invalidation-timeout", sitedeploy.DefaultInvalidationTimeout, "how long to wait for CloudFront's invalidation of the changed pages")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s site %s [flags]\n\nflags:\n", prog, action)
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args[1:], stdout, fmt.Sprintf("(%s site %s --help lists the flags)", prog, action))
	if help {
		return deploy.ExitOK
	}
	if err != nil {
		return deploy.ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments %v\n%s", fs.Args(), siteUsage(prog))
		return deploy.ExitBadInput
	}
	var missing []string
	for _, f := range []struct{ value, flag string }{{dir, "--dir"}, {target.Bucket, "--bucket"}, {target.DistributionID, "--distribution-id"}} {
		if f.value == "" && (f.flag != "--dir" || action != "rollback") {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		need := "the bucket and the distribution the site is served from"
		if action != "rollback" {
			need = "the site's source, and the bucket and the distribution it is served from"
		}
		fmt.Fprintf(stderr, "error: missing %s: site %s needs %s; give them\nnothing was changed.\n", strings.Join(missing, ", "), action, need)
		return deploy.ExitBadInput
	}
	// Bad input is told before credentials are needed: a malformed name, or a directory without
	// index.html, changes nothing with or without them.
	for _, err := range []error{site.CheckBucket(target.Bucket), site.CheckDistributionID(target.DistributionID)} {
		if err != nil {
			return siteError(stderr, nil, err)
		}
	}
	var built *site.Site
	if action != "rollback" {
		if built, err = site.Load(dir); err != nil {
			return siteError(stderr, nil, err)
		}
	}
	_, cfg, code := awsClients(ctx, stderr)
	if code != deploy.ExitOK {
		return code
	}
	clients := sitedeploy.NewClients(cfg)
	opts := sitedeploy.Options{Progress: stderr}
	if timeout != nil {
		opts.InvalidationTimeout = *timeout
	}
	var res *report.Site
	switch action {
	case "plan":
		plan, err := sitedeploy.Preview(ctx, clients, target, built)
		if err != nil {
			return siteError(stderr, nil, err)
		}
		fmt.Fprintf(stdout, "site plan for s3://%s behind %s (nothing was changed):\n", target.Bucket, target.DistributionID)
		if err := plan.Render(stdout); err != nil {
			return deploy.ExitAWSError
		}
		return deploy.ExitOK
	case "deploy":
		res, err = sitedeploy.Deploy(ctx, clients, target, built, opts)
	case "rollback":
		res, err = sitedeploy.Rollback(ctx, clients, target, opts)
	}
	if res != nil {
		fmt.Fprintln(stderr)
		fmt.Fprint(stderr, res.String())
		fmt.Fprintf(stdout, "outcome=%s bucket=%s release=%s previous=%s uploaded=%d unchanged=%d deleted=%d invalidation=%s duration=%s\n",
			res.Outcome, res.Bucket, res.Release, res.Previous, len(res.Uploaded), res.Unchanged, len(res.Deleted), res.InvalidationID,
			res.Finished.Sub(res.Started).Round(time.Millisecond))
	}
	if err != nil {
		return siteError(stderr, res, err)
	}
	return deploy.ExitOK
}

// siteError tells a site's error with the flag to fix, and returns the exit code: 2 for bad
// input (nothing changed), 4 when interrupted, 3 when it failed after a change, 5 when AWS
// failed before any.
func siteError(stderr io.Writer, res *report.Site, err error) int {
	var input *site.InputError
	if errors.As(err, &input) {
		msg := err.Error()
		if flag := siteFlags[input.Field]; flag != "" {
			msg += " (" + flag + ")"
		}
		fmt.Fprintf(stderr, "error: %s\nnothing was changed.\n", msg)
		return deploy.ExitBadInput
	}
	fmt.Fprintf(stderr, "error: %v\n", err)
	switch {
	case errors.Is(err, context.Canceled):
		return deploy.ExitInterrupted
	case res == nil:
		return deploy.ExitAWSError
	default:
		return deploy.ExitFailed
	}
}

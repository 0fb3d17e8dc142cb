package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/pipeline/internal/daggercall"
	"dagger/pipeline/report"
	"dagger/pipeline/site"
	"dagger/pipeline/sitedeploy"
)

// siteStep plans, deploys or rolls back (--action) the environment's static site: its bucket
// and distribution, and for plan and deploy its source directory in the repository. A deploy or
// rollback answers with its report, and with its error too when it failed part way.
func siteStep(ctx context.Context, s *session, req request) daggercall.Answer {
	if s.err != nil {
		return daggercall.Answer{Error: s.err.Error()}
	}
	if s.target.Site == nil {
		return daggercall.Answer{Error: fmt.Sprintf("environment %q has no site in %s", s.target.Name, daggercall.EnvironmentsFile)}
	}
	switch req.action {
	case "plan", "deploy", "rollback":
	default:
		return daggercall.Answer{Error: fmt.Sprintf("site: unknown action %q: plan, deploy or rollback", req.action)}
	}
	config := s.target.Site
	target := site.Target{Bucket: config.Bucket, DistributionID: config.DistributionID}
	failed := func(res *report.Site, err error) daggercall.Answer {
		answer := daggercall.Answer{Error: daggercall.SiteError(s.target, err).Error()}
		if res != nil {
			answer.Output = res.String()
		}
		return answer
	}
	// Bad input is told before AWS is asked anything: it changes nothing.
	for _, err := range []error{site.CheckBucket(target.Bucket), site.CheckDistributionID(target.DistributionID)} {
		if err != nil {
			return failed(nil, err)
		}
	}
	var built *site.Site
	if req.action != "rollback" {
		var err error
		if built, err = site.Load(config.Directory); err != nil {
			return failed(nil, err)
		}
	}
	if err := s.verify(ctx); err != nil {
		return daggercall.Answer{Error: err.Error()}
	}
	clients := sitedeploy.NewClients(s.cfg)
	opts := sitedeploy.Options{Progress: s.progress, InvalidationTimeout: config.InvalidationTimeout}
	var res *report.Site
	var err error
	switch req.action {
	case "plan":
		plan, err := sitedeploy.Preview(ctx, clients, target, built)
		if err != nil {
			return failed(nil, err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "site %s to s3://%s behind %s:\n", config.Directory, target.Bucket, target.DistributionID)
		if err := plan.Render(&b); err != nil {
			return failed(nil, err)
		}
		return daggercall.Answer{Output: b.String()}
	case "deploy":
		res, err = sitedeploy.Deploy(ctx, clients, target, built, opts)
	case "rollback":
		res, err = sitedeploy.Rollback(ctx, clients, target, opts)
	}
	if err != nil {
		return failed(res, err)
	}
	return daggercall.Answer{Output: res.String()}
}

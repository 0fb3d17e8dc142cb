package main

import (
	"context"
	"fmt"
	"strings"

	"dagger/pipeline/release"
)

// unpublishedDigest stands for the digest of an image that plan does not build or push.
var unpublishedDigest = "sha256:" + strings.Repeat("0", 64)

// Plan shows what deploy would change on an ECS environment — a readable diff of the task
// definition and the service, for each of its services — and changes nothing. Without --image it plans the image deploy
// would take: for an environment with promoteFrom, the digest promoted for this commit; else the
// image this checkout would publish, whose digest is known only once it is pushed. For an
// environment with a site, it lists the objects deploy would upload and delete, and the pages it
// would invalidate.
// +cache="never"
func (m *Pipeline) Plan(
	ctx context.Context,
	// The environment, as named in ci/environments.json.
	env string,
	// The image a deploy with --image would deploy, pinned by digest (REPO@sha256:…).
	// +optional
	image string,
	// Plan a deploy with --force: when the image already runs, a new deployment of its revision.
	// +optional
	force bool,
) (string, error) {
	target, err := m.ecsEnvironment(ctx, env)
	if err != nil {
		return "", err
	}
	var args []string
	placeholder := ""
	switch {
	case image == "" && target.Promoted():
		tag, err := m.commitTag(ctx, untrackedPromoteError(target.Name, target.PromoteFrom))
		if err != nil {
			return "", err
		}
		args = []string{"--promoted-for", tag}
	case image == "":
		facts, err := m.gitFacts(ctx)
		if err != nil {
			return "", err
		}
		if !facts.Info.Tracked() {
			return "", untrackedPublishError("plan without --image")
		}
		args = []string{"--image", target.ImageRepository() + "@" + unpublishedDigest}
		placeholder = fmt.Sprintf(":%s@(digest known once published)", facts.Info.Tags()[0])
	default:
		if _, err := release.RequireDigest(image); err != nil {
			return "", err
		}
		args = []string{"--image", image}
	}
	if force {
		args = append(args, "--force")
	}
	out, err := answered(m.awsStep(ctx, target, "plan", args...))
	if err != nil {
		return "", err
	}
	if placeholder != "" {
		out = strings.ReplaceAll(out, "@"+unpublishedDigest, placeholder)
	}
	if target.Site != nil {
		sitePlan, err := m.planSite(ctx, target)
		if err != nil {
			return "", err
		}
		out += "\n" + sitePlan
	}
	return out, nil
}

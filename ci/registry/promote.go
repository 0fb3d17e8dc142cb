package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"dagger/pipeline/release"
)

// ErrNotDeployedFrom is wrapped by PromotedImage when the environment promoted from never
// published the commit's image to this registry: there is nothing to promote.
var ErrNotDeployedFrom = errors.New("the commit was not deployed to the environment promoted from")

// notDeployedError is ErrNotDeployedFrom worded for the person deploying, who needs what, why
// and what to do more than the sentinel's name.
type notDeployedError string

func (e notDeployedError) Error() string { return string(e) }

func (notDeployedError) Is(target error) bool { return target == ErrNotDeployedFrom }

// commitTagPattern is release.Info.CommitTag's form: the only tag every published image carries.
var commitTagPattern = regexp.MustCompile(`^sha-[0-9a-f]{12}$`)

// Promotion is a deploy to an environment that takes the image another environment deployed for
// the commit instead of building one.
type Promotion struct {
	// Env is the environment deployed to, e.g. prod; From the one it promotes, e.g. staging.
	Env, From string
	// Repository is Env's own image repository, REGISTRY/NAME, and RepositoryName its ECR name
	// (acme/service). The image is looked up there, not in From's registry: Env's tasks pull
	// from it, so an image that From pushed counts only once it has reached it (ECR replication
	// across accounts, or one repository both environments share).
	Repository, RepositoryName string
	// CommitTag is the commit's sha-<12 hex> tag (release.Info.CommitTag).
	CommitTag string
	// DeployFrom is the command that deploys the commit to From, named when it has not been.
	DeployFrom string
}

// PromotedImage returns the digest-pinned reference (REPOSITORY@sha256:…) of the image tagged with
// the commit's tag in the environment's repository. It only reads (ecr:DescribeImages), so a
// failed look-up changes nothing.
func PromotedImage(ctx context.Context, api ImageAPI, p Promotion) (string, error) {
	if api == nil {
		return "", errors.New("promote: no ECR client; pass ecr.NewFromConfig(cfg)")
	}
	if !commitTagPattern.MatchString(p.CommitTag) {
		return "", fmt.Errorf("promote to %s: %q is not a commit's image tag sha-<12 hex>; it comes from the checkout's git metadata", p.Env, p.CommitTag)
	}
	if strings.TrimSpace(p.RepositoryName) == "" || strings.TrimSpace(p.Repository) == "" {
		return "", fmt.Errorf("promote to %s: no ECR repository; set ecrRepository of %s", p.Env, p.Env)
	}
	digest, err := describeTag(ctx, api, p.RepositoryName, p.CommitTag)
	switch {
	case errors.Is(err, errNoSuchTag):
		return "", notDeployedError(fmt.Sprintf("no image tagged %s in %s. %s is promoted from %s, not built: it deploys only what %s deployed, "+
			"and %s has not deployed this commit (%s), or its image has not reached %s's registry yet; "+
			"deploy this commit to %s first (%s), then to %s again, or pass --image=REPO@sha256:… to deploy an image that is already published",
			p.CommitTag, p.Repository, p.Env, p.From, p.From,
			p.From, strings.TrimPrefix(p.CommitTag, "sha-"), p.Env, p.From, p.DeployFrom, p.Env))
	case errors.Is(err, errNoSuchRepository):
		return "", fmt.Errorf("ECR repository %s not found: %s is promoted from %s and deploys the images %s published, found in its own registry; "+
			"create the repository and replicate %s's ECR to it (ECR cross-account replication), or point ecrRepository of %s at a repository both share",
			p.Repository, p.Env, p.From, p.From, p.From, p.Env)
	case err != nil:
		return "", fmt.Errorf("promote to %s: looking up %s in %s: %w", p.Env, p.CommitTag, p.Repository, err)
	}
	ref, err := release.RequireDigest(p.Repository + "@" + digest)
	if err != nil {
		return "", fmt.Errorf("promote to %s: %w", p.Env, err)
	}
	return ref.String(), nil
}

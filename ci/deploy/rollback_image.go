package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/pipeline/release"
	"dagger/pipeline/report"
)

// maxRevisionsSearched bounds the search for the revision that runs an image: each candidate
// costs a DescribeTaskDefinition, and a rollback is to a recent past, not to any point in it.
const maxRevisionsSearched = 100

// Validate checks what can be checked without AWS: the service is named, and the target is
// named at most once, by a well-formed digest if by an image. Its error is an InputError.
// Rollback runs it first; a caller may run it before it loads credentials.
func (opts RollbackOptions) Validate() error {
	if err := ValidateService(opts.Cluster, opts.Service); err != nil {
		return err
	}
	if err := opts.checkMore(); err != nil {
		return err
	}
	digest := strings.TrimSpace(opts.ToImageDigest)
	if digest == "" {
		return nil
	}
	if strings.TrimSpace(opts.To) != "" {
		return &InputError{What: fmt.Sprintf("both a revision (%s) and an image digest (%s) were given", opts.To, digest),
			Why: "a rollback goes to exactly one revision", Fix: "give only one of them",
			Fields: []report.Field{report.FieldRevision, report.FieldImageDigest}}
	}
	if !release.IsSHA256Digest(digest) {
		return &InputError{What: fmt.Sprintf("image digest %q is not sha256:<64 lowercase hex>", digest),
			Why:    "revisions are matched on the exact digest their images are pinned to",
			Fix:    "give the digest that publish printed, e.g. REPO@sha256:…",
			Fields: []report.Field{report.FieldImageDigest}}
	}
	return nil
}

// revisionRunningDigest is the newest ACTIVE revision of the family of current whose container
// images include digest ("sha256:…"), looking at the newest maxRevisionsSearched revisions.
func (a *api) revisionRunningDigest(ctx context.Context, current, digest string) (*types.TaskDefinition, error) {
	family, _, ok := splitRevision(revisionName(current))
	if !ok {
		return nil, fmt.Errorf("cannot read family and revision from the service's task definition %q", current)
	}
	candidates, err := a.newestRevisions(ctx, family, maxRevisionsSearched)
	if err != nil {
		return nil, err
	}
	for _, arn := range candidates {
		td, _, err := a.describeTaskDefinition(ctx, arn)
		if err != nil {
			return nil, err
		}
		if runsDigest(td, digest) {
			return td, nil
		}
	}
	scope := "no ACTIVE revision"
	if len(candidates) == maxRevisionsSearched {
		scope = fmt.Sprintf("none of the newest %d ACTIVE revisions", maxRevisionsSearched)
	}
	return nil, &InputError{
		What:   fmt.Sprintf("%s of %s runs the image %s", scope, family, digest),
		Why:    "a rollback returns to a revision that already ran that image, and there is none",
		Fields: []report.Field{report.FieldImageDigest},
		Next:   &report.Step{Note: "deploy that image instead", Action: report.Deploy, Image: digest},
	}
}

// newestRevisions lists the ARNs of at most limit ACTIVE revisions of family, newest first.
func (a *api) newestRevisions(ctx context.Context, family string, limit int) ([]string, error) {
	type revision struct {
		arn string
		n   int
	}
	var found []revision
	pages := ecs.NewListTaskDefinitionsPaginator(a.ecs, &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderDesc,
	})
	for pages.HasMorePages() && len(found) < limit {
		out, err := pages.NextPage(ctx, a.ecsOptions)
		if err != nil {
			return nil, fmt.Errorf("list revisions of %s: %w", family, err)
		}
		for _, arn := range out.TaskDefinitionArns {
			// FamilyPrefix may also match longer family names ("app" listing "app-worker").
			if f, n, ok := splitRevision(revisionName(arn)); ok && f == family && len(found) < limit {
				found = append(found, revision{arn, n})
			}
		}
	}
	// ECS lists newest first when asked; sorting again keeps "newest wins" true for an API
	// (or emulator) that ignores Sort.
	slices.SortStableFunc(found, func(x, y revision) int { return y.n - x.n })
	arns := make([]string, len(found))
	for i, r := range found {
		arns[i] = r.arn
	}
	return arns, nil
}

// runsDigest reports whether a container of td runs the image pinned to digest; the registry and
// repository part of the reference is not compared, so a tag in the reference does not matter,
// and an image that is no valid reference runs no digest.
func runsDigest(td *types.TaskDefinition, digest string) bool {
	if td == nil {
		return false
	}
	for _, c := range td.ContainerDefinitions {
		if ref, err := release.ParseReference(aws.ToString(c.Image)); err == nil && ref.Digest == digest {
			return true
		}
	}
	return false
}

// IsImageTag tells an image tag (v1.4.2, sha-3f2a9c41d0b7) from the other forms a rollback
// target takes: a revision number is all digits, and family:revision and task-definition ARNs
// contain ':', which a tag cannot.
func IsImageTag(to string) bool {
	if to == "" || strings.Contains(to, ":") {
		return false
	}
	return strings.Trim(to, "0123456789") != ""
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/site"
)

// Site builds a static site as deploy ships it: every asset a page names renamed with its
// content hash (app.3f9a1c2b.css), the pages rewritten to name them, other files as they are.
// Export it to look at it: dagger call site export --path=out.
func (m *Pipeline) Site(
	ctx context.Context,
	// An environment of ci/environments.json whose site to build (its site.directory), instead of
	// --dir.
	// +optional
	env string,
	// The site's source directory, relative to the repository root; it must hold index.html.
	// +default="app/site"
	dir string,
) (*dagger.Directory, error) {
	if env != "" {
		target, err := m.environment(ctx, env)
		if err != nil {
			return nil, err
		}
		if target.Site == nil {
			return nil, fmt.Errorf("environment %q has no site in %s: add \"site\": {\"directory\": \"app/site\", \"bucket\": …, \"distributionId\": …}, or pass --dir instead of --env", env, environmentsFile)
		}
		dir = target.Site.Directory
	}
	_, built, err := m.buildSite(ctx, dir)
	return built, err
}

// buildSite builds the site in the repository's directory dir, and returns it with the directory
// of its files.
func (m *Pipeline) buildSite(ctx context.Context, dir string) (*site.Site, *dagger.Directory, error) {
	exists, err := m.Source.Exists(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		return nil, nil, &site.InputError{What: fmt.Sprintf("the site directory %s is not in the repository", dir),
			Why: "the site is built from it", Fix: "commit the site there, or name the directory that holds its index.html", Field: site.FieldDirectory}
	}
	// The module's code reads the files where Export puts them: in its own container.
	tmp, err := os.MkdirTemp("", "site-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	src := m.Source.Directory(dir)
	if _, err := src.Export(ctx, tmp); err != nil {
		return nil, nil, fmt.Errorf("reading the site directory %s: %w", dir, err)
	}
	s, err := site.Build(os.DirFS(tmp), dir)
	if err != nil {
		return nil, nil, err
	}
	out := dag.Directory()
	for _, f := range s.Files {
		original, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(f.Source)))
		if err != nil {
			return nil, nil, err
		}
		if bytes.Equal(original, f.Body) {
			// Unchanged bytes come from the source as they are: binary assets survive intact.
			out = out.WithFile(f.Key, src.File(f.Source))
		} else {
			out = out.WithNewFile(f.Key, string(f.Body)) // a rewritten page, which is text
		}
	}
	return s, out, nil
}

// siteTarget is where an environment's site is served from.
func siteTarget(target environments.Environment) site.Target {
	return site.Target{Bucket: target.Site.Bucket, DistributionID: target.Site.DistributionID}
}

// deploySite ships the environment's site and returns its report for people.
func (m *Pipeline) deploySite(ctx context.Context, cfg aws.Config, target environments.Environment) (string, error) {
	s, _, err := m.buildSite(ctx, target.Site.Directory)
	if err != nil {
		return "", siteError(target, err)
	}
	res, err := site.Deploy(ctx, site.NewClients(cfg), siteTarget(target), s, site.Options{InvalidationTimeout: target.Site.InvalidationTimeout, Progress: os.Stderr})
	text := ""
	if res != nil {
		text = res.String()
	}
	if err != nil {
		return text, siteError(target, err)
	}
	return text, nil
}

// planSite is the plan of the environment's site; it changes nothing.
func (m *Pipeline) planSite(ctx context.Context, cfg aws.Config, target environments.Environment) (string, error) {
	s, _, err := m.buildSite(ctx, target.Site.Directory)
	if err != nil {
		return "", siteError(target, err)
	}
	plan, err := site.Preview(ctx, site.NewClients(cfg), siteTarget(target), s)
	if err != nil {
		return "", siteError(target, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "site %s to s3://%s behind %s:\n", target.Site.Directory, target.Site.Bucket, target.Site.DistributionID)
	err = plan.Render(&b)
	return b.String(), err
}

// rollbackSite puts the environment's site back on the release before.
func (m *Pipeline) rollbackSite(ctx context.Context, cfg aws.Config, target environments.Environment) (string, error) {
	res, err := site.Rollback(ctx, site.NewClients(cfg), siteTarget(target), site.Options{InvalidationTimeout: target.Site.InvalidationTimeout, Progress: os.Stderr})
	text := ""
	if res != nil {
		text = res.String()
	}
	if err != nil {
		return text, siteError(target, err)
	}
	return text, nil
}

// siteKeys are the environment's keys for the site's inputs.
var siteKeys = map[site.Field]string{
	site.FieldDirectory: "site.directory", site.FieldBucket: "site.bucket", site.FieldDistribution: "site.distributionId",
}

// siteError names, for bad input, the key of the environment to fix.
func siteError(target environments.Environment, err error) error {
	var input *site.InputError
	if errors.As(err, &input) && siteKeys[input.Field] != "" {
		return fmt.Errorf("%w (%q of environment %q in %s); nothing was changed", err, siteKeys[input.Field], target.Name, environmentsFile)
	}
	return err
}

// withSiteReport puts the site's report before the last line of a deploy's output, which stays
// the machine-readable result line.
func withSiteReport(output, siteReport string) string {
	output = strings.TrimRight(output, "\n")
	i := strings.LastIndex(output, "\n")
	return output[:i+1] + strings.TrimRight(siteReport, "\n") + "\n" + output[i+1:]
}

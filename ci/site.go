package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger/pipeline/environments"
	"dagger/pipeline/internal/dagger"
	"dagger/pipeline/internal/daggercall"
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

// siteSource is the site's source directory dir of the repository; bad input when it is not
// there.
func (m *Pipeline) siteSource(ctx context.Context, dir string) (*dagger.Directory, error) {
	exists, err := m.Source.Exists(ctx, dir)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, &site.InputError{What: fmt.Sprintf("the site directory %s is not in the repository", dir),
			Why: "the site is built from it", Fix: "commit the site there, or name the directory that holds its index.html", Field: site.FieldDirectory}
	}
	return m.Source.Directory(dir), nil
}

// buildSite builds the site in the repository's directory dir, and returns it with the directory
// of its files.
func (m *Pipeline) buildSite(ctx context.Context, dir string) (*site.Site, *dagger.Directory, error) {
	src, err := m.siteSource(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	// The module's code reads the files where Export puts them: in its own container.
	tmp, err := os.MkdirTemp("", "site-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
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

// The site's S3 and CloudFront calls run in the AWS steps' container (see awsStep), which reads
// the site's source from the repository.

// deploySite ships the environment's site and returns its report for people; one that failed
// part way returns its report and its error.
func (m *Pipeline) deploySite(ctx context.Context, target environments.Environment) (string, error) {
	return m.siteStep(ctx, target, "deploy")
}

// planSite is the plan of the environment's site; it changes nothing.
func (m *Pipeline) planSite(ctx context.Context, target environments.Environment) (string, error) {
	return m.siteStep(ctx, target, "plan")
}

// rollbackSite puts the environment's site back on the release before.
func (m *Pipeline) rollbackSite(ctx context.Context, target environments.Environment) (string, error) {
	return m.siteStep(ctx, target, "rollback")
}

// siteStep runs the AWS steps' site action for the environment, once its source is known to be
// in the repository.
func (m *Pipeline) siteStep(ctx context.Context, target environments.Environment, action string) (string, error) {
	if _, err := m.siteSource(ctx, target.Site.Directory); err != nil {
		return "", daggercall.SiteError(target, err)
	}
	answer, err := m.awsStep(ctx, target, "site", "--action", action)
	if err != nil {
		return "", err
	}
	if answer.Error != "" {
		return answer.Output, errorText(answer.Error)
	}
	return answer.Output, nil
}

// withSiteReport puts the site's report before the last line of a deploy's output, which stays
// the machine-readable result line.
func withSiteReport(output, siteReport string) string {
	output = strings.TrimRight(output, "\n")
	i := strings.LastIndex(output, "\n")
	return output[:i+1] + strings.TrimRight(siteReport, "\n") + "\n" + output[i+1:]
}

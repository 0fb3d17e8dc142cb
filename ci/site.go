package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// The site's S3 and CloudFront calls run in a container, through the ecs-deploy command's
// `site`: the module itself links no S3 or CloudFront client, which every first call on a new
// engine would otherwise compile (about 27 s of a 2-core engine's module load), whether it
// ships a site or not. The container is built once per change of ci/ and then cached.

// deploySite ships the environment's site and returns its report for people.
func (m *Pipeline) deploySite(ctx context.Context, target environments.Environment) (string, error) {
	run, err := m.siteCommand(ctx, target, "deploy")
	if err != nil {
		return "", err
	}
	return run.report(), run.err(target)
}

// planSite is the plan of the environment's site; it changes nothing.
func (m *Pipeline) planSite(ctx context.Context, target environments.Environment) (string, error) {
	run, err := m.siteCommand(ctx, target, "plan")
	if err != nil {
		return "", err
	}
	if err := run.err(target); err != nil {
		return "", err
	}
	// The command's first line names the bucket and distribution; this one names the source too.
	_, plan, _ := strings.Cut(run.stdout, "\n")
	return fmt.Sprintf("site %s to s3://%s behind %s:\n", target.Site.Directory, target.Site.Bucket, target.Site.DistributionID) + plan, nil
}

// rollbackSite puts the environment's site back on the release before.
func (m *Pipeline) rollbackSite(ctx context.Context, target environments.Environment) (string, error) {
	run, err := m.siteCommand(ctx, target, "rollback")
	if err != nil {
		return "", err
	}
	return run.report(), run.err(target)
}

// siteRun is what `ecs-deploy site ACTION` printed, and its exit code.
type siteRun struct {
	stdout, stderr string
	code           int
}

// report is the report for people a deploy or rollback prints after its progress and a blank
// line; "" when it stopped before one.
func (r siteRun) report() string {
	_, after, found := strings.Cut(r.stderr, "\n\n")
	if !found {
		return ""
	}
	if i := strings.Index(after, "\nerror: "); i >= 0 {
		after = after[:i+1]
	}
	return after
}

// err is the command's error, nil when it exited 0. Bad input names the environment's key to
// fix instead of the command's flag.
func (r siteRun) err(target environments.Environment) error {
	if r.code == 0 {
		return nil
	}
	msg := r.stderr
	if i := strings.LastIndex(msg, "error: "); i >= 0 {
		msg = msg[i+len("error: "):]
	}
	msg, _, _ = strings.Cut(msg, "\n")
	if r.code == exitBadInput {
		for flag, key := range siteFlagKeys {
			if trimmed, ok := strings.CutSuffix(msg, " ("+flag+")"); ok {
				return fmt.Errorf("%s (%q of environment %q in %s); nothing was changed", trimmed, key, target.Name, environmentsFile)
			}
		}
		return fmt.Errorf("%s; nothing was changed", msg)
	}
	return fmt.Errorf("%s (exit code %d)", msg, r.code)
}

// exitBadInput is the command's exit code for bad input, which changed nothing.
const exitBadInput = 2

// siteFlagKeys are the environment's keys for the command's flags.
var siteFlagKeys = map[string]string{"--dir": "site.directory", "--bucket": "site.bucket", "--distribution-id": "site.distributionId"}

// siteCommand runs `ecs-deploy site ACTION` for the environment's site, with the constructor's
// credentials (as secrets) and endpoint, and the site's source mounted.
func (m *Pipeline) siteCommand(ctx context.Context, target environments.Environment, action string) (siteRun, error) {
	src, err := m.siteSource(ctx, target.Site.Directory)
	if err != nil {
		return siteRun{}, siteError(target, err)
	}
	ctr, err := m.awsCommandContainer(ctx, target)
	if err != nil {
		return siteRun{}, err
	}
	args := []string{"ecs-deploy", "site", action, "--bucket", target.Site.Bucket, "--distribution-id", target.Site.DistributionID}
	if action != "rollback" {
		ctr = ctr.WithDirectory("/site", src)
		args = append(args, "--dir", "/site")
	}
	if action != "plan" && target.Site.InvalidationTimeout > 0 {
		args = append(args, "--invalidation-timeout", target.Site.InvalidationTimeout.String())
	}
	done := ctr.WithExec(args, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	var run siteRun
	if run.code, err = done.ExitCode(ctx); err != nil {
		return siteRun{}, err
	}
	if run.stdout, err = done.Stdout(ctx); err != nil {
		return siteRun{}, err
	}
	if run.stderr, err = done.Stderr(ctx); err != nil {
		return siteRun{}, err
	}
	return run, nil
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

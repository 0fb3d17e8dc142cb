package environments

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"dagger/pipeline/site"
)

// maxInvalidationTimeout caps site.invalidationTimeout: CloudFront completes an invalidation in
// minutes; one that takes hours needs a person.
const maxInvalidationTimeout = 3 * time.Hour

func (c *checker) checkSite(s siteJSON) {
	switch d := s.Directory; {
	case d == "":
		c.add("site.directory", "is missing; the site is built from that directory of the repository", `add "directory": "app/site" (the directory that holds the site's index.html)`)
	case path.IsAbs(d) || strings.Contains(d, `\`) || path.Clean(d) != d || d == "." || d == ".." || strings.HasPrefix(d, "../"):
		c.add("site.directory", fmt.Sprintf("%q is not a clean path inside the repository", d),
			`write a path relative to the repository root with forward slashes and no "..", e.g. "app/site"`)
	}
	switch {
	case s.Bucket == "":
		c.add("site.bucket", "is missing; the site is uploaded to that S3 bucket", `add "bucket": "my-site-bucket"`)
	default:
		c.addSiteError("site.bucket", site.CheckBucket(s.Bucket))
	}
	switch {
	case s.DistributionID == "":
		c.add("site.distributionId", "is missing; the changed pages are invalidated in that CloudFront distribution",
			`add "distributionId": "E2QWRUHEXAMPLE" (aws cloudfront list-distributions --query 'DistributionList.Items[].[Id,DomainName]')`)
	default:
		c.addSiteError("site.distributionId", site.CheckDistributionID(s.DistributionID))
	}
	if s.InvalidationTimeout == "" {
		return
	}
	d, err := time.ParseDuration(s.InvalidationTimeout)
	switch {
	case err != nil:
		c.add("site.invalidationTimeout", fmt.Sprintf("%q is not a duration", s.InvalidationTimeout), `write a Go duration such as "10m", or remove the key for the default 10m`)
	case d <= 0:
		c.add("site.invalidationTimeout", fmt.Sprintf("%q is not positive", s.InvalidationTimeout), `write a positive duration such as "10m"`)
	case d > maxInvalidationTimeout:
		c.add("site.invalidationTimeout", fmt.Sprintf("%q exceeds the %s limit", s.InvalidationTimeout, maxInvalidationTimeout), "an invalidation that takes longer needs a person; use at most \"3h\"")
	}
}

// addSiteError adds the site package's word on a key's value, if it has one.
func (c *checker) addSiteError(key string, err error) {
	var input *site.InputError
	if errors.As(err, &input) {
		c.add(key, input.What, input.Fix)
	}
}

// checkSiteDirectories makes sure the directory each site names is in the repository with its
// index.html, unless the key already has a problem.
func checkSiteDirectories(raw []rawEnvironment, known []Problem, read ReadFile) []Problem {
	var problems []Problem
	for _, r := range raw {
		s := r.json.Site
		if s == nil || s.Directory == "" || Kind(r.json.Kind) == KindLocal || hasProblem(known, r.name, "site.directory") {
			continue
		}
		c := checker{env: r.name}
		index := path.Join(s.Directory, "index.html")
		_, err := read(index)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.add("site.directory", fmt.Sprintf("%q has no index.html in the repository", s.Directory),
				fmt.Sprintf("commit the site at %q with its index.html (the page CloudFront serves for /), or name the directory that holds it", s.Directory))
		case err != nil:
			c.add("site.directory", fmt.Sprintf("%q cannot be read: %v", index, err), "make the file readable")
		}
		problems = append(problems, c.problems...)
	}
	return problems
}

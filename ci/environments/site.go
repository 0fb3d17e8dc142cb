package environments

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"regexp"
	"strings"
	"time"
)

var (
	// S3's rules for the names of general purpose buckets.
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// CloudFront distribution IDs are upper-case letters and digits, e.g. E2QWRUHEXAMPLE.
	distributionIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{9,19}$`)
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
	c.checkBucket(s.Bucket)
	switch id := s.DistributionID; {
	case id == "":
		c.add("site.distributionId", "is missing; the changed pages are invalidated in that CloudFront distribution",
			`add "distributionId": "E2QWRUHEXAMPLE" (aws cloudfront list-distributions --query 'DistributionList.Items[].[Id,DomainName]')`)
	case strings.HasPrefix(id, "arn:"):
		c.add("site.distributionId", fmt.Sprintf("%q is an ARN", id), "write the ID only, the part after \"distribution/\"")
	case strings.Contains(id, "."):
		c.add("site.distributionId", fmt.Sprintf("%q is a domain name, not a distribution ID", id),
			`write the distribution's ID, upper-case letters and digits such as "E2QWRUHEXAMPLE" (aws cloudfront list-distributions --query 'DistributionList.Items[].[Id,DomainName]')`)
	case !distributionIDPattern.MatchString(id):
		c.add("site.distributionId", fmt.Sprintf("%q is not a CloudFront distribution ID", id),
			`write the ID, 10 to 20 upper-case letters and digits starting with a letter, such as "E2QWRUHEXAMPLE"`)
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

func (c *checker) checkBucket(b string) {
	const fix = `write the bucket's name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. "acme-web-staging"`
	switch {
	case b == "":
		c.add("site.bucket", "is missing; the site is uploaded to that S3 bucket", `add "bucket": "my-site-bucket"`)
	case strings.HasPrefix(b, "s3://") || strings.HasPrefix(b, "arn:"):
		name := strings.TrimPrefix(b, "s3://")
		if i := strings.LastIndex(name, ":"); i >= 0 {
			name = name[i+1:]
		}
		c.add("site.bucket", fmt.Sprintf("%q is a URL or an ARN, not a bucket name", b), fmt.Sprintf("write only the name, %q", strings.TrimSuffix(name, "/")))
	case strings.Contains(b, ".s3.") || strings.HasSuffix(b, ".amazonaws.com"):
		c.add("site.bucket", fmt.Sprintf("%q is an endpoint, not a bucket name", b), "write only the bucket's name, the part before \".s3.\"")
	case !bucketPattern.MatchString(b) || strings.Contains(b, "..") || net.ParseIP(b) != nil ||
		strings.HasPrefix(b, "xn--") || strings.HasPrefix(b, "sthree-") || strings.HasSuffix(b, "-s3alias") || strings.HasSuffix(b, "--ol-s3"):
		c.add("site.bucket", fmt.Sprintf("%q is not a valid S3 bucket name", b), fix)
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

package site

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

var (
	// S3's rules for the names of general purpose buckets.
	bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// CloudFront distribution IDs are upper-case letters and digits, e.g. E2QWRUHEXAMPLE.
	distributionIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]{9,19}$`)
)

// CheckBucket tells whether name is an S3 bucket's name, and what it is when it is not (a URL,
// an ARN, an endpoint): the error is an *InputError whose What and Fix say so.
func CheckBucket(name string) error {
	const fix = `write the bucket's name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, e.g. "acme-web-staging"`
	bad := func(what, fix string) error { return &InputError{What: what, Fix: fix, Field: FieldBucket} }
	switch {
	case name == "":
		return bad("no bucket was given", `name the S3 bucket the site is served from, e.g. "my-site-bucket"`)
	case strings.HasPrefix(name, "s3://") || strings.HasPrefix(name, "arn:"):
		plain := strings.TrimPrefix(name, "s3://")
		if i := strings.LastIndex(plain, ":"); i >= 0 {
			plain = plain[i+1:]
		}
		return bad(fmt.Sprintf("%q is a URL or an ARN, not a bucket name", name), fmt.Sprintf("write only the name, %q", strings.TrimSuffix(plain, "/")))
	case strings.Contains(name, ".s3.") || strings.HasSuffix(name, ".amazonaws.com"):
		return bad(fmt.Sprintf("%q is an endpoint, not a bucket name", name), "write only the bucket's name, the part before \".s3.\"")
	case !bucketPattern.MatchString(name) || strings.Contains(name, "..") || net.ParseIP(name) != nil ||
		strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") || strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3"):
		return bad(fmt.Sprintf("%q is not a valid S3 bucket name", name), fix)
	}
	return nil
}

// distributionsCommand lists a account's distributions with their IDs.
const distributionsCommand = `aws cloudfront list-distributions --query 'DistributionList.Items[].[Id,DomainName]'`

// CheckDistributionID tells whether id is a CloudFront distribution's ID, and what it is when it
// is not (an ARN, the distribution's domain name): the error is an *InputError.
func CheckDistributionID(id string) error {
	bad := func(what, fix string) error { return &InputError{What: what, Fix: fix, Field: FieldDistribution} }
	switch {
	case id == "":
		return bad("no CloudFront distribution was given", `name the distribution in front of the bucket by its ID, e.g. "E2QWRUHEXAMPLE" (`+distributionsCommand+`)`)
	case strings.HasPrefix(id, "arn:"):
		return bad(fmt.Sprintf("%q is an ARN", id), "write the ID only, the part after \"distribution/\"")
	case strings.Contains(id, "."):
		return bad(fmt.Sprintf("%q is a domain name, not a distribution ID", id),
			`write the distribution's ID, upper-case letters and digits such as "E2QWRUHEXAMPLE" (`+distributionsCommand+`)`)
	case !distributionIDPattern.MatchString(id):
		return bad(fmt.Sprintf("%q is not a CloudFront distribution ID", id),
			`write the ID, 10 to 20 upper-case letters and digits starting with a letter, such as "E2QWRUHEXAMPLE"`)
	}
	return nil
}

// Target is where a site is served from.
type Target struct {
	Bucket         string // the S3 bucket, e.g. "acme-web-staging"
	DistributionID string // the CloudFront distribution in front of it, e.g. "E2QWRUHEXAMPLE"
}

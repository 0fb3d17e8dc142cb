// Package registry logs in to Amazon ECR private registries: it turns a registry host such as
// 123456789012.dkr.ecr.eu-west-1.amazonaws.com into docker-login credentials, using the AWS SDK.
//
// The password in the returned Credentials is a bearer token for the registry for 12 hours, so
// Credentials never print it: not with fmt (%v, %+v, %#v, %s, %q), not as JSON, not with slog.
package registry

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ECRHost is a parsed ECR private registry host name.
type ECRHost struct {
	// Host is the host name as given, lower-cased, without scheme or trailing slash.
	Host string
	// Account is the 12-digit AWS account ID that owns the registry (its registry ID).
	Account string
	// Region is the AWS region of the registry, e.g. eu-west-1.
	Region string
	// FIPS reports a FIPS endpoint (dkr.ecr-fips / dkr-ecr-fips).
	FIPS bool
	// DualStack reports an IPv4+IPv6 endpoint (ACCOUNT.dkr-ecr.REGION.on.aws).
	DualStack bool
}

const hostExample = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// Regions are like us-east-1, us-gov-west-1, cn-north-1 or eusc-de-east-1.
	regionPattern = regexp.MustCompile(`^[a-z]{2,4}(?:-[a-z]+)+-[0-9]+$`)
)

// ecrServiceLabels maps the service part of an ECR host to whether it is FIPS and dual-stack.
var ecrServiceLabels = map[string]struct{ fips, dualStack bool }{
	"dkr.ecr":      {},
	"dkr.ecr-fips": {fips: true},
	"dkr-ecr":      {dualStack: true},
	"dkr-ecr-fips": {fips: true, dualStack: true},
}

// partitionDomains are the DNS suffixes of the AWS partitions that host ECR (commercial, China,
// European Sovereign Cloud, the isolated regions) and of its dual-stack endpoints.
var partitionDomains = []string{
	"amazonaws.com",
	"amazonaws.com.cn",
	"amazonaws.eu",
	"on.aws",
	"on.amazonwebservices.com.cn",
	"sc2s.sgov.gov",
	"c2s.ic.gov",
	"cloud.adc-e.uk",
	"csp.hci.ic.gov",
}

// ParseECRHost parses an ECR private registry host: ACCOUNT.dkr.ecr.REGION.amazonaws.com, its
// .amazonaws.com.cn (China) form, its FIPS form ACCOUNT.dkr.ecr-fips.REGION.amazonaws.com and its
// dual-stack forms ACCOUNT.dkr-ecr[-fips].REGION.on.aws. An "https://" prefix and a trailing
// "/" (as in the proxyEndpoint that ECR returns) are accepted; a repository path is not.
func ParseECRHost(host string) (ECRHost, error) {
	h := strings.ToLower(strings.TrimSpace(host))
	h = strings.TrimPrefix(h, "https://")
	h = strings.TrimSuffix(h, "/")
	if h == "" {
		return ECRHost{}, fmt.Errorf("ECR registry host is empty; pass the registry host ACCOUNT.dkr.ecr.REGION.amazonaws.com, e.g. %s", hostExample)
	}
	if strings.Contains(h, "@") {
		// What precedes "@" may be user:password: never echo it.
		return ECRHost{}, fmt.Errorf("ECR registry host contains \"@\" (credentials?); pass only the host, e.g. %s", hostExample)
	}
	if strings.Contains(h, "://") {
		return ECRHost{}, fmt.Errorf("ECR registry host %q has a scheme other than https://; pass only the host, e.g. %s", host, hostExample)
	}
	if name, path, ok := strings.Cut(h, "/"); ok {
		return ECRHost{}, fmt.Errorf("ECR registry host %q has a path (/%s); pass the host %q alone, the repository is not part of the login", host, path, name)
	}
	if strings.Contains(h, ":") {
		return ECRHost{}, fmt.Errorf("ECR registry host %q has a port, but ECR serves on 443 only; pass the host without a port", host)
	}
	if h == "public.ecr.aws" {
		return ECRHost{}, fmt.Errorf("ECR registry host %q is ECR Public, which needs the ecr-public API in us-east-1; this login is for private registries ACCOUNT.dkr.ecr.REGION.amazonaws.com", host)
	}
	account, rest, _ := strings.Cut(h, ".")
	var (
		service string
		kind    struct{ fips, dualStack bool }
		found   bool
	)
	// Longest first, so that "dkr.ecr-fips." is not read as "dkr.ecr" + "-fips...".
	for _, s := range []string{"dkr.ecr-fips", "dkr-ecr-fips", "dkr.ecr", "dkr-ecr"} {
		if strings.HasPrefix(rest, s+".") {
			service, kind, found = s, ecrServiceLabels[s], true
			break
		}
	}
	if !found {
		return ECRHost{}, fmt.Errorf("%q is not an ECR private registry host: it must look like ACCOUNT.dkr.ecr.REGION.amazonaws.com, e.g. %s (find it with: aws ecr describe-repositories --query 'repositories[].repositoryUri')", host, hostExample)
	}
	if !accountPattern.MatchString(account) {
		return ECRHost{}, fmt.Errorf("ECR registry host %q starts with %q, which is not a 12-digit AWS account ID; the host must look like %s", host, account, hostExample)
	}
	region, domain, _ := strings.Cut(strings.TrimPrefix(rest, service+"."), ".")
	if !regionPattern.MatchString(region) {
		return ECRHost{}, fmt.Errorf("ECR registry host %q has %q where the region (e.g. eu-west-1) belongs; the host must look like %s", host, region, hostExample)
	}
	if !slices.Contains(partitionDomains, domain) {
		return ECRHost{}, fmt.Errorf("ECR registry host %q ends in %q, which is not an AWS domain (%s); the host must look like %s", host, domain, strings.Join(partitionDomains, ", "), hostExample)
	}
	return ECRHost{Host: h, Account: account, Region: region, FIPS: kind.fips, DualStack: kind.dualStack}, nil
}

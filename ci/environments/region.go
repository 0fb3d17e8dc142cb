package environments

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	regionWithoutNumber = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+$`)
	availabilityZone    = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]{1,2})[a-z]$`)
)

// CheckRegion tells why region is not an AWS region code, with the code the person probably
// meant: an SDK sends a request to any region it is given, and the endpoint that does not
// exist then fails as a network error far from the typo.
func CheckRegion(region string) error {
	if regionPattern.MatchString(region) {
		return nil
	}
	why := `a region code looks like "eu-west-1" or "us-east-1" (not a display name such as "Europe (Ireland)")`
	switch lower := strings.ToLower(strings.TrimSpace(region)); {
	case regionPattern.MatchString(lower):
		why = fmt.Sprintf("region codes are lower case: %q", lower)
	case regionWithoutNumber.MatchString(lower):
		why = fmt.Sprintf("a region code ends with its number, e.g. %q", lower+"-1")
	case availabilityZone.MatchString(lower):
		why = fmt.Sprintf("that is an availability zone; its region is %q", availabilityZone.FindStringSubmatch(lower)[1])
	}
	return fmt.Errorf("%q is not an AWS region code: %s", region, why)
}

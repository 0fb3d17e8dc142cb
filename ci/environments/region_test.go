package environments

import (
	"strings"
	"testing"
)

func TestCheckRegionSaysWhy(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west":          `a region code ends with its number, e.g. "eu-west-1"`,
		"eu-west-1a":       `that is an availability zone; its region is "eu-west-1"`,
		"EU-WEST-1":        `region codes are lower case: "eu-west-1"`,
		"Europe (Ireland)": `a region code looks like "eu-west-1"`,
		"":                 `a region code looks like "eu-west-1"`,
	} {
		err := CheckRegion(region)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"`+region+`" is not an AWS region code`) {
			t.Errorf("CheckRegion(%q) = %v; want it to name the value and say %s", region, err, want)
		}
	}
	for _, region := range []string{"eu-west-1", "us-east-1", "us-gov-west-1", "ap-southeast-2", "cn-north-1"} {
		if err := CheckRegion(region); err != nil {
			t.Errorf("CheckRegion(%q) = %v; want nil", region, err)
		}
	}
}

package site

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckBucket(t *testing.T) {
	for _, name := range []string{"acme-web-staging", "a.b.c", "abc", strings.Repeat("a", 63)} {
		if err := CheckBucket(name); err != nil {
			t.Errorf("CheckBucket(%q) = %v, want nil", name, err)
		}
	}
	for name, want := range map[string]string{
		"":                                    "no bucket was given",
		"s3://acme-web/":                      `"s3://acme-web/" is a URL or an ARN, not a bucket name; write only the name, "acme-web"`,
		"arn:aws:s3:::acme-web":               `write only the name, "acme-web"`,
		"acme-web.s3.eu-west-1.amazonaws.com": "is an endpoint",
		"Acme-Web":                            "is not a valid S3 bucket name",
		"ab":                                  "is not a valid S3 bucket name",
		"acme..web":                           "is not a valid S3 bucket name",
		"192.168.5.4":                         "is not a valid S3 bucket name",
		"xn--acme":                            "is not a valid S3 bucket name",
		"acme-s3alias":                        "is not a valid S3 bucket name",
		strings.Repeat("a", 64):               "is not a valid S3 bucket name",
	} {
		err := CheckBucket(name)
		var input *InputError
		if !errors.As(err, &input) || input.Field != FieldBucket || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckBucket(%q) = %v, want an InputError about the bucket saying %q", name, err, want)
		}
	}
}

func TestCheckDistributionID(t *testing.T) {
	for _, id := range []string{"E2QWRUHEXAMPLE", "ACCRS5VI7JUAF"} {
		if err := CheckDistributionID(id); err != nil {
			t.Errorf("CheckDistributionID(%q) = %v, want nil", id, err)
		}
	}
	for id, want := range map[string]string{
		"": "no CloudFront distribution was given",
		"arn:aws:cloudfront::123456789012:distribution/E2QWRUHEXAMPLE": "is an ARN",
		"d111111abcdef8.cloudfront.net":                                "is a domain name, not a distribution ID",
		"e2qwruhexample":                                               "is not a CloudFront distribution ID",
		"E2":                                                           "is not a CloudFront distribution ID",
	} {
		err := CheckDistributionID(id)
		var input *InputError
		if !errors.As(err, &input) || input.Field != FieldDistribution || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckDistributionID(%q) = %v, want an InputError about the distribution saying %q", id, err, want)
		}
	}
}

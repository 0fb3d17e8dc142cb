package registry

import (
	"strings"
	"testing"
)

func TestParseECRHostAcceptsEveryECRForm(t *testing.T) {
	tests := []struct {
		host string
		want ECRHost
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com",
			ECRHost{Host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", Account: "123456789012", Region: "eu-west-1"}},
		{"  https://210987654321.DKR.ECR.us-east-1.amazonaws.com/ ",
			ECRHost{Host: "210987654321.dkr.ecr.us-east-1.amazonaws.com", Account: "210987654321", Region: "us-east-1"}},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
			ECRHost{Host: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", Account: "123456789012", Region: "cn-north-1"}},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
			ECRHost{Host: "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", Account: "123456789012", Region: "us-gov-west-1", FIPS: true}},
		{"123456789012.dkr-ecr.ap-southeast-2.on.aws",
			ECRHost{Host: "123456789012.dkr-ecr.ap-southeast-2.on.aws", Account: "123456789012", Region: "ap-southeast-2", DualStack: true}},
		{"123456789012.dkr-ecr-fips.us-east-2.on.aws",
			ECRHost{Host: "123456789012.dkr-ecr-fips.us-east-2.on.aws", Account: "123456789012", Region: "us-east-2", FIPS: true, DualStack: true}},
		{"123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn",
			ECRHost{Host: "123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn", Account: "123456789012", Region: "cn-northwest-1", DualStack: true}},
		{"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
			ECRHost{Host: "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", Account: "123456789012", Region: "eusc-de-east-1"}},
	}
	for _, tt := range tests {
		got, err := ParseECRHost(tt.host)
		if err != nil {
			t.Errorf("ParseECRHost(%q): %v", tt.host, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseECRHost(%q) = %+v, want %+v", tt.host, got, tt.want)
		}
	}
}

func TestParseECRHostExplainsWhatIsWrong(t *testing.T) {
	tests := []struct {
		host     string
		wantText []string // all must appear in the error
	}{
		{"", []string{"empty", "ACCOUNT.dkr.ecr.REGION.amazonaws.com"}},
		{"ghcr.io", []string{`"ghcr.io" is not an ECR private registry host`}},
		{"public.ecr.aws", []string{"ECR Public"}},
		{"12345678901.dkr.ecr.eu-west-1.amazonaws.com", []string{`"12345678901"`, "12-digit AWS account ID"}},
		{"acme.dkr.ecr.eu-west-1.amazonaws.com", []string{`"acme"`, "12-digit"}},
		{"123456789012.dkr.ecr.westeurope.amazonaws.com", []string{`"westeurope"`, "region"}},
		{"123456789012.dkr.ecr.eu-west-1.example.com", []string{`"example.com"`, "not an AWS domain"}},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", []string{"has a path (/app)", `"123456789012.dkr.ecr.eu-west-1.amazonaws.com" alone`}},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com:443", []string{"port"}},
		{"http://123456789012.dkr.ecr.eu-west-1.amazonaws.com", []string{"scheme"}},
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", []string{"not an AWS domain"}},
	}
	for _, tt := range tests {
		_, err := ParseECRHost(tt.host)
		if err == nil {
			t.Errorf("ParseECRHost(%q) succeeded, want an error", tt.host)
			continue
		}
		for _, want := range tt.wantText {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("ParseECRHost(%q) error %q does not contain %q", tt.host, err, want)
			}
		}
	}
}

func TestParseECRHostNeverEchoesCredentials(t *testing.T) {
	_, err := ParseECRHost("AWS:hunter2@123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if err == nil {
		t.Fatal("a host with user:password@ was accepted")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error echoes the password: %v", err)
	}
}

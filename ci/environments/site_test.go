package environments

import (
	"dagger/pipeline/deploy"

	"fmt"
	"io/fs"
	"testing"
	"time"
)

func withSite(site map[string]any) map[string]any {
	env := validECS()
	env["site"] = site
	return env
}

func goodSite() map[string]any {
	return map[string]any{"directory": "app/site", "bucket": "acme-web-staging", "distributionId": "E2QWRUHEXAMPLE", "invalidationTimeout": "5m"}
}

func TestSiteIsLoaded(t *testing.T) {
	cfg, err := Load(document(t, map[string]map[string]any{"staging": withSite(goodSite())}))
	if err != nil {
		t.Fatal(err)
	}
	env, _ := cfg.Get("staging")
	want := Site{Directory: "app/site", Bucket: "acme-web-staging", DistributionID: "E2QWRUHEXAMPLE", InvalidationTimeout: 5 * time.Minute}
	if env.Site == nil || *env.Site != want {
		t.Errorf("Site = %+v, want %+v", env.Site, want)
	}
	cfg, _ = Load(document(t, map[string]map[string]any{"staging": validECS()}))
	if env, _ := cfg.Get("staging"); env.Site != nil {
		t.Errorf("an environment without site has %+v", env.Site)
	}
}

func TestSiteProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(s map[string]any)
		want   []wantProblem
	}{
		{"every key missing, reported at once", func(s map[string]any) { clear(s) },
			[]wantProblem{
				{"staging", "site.directory", "is missing", `"directory": "app/site"`},
				{"staging", "site.bucket", "is missing; the site is uploaded to that S3 bucket", `"bucket": "my-site-bucket"`},
				{"staging", "site.distributionId", "is missing", `"distributionId": "E2QWRUHEXAMPLE"`},
			}},
		{"a directory outside the repository", func(s map[string]any) { s["directory"] = "../site" },
			[]wantProblem{{"staging", "site.directory", `"../site" is not a clean path inside the repository`, "no \"..\""}}},
		{"an absolute directory", func(s map[string]any) { s["directory"] = "/srv/site" },
			[]wantProblem{{"staging", "site.directory", "not a clean path", ""}}},
		{"a bucket as a URL", func(s map[string]any) { s["bucket"] = "s3://acme-web/" },
			[]wantProblem{{"staging", "site.bucket", `"s3://acme-web/" is a URL or an ARN, not a bucket name`, `write only the name, "acme-web"`}}},
		{"a bucket as an ARN", func(s map[string]any) { s["bucket"] = "arn:aws:s3:::acme-web" },
			[]wantProblem{{"staging", "site.bucket", "is a URL or an ARN", `"acme-web"`}}},
		{"a bucket endpoint", func(s map[string]any) { s["bucket"] = "acme-web.s3.eu-west-1.amazonaws.com" },
			[]wantProblem{{"staging", "site.bucket", "is an endpoint, not a bucket name", ""}}},
		{"a bucket with capitals", func(s map[string]any) { s["bucket"] = "Acme-Web" },
			[]wantProblem{{"staging", "site.bucket", `"Acme-Web" is not a valid S3 bucket name`, "lower-case letters"}}},
		{"a bucket shaped as an IP address", func(s map[string]any) { s["bucket"] = "192.168.5.4" },
			[]wantProblem{{"staging", "site.bucket", "is not a valid S3 bucket name", ""}}},
		{"a bucket with two dots", func(s map[string]any) { s["bucket"] = "acme..web" },
			[]wantProblem{{"staging", "site.bucket", "is not a valid S3 bucket name", ""}}},
		{"a distribution's domain name", func(s map[string]any) { s["distributionId"] = "d111111abcdef8.cloudfront.net" },
			[]wantProblem{{"staging", "site.distributionId", "is a domain name, not a distribution ID", "list-distributions"}}},
		{"a distribution's ARN", func(s map[string]any) {
			s["distributionId"] = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHEXAMPLE"
		}, []wantProblem{{"staging", "site.distributionId", "is an ARN", "the part after"}}},
		{"a distribution ID in lower case", func(s map[string]any) { s["distributionId"] = "e2qwruhexample" },
			[]wantProblem{{"staging", "site.distributionId", `"e2qwruhexample" is not a CloudFront distribution ID`, "upper-case"}}},
		{"a timeout without a unit", func(s map[string]any) { s["invalidationTimeout"] = "10" },
			[]wantProblem{{"staging", "site.invalidationTimeout", `"10" is not a duration`, `"10m"`}}},
		{"a timeout too long", func(s map[string]any) { s["invalidationTimeout"] = "4h" },
			[]wantProblem{{"staging", "site.invalidationTimeout", "exceeds the 3h0m0s limit", ""}}},
		{"an unknown key", func(s map[string]any) { s["distribution"] = "E2QWRUHEXAMPLE" },
			[]wantProblem{{"staging", "site.distribution", "unknown key", `did you mean "site.distributionId"?`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goodSite()
			tt.change(s)
			_, err := Load(document(t, map[string]map[string]any{"staging": withSite(s)}))
			assertProblems(t, err, tt.want)
		})
	}
}

func TestSiteIsNotForALocalEnvironment(t *testing.T) {
	_, err := Load(document(t, map[string]map[string]any{"local": {"kind": "local", "site": goodSite()}}))
	assertProblems(t, err, []wantProblem{{"local", "site", "uses no AWS setting", `remove "site"`}})
}

func TestSiteNotAnObject(t *testing.T) {
	env := validECS()
	env["site"] = "app/site"
	_, err := Load(document(t, map[string]map[string]any{"staging": env}))
	assertProblems(t, err, []wantProblem{{"staging", "site", `must be a JSON object, not "app/site"`, `"bucket": "my-site-bucket"`}})
}

// With the repository at hand, the site's directory must hold index.html.
func TestCheckSiteDirectory(t *testing.T) {
	read := func(path string) ([]byte, error) {
		if path == "app/site/index.html" {
			return []byte("<!doctype html>"), nil
		}
		return nil, fmt.Errorf("open %s: %w", path, fs.ErrNotExist)
	}
	if _, err := Check(document(t, map[string]map[string]any{"staging": withSite(goodSite())}), read, deploy.TaskDefinitionProblem); err != nil {
		t.Errorf("a committed site: %v", err)
	}
	s := goodSite()
	s["directory"] = "web/dist"
	_, err := Check(document(t, map[string]map[string]any{"staging": withSite(s)}), read, deploy.TaskDefinitionProblem)
	assertProblems(t, err, []wantProblem{{"staging", "site.directory", `"web/dist" has no index.html in the repository`, `commit the site at "web/dist"`}})
	// A path that is wrong is said once, and nothing is read outside the repository.
	s["directory"] = "../web"
	_, err = Check(document(t, map[string]map[string]any{"staging": withSite(s)}), func(path string) ([]byte, error) {
		t.Errorf("read %s", path)
		return nil, fs.ErrNotExist
	}, deploy.TaskDefinitionProblem)
	assertProblems(t, err, []wantProblem{{"staging", "site.directory", "not a clean path", ""}})
}

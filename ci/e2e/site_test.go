//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
	"dagger/pipeline/site"
	"dagger/pipeline/sitedeploy"
)

// siteBucket is the bucket the fake-site environment ships app/site to, in moto.
const siteBucket = "e2e-site"

// siteKeys lists the site's keys in the bucket, the manifest's left out.
func siteKeys(t *testing.T, m *moto.Server) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := sitedeploy.NewClients(m.Config).S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(siteBucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		if key := aws.ToString(o.Key); !strings.HasPrefix(key, site.ManifestPrefix) {
			keys = append(keys, key)
		}
	}
	return keys
}

// testSite ships app/site with a deploy of the fake-site environment: built by `site`, planned,
// not shipped by a failed rollout, shipped after a healthy one, shipped again changed, rolled
// back with the service.
func testSite(t *testing.T, w *workspace, m *moto.Server) {
	dist := m.Site(t, siteBucket, true)
	editJSON(t, w.path("ci/environments.json"), func(doc map[string]any) {
		doc["environments"].(map[string]any)["fake-site"].(map[string]any)["site"].(map[string]any)["distributionId"] = dist
	})

	out := t.TempDir()
	w.mustCall(t, "call", "site", "export", "--path="+out)
	css, _ := filepath.Glob(filepath.Join(out, "assets", "app.*.css"))
	js, _ := filepath.Glob(filepath.Join(out, "assets", "app.*.js"))
	if len(css) != 1 || len(js) != 1 || readFile(t, filepath.Join(out, "404.html")) == "" {
		t.Errorf("site export wrote no fingerprinted app.css and app.js, or no 404.html: %v %v", css, js)
	}
	r := w.mustCall(t, "call", "site", "--env=fake-site", "file", "--path=index.html", "contents")
	if strings.Contains(r.stdout, `href="assets/app.css"`) || !strings.Contains(r.stdout, `href="assets/app.`) {
		t.Errorf("the built index.html does not name the fingerprinted stylesheet:\n%s", r.stdout)
	}

	e := serveFake(t, m, fakeaws.HealthyRollout(time.Second), "")
	r = w.mustCall(t, e.aws("plan", "--env=fake-site", "--image="+fakeaws.NewImage)...)
	wantIn(t, r, "plan for fake-site (nothing was changed)", "site app/site to s3://"+siteBucket+" behind "+dist,
		"+ index.html  (page, text/html; charset=utf-8, no-cache)", "invalidate: / /404.html /index.html", "4 to upload, 0 unchanged, 0 to delete")
	if keys := siteKeys(t, m); len(keys) != 0 {
		t.Errorf("plan wrote %v", keys)
	}

	crash := serveFake(t, m, fakeaws.CrashLoop(time.Second), "")
	r = w.mustFail(t, crash.aws("deploy", "--env=fake-site", "--image="+fakeaws.NewImage)...)
	wantIn(t, r, "rolled back to web:1")
	if keys := siteKeys(t, m); len(keys) != 0 {
		t.Errorf("a failed rollout shipped the site: %v", keys)
	}

	r = w.mustCall(t, e.aws("deploy", "--env=fake-site", "--image="+fakeaws.NewImage)...)
	wantIn(t, r, "deploy to fake-site: succeeded", "site deploy: succeeded", "4 uploaded, 0 unchanged, 0 deleted",
		"invalidation: ", `"outcome":"succeeded"`)
	noSecret(t, r)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); !strings.HasPrefix(lines[len(lines)-1], "ecs-deploy-result: ") {
		t.Errorf("the deploy's output does not end with its result line:\n%s", r.stdout)
	}
	if keys := siteKeys(t, m); len(keys) != 4 {
		t.Errorf("after the deploy the bucket holds %v, want 4 objects", keys)
	}

	// A changed stylesheet: its new name, the pages that name it, the old one deleted.
	source := w.path("app/site/assets/app.css")
	original := readFile(t, source)
	t.Cleanup(func() { writeFile(t, source, original, 0o644) })
	writeFile(t, source, original+"\nfooter { opacity: .7; }\n", 0o644)
	r = w.mustCall(t, e.aws("deploy", "--env=fake-site", "--image="+fakeaws.NewImage)...)
	wantIn(t, r, "site deploy: succeeded", "3 uploaded, 1 unchanged, 1 deleted")

	r = w.mustCall(t, e.aws("rollback", "--env=fake-site")...)
	wantIn(t, r, "site rollback: succeeded", "3 restored, 1 unchanged, 1 deleted", "invalidation: ")
	noSecret(t, r)

	// Bad input: a bucket that does not exist, named by its key; nothing changed.
	before := siteKeys(t, m)
	editJSON(t, w.path("ci/environments.json"), func(doc map[string]any) {
		doc["environments"].(map[string]any)["fake-site"].(map[string]any)["site"].(map[string]any)["bucket"] = "e2e-site-missing"
	})
	t.Cleanup(func() {
		editJSON(t, w.path("ci/environments.json"), func(doc map[string]any) {
			doc["environments"].(map[string]any)["fake-site"].(map[string]any)["site"].(map[string]any)["bucket"] = siteBucket
		})
	})
	r = w.mustFail(t, e.aws("plan", "--env=fake-site", "--image="+fakeaws.NewImage)...)
	wantIn(t, r, "bucket e2e-site-missing does not exist", `("site.bucket" of environment "fake-site" in ci/environments.json)`)
	if after := siteKeys(t, m); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("bad input changed the bucket: %v, was %v", after, before)
	}
}

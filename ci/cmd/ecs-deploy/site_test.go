package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"dagger/pipeline/internal/moto"
	"dagger/pipeline/sitedeploy"
)

func bucketKeys(t *testing.T, srv *moto.Server, bucket string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := sitedeploy.NewClients(srv.Config).S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return strings.Join(keys, " ")
}

// The repository's page through the CLI: plan, deploy, a change deployed, the same again, and a
// rollback; then bad input, which changes nothing.
func TestCLISiteAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	bin := buildCLI(t)
	const bucket = "acme-web-test"
	dist := srv.Site(t, bucket, true)
	target := []string{"--bucket", bucket, "--distribution-id", dist}
	v1, err := filepath.Abs("../../../app/site")
	if err != nil {
		t.Fatal(err)
	}
	v2 := t.TempDir()
	if err := os.CopyFS(v2, os.DirFS(v1)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v2, "assets", "app.css"), []byte("body { margin: 1rem; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	plan := runCLI(t, bin, srv.Endpoint, append([]string{"site", "plan", "--dir", v1}, target...)...)
	plan.want(t, 0, "(the bucket has no manifest yet: every file is uploaded)", "+ index.html  (page, text/html; charset=utf-8, no-cache)",
		"invalidate: / /404.html /index.html", "4 to upload, 0 unchanged, 0 to delete")
	if !regexp.MustCompile(`\+ assets/app\.[0-9a-f]{8}\.css  \(asset, text/css; charset=utf-8, public, max-age=31536000, immutable\)`).MatchString(plan.stdout) {
		t.Errorf("the plan does not list the fingerprinted stylesheet:\n%s", plan.stdout)
	}
	if keys := bucketKeys(t, srv, bucket); keys != "" {
		t.Errorf("the plan wrote %s", keys)
	}

	runCLI(t, bin, srv.Endpoint, append([]string{"site", "deploy", "--dir", v1}, target...)...).
		want(t, 0, "outcome=succeeded bucket="+bucket, "uploaded=4 unchanged=0 deleted=0", "site: uploaded index.html (text/html; charset=utf-8, no-cache)")
	deployed := runCLI(t, bin, srv.Endpoint, append([]string{"site", "deploy", "--dir", v2}, target...)...)
	deployed.want(t, 0, "uploaded=3 unchanged=1 deleted=1", "invalidation: ")
	runCLI(t, bin, srv.Endpoint, append([]string{"site", "deploy", "--dir", v2}, target...)...).
		want(t, 0, "outcome=unchanged", "uploaded=0 unchanged=4 deleted=0 invalidation= ", "invalidation: none (no page changed)")
	runCLI(t, bin, srv.Endpoint, append([]string{"site", "rollback"}, target...)...).
		want(t, 0, "outcome=succeeded", "uploaded=3 unchanged=1 deleted=1", "3 restored, 1 unchanged, 1 deleted")

	before := bucketKeys(t, srv, bucket)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"site", "deploy", "--dir", v1, "--bucket", "acme-web-missing", "--distribution-id", dist}, "error: bucket acme-web-missing does not exist: the site is uploaded to it; create it (aws s3api create-bucket), or name the bucket the distribution serves from (--bucket)"},
		{[]string{"site", "deploy", "--dir", v1, "--bucket", bucket, "--distribution-id", "E0000MISSING"}, "error: CloudFront distribution E0000MISSING does not exist"},
		{[]string{"site", "deploy", "--dir", t.TempDir(), "--bucket", bucket, "--distribution-id", dist}, "is empty: deploying it would delete every page of the live site"},
		{[]string{"site", "deploy", "--dir", filepath.Join(v1, "assets"), "--bucket", bucket, "--distribution-id", dist}, "has no index.html"},
		{[]string{"site", "deploy", "--dir", filepath.Join(v1, "missing"), "--bucket", bucket, "--distribution-id", dist}, "missing does not exist"},
		{[]string{"site", "rollback", "--bucket", bucket, "--distribution-id", dist}, "is the first this pipeline deployed"},
		{[]string{"site", "deploy", "--bucket", bucket}, "error: missing --dir, --distribution-id"},
		{[]string{"site", "plan", "--dir", v1, "--bucket", "s3://" + bucket, "--distribution-id", dist}, `error: "s3://acme-web-test" is a URL or an ARN, not a bucket name; write only the name, "acme-web-test" (--bucket)`},
		{[]string{"site", "rollback", "--bucket", bucket, "--distribution-id", "d111111abcdef8.cloudfront.net"}, "is a domain name, not a distribution ID"},
		{[]string{"site", "publish"}, `unknown site command "publish"`},
	} {
		r := runCLI(t, bin, srv.Endpoint, c.args...)
		r.want(t, 2, c.want)
		if c.args[1] != "publish" {
			r.want(t, 2, "nothing was changed.")
		}
	}
	if after := bucketKeys(t, srv, bucket); after != before {
		t.Errorf("bad input changed the bucket:\n%s\nwas\n%s", after, before)
	}
}

// Ctrl-C while the first page uploads: the CLI stops, reports what it uploaded, and the bucket
// still serves the old pages, whose assets are all there. A proxy in front of moto holds the
// page's upload until the CLI gives up on it.
func TestCLISiteCtrlCIsInterrupted(t *testing.T) {
	srv := moto.Start(t)
	bin := buildCLI(t)
	const bucket = "acme-web-test"
	dist := srv.Site(t, bucket, true)
	v1, err := filepath.Abs("../../../app/site")
	if err != nil {
		t.Fatal(err)
	}
	runCLI(t, bin, srv.Endpoint, "site", "deploy", "--dir", v1, "--bucket", bucket, "--distribution-id", dist).want(t, 0, "outcome=succeeded")
	oldIndex := objectBody(t, srv, bucket, "index.html")

	v2 := t.TempDir()
	if err := os.CopyFS(v2, os.DirFS(v1)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v2, "assets", "app.css"), []byte("body { margin: 2rem; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	pageUpload, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, ".html") {
			_, _ = io.Copy(io.Discard, r.Body) // read, so that the server notices the client leave
			once.Do(func() { close(pageUpload) })
			select { // held until the CLI, interrupted, drops the request, or the test ends
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Cleanup(func() { close(release) }) // runs first: a held request never blocks Close

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := command(ctx, bin, proxy.URL, "site", "deploy", "--dir", v2, "--bucket", bucket, "--distribution-id", dist)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pageUpload:
	case <-ctx.Done():
		t.Fatal("the deploy never uploaded a page")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	r := cliRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	r.want(t, 4, "outcome=interrupted", "uploaded=1 ", "site: uploaded assets/app.", "the live site is consistent", "run it again to finish")
	if got := objectBody(t, srv, bucket, "index.html"); got != oldIndex {
		t.Errorf("index.html changed though its upload was interrupted")
	}
	for _, asset := range regexp.MustCompile(`assets/app\.[0-9a-f]{8}\.(?:css|js)`).FindAllString(oldIndex, -1) {
		objectBody(t, srv, bucket, asset) // the old page's assets are all still there
	}
}

func objectBody(t *testing.T, srv *moto.Server, bucket, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := sitedeploy.NewClients(srv.Config).S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

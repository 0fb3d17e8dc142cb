package sitedeploy_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"dagger/pipeline/internal/moto"
	"dagger/pipeline/report"
	"dagger/pipeline/site"
	"dagger/pipeline/sitedeploy"
)

// A site deploy against moto: real S3 and CloudFront clients over HTTP, a versioned bucket and a
// distribution created in moto, the calls recorded in the order they were made.

// recorder wraps the real clients and records every write and invalidation call.
type recorder struct {
	sitedeploy.BucketAPI
	cf sitedeploy.DistributionAPI
	mu sync.Mutex
	// calls are "put KEY", "copy KEY", "delete KEY", "invalidate PATHS", "get-invalidation".
	calls []string
	// beforePut, when set, runs before each PutObject of a key outside the manifest's prefix.
	beforePut func(key string)
	// failPut, when it returns an error for a key, makes that PutObject fail.
	failPut func(key string) error
	// status, when set, replaces the invalidation status CloudFront reports.
	status string
}

func (r *recorder) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

func (r *recorder) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	key := aws.ToString(in.Key)
	if r.beforePut != nil && !strings.HasPrefix(key, site.ManifestPrefix) {
		r.beforePut(key)
	}
	if r.failPut != nil {
		if err := r.failPut(key); err != nil {
			return nil, err
		}
	}
	out, err := r.BucketAPI.PutObject(ctx, in, optFns...)
	if err == nil {
		r.record("put " + key)
	}
	return out, err
}

func (r *recorder) CopyObject(ctx context.Context, in *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error) {
	out, err := r.BucketAPI.CopyObject(ctx, in, optFns...)
	if err == nil {
		r.record("copy " + aws.ToString(in.Key))
	}
	return out, err
}

func (r *recorder) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	out, err := r.BucketAPI.DeleteObject(ctx, in, optFns...)
	if err == nil {
		r.record("delete " + aws.ToString(in.Key))
	}
	return out, err
}

func (r *recorder) GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error) {
	return r.cf.GetDistribution(ctx, in, optFns...)
}

func (r *recorder) CreateInvalidation(ctx context.Context, in *cloudfront.CreateInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error) {
	out, err := r.cf.CreateInvalidation(ctx, in, optFns...)
	if err == nil {
		r.record("invalidate " + strings.Join(in.InvalidationBatch.Paths.Items, " "))
	}
	return out, err
}

func (r *recorder) GetInvalidation(ctx context.Context, in *cloudfront.GetInvalidationInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetInvalidationOutput, error) {
	out, err := r.cf.GetInvalidation(ctx, in, optFns...)
	if err == nil {
		r.record("get-invalidation")
		if r.status != "" {
			out.Invalidation.Status = aws.String(r.status)
		}
	}
	return out, err
}

func (r *recorder) clients() sitedeploy.Clients { return sitedeploy.Clients{S3: r, CloudFront: r} }

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

type fixture struct {
	srv    *moto.Server
	s3     *s3.Client
	cf     *cloudfront.Client
	target site.Target
	rec    *recorder
}

// setUp creates a bucket (versioned or not) and a distribution in front of it in a fresh moto.
func setUp(t *testing.T, srv *moto.Server, versioned bool) *fixture {
	t.Helper()
	clients := sitedeploy.NewClients(srv.Config)
	f := &fixture{srv: srv, s3: clients.S3.(*s3.Client), cf: clients.CloudFront.(*cloudfront.Client)}
	f.target.Bucket = "acme-web-test"
	f.target.DistributionID = srv.Site(t, f.target.Bucket, versioned)
	f.rec = &recorder{BucketAPI: f.s3, cf: f.cf}
	return f
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// opts waits for the invalidation without pausing between polls: moto completes one at once.
var opts = sitedeploy.Options{PollInterval: time.Millisecond, InvalidationTimeout: 10 * time.Second}

func build(t *testing.T, files map[string]string) *site.Site {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	s, err := site.Build(fsys, "site")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	v1Files = map[string]string{
		"index.html":     `<link rel="stylesheet" href="assets/app.css"><script src="assets/app.js"></script>v1`,
		"about.html":     `<link rel="stylesheet" href="assets/app.css">about`,
		"assets/app.css": `body{}`,
		"assets/app.js":  `console.log(1)`,
		"robots.txt":     `User-agent: *`,
	}
	v2Files = map[string]string{
		"index.html":     `<link rel="stylesheet" href="assets/app.css"><script src="assets/app.js"></script>v2`,
		"about.html":     `<link rel="stylesheet" href="assets/app.css">about`,
		"assets/app.css": `body{color:red}`,
		"assets/app.js":  `console.log(1)`,
		"robots.txt":     `User-agent: *`,
		"favicon.ico":    `ico`,
	}
)

// keyOf is the key a source file has in a built site.
func keyOf(s *site.Site, source string) string {
	for _, f := range s.Files {
		if f.Source == source {
			return f.Key
		}
	}
	return ""
}

// bucketKeys lists the bucket's current keys.
func (f *fixture) bucketKeys(t *testing.T) []string {
	t.Helper()
	out, err := f.s3.ListObjectsV2(testContext(t), &s3.ListObjectsV2Input{Bucket: aws.String(f.target.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	return keys
}

func (f *fixture) body(t *testing.T, key string) string {
	t.Helper()
	out, err := f.s3.GetObject(testContext(t), &s3.GetObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	data, _ := io.ReadAll(out.Body)
	return string(data)
}

// invalidations lists the paths of every invalidation moto holds for the distribution.
func (f *fixture) invalidations(t *testing.T) [][]string {
	t.Helper()
	ctx := testContext(t)
	list, err := f.cf.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(f.target.DistributionID)})
	if err != nil {
		t.Fatal(err)
	}
	var all [][]string
	for _, s := range list.InvalidationList.Items {
		out, err := f.cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(f.target.DistributionID), Id: s.Id})
		if err != nil {
			t.Fatal(err)
		}
		paths := slices.Clone(out.Invalidation.InvalidationBatch.Paths.Items)
		slices.Sort(paths)
		all = append(all, paths)
	}
	return all
}

// indexOf is where a call is in the recorded order, -1 when it was not made.
func indexOf(calls []string, call string) int { return slices.Index(calls, call) }

func TestDeployToMoto(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	v1 := build(t, v1Files)

	res, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v1, opts)
	if err != nil {
		t.Fatalf("Deploy v1: %v", err)
	}
	if res.Outcome != report.Succeeded || len(res.Uploaded) != 5 || res.Release != v1.Release() || res.Previous != "" {
		t.Errorf("v1: %+v", res)
	}
	css, js := keyOf(v1, "assets/app.css"), keyOf(v1, "assets/app.js")
	// Every object is served with its type and cache policy.
	for key, want := range map[string][2]string{
		css:          {"text/css; charset=utf-8", site.CacheImmutable},
		js:           {"text/javascript; charset=utf-8", site.CacheImmutable},
		"robots.txt": {"text/plain; charset=utf-8", site.CacheShort},
		"index.html": {"text/html; charset=utf-8", site.CacheNone},
		"about.html": {"text/html; charset=utf-8", site.CacheNone},
	} {
		head, err := f.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("HeadObject %s: %v", key, err)
		}
		// The SHA-256 went with the upload, for S3 to check.
		file, _ := v1.File(key)
		if sum, _ := hex.DecodeString(file.SHA256); aws.ToString(head.ChecksumSHA256) != base64.StdEncoding.EncodeToString(sum) {
			t.Errorf("%s has checksum %q, want the SHA-256 of its content", key, aws.ToString(head.ChecksumSHA256))
		}
		if got := [2]string{aws.ToString(head.ContentType), aws.ToString(head.CacheControl)}; got != want {
			t.Errorf("%s is served as %q, want %q", key, got, want)
		}
		if aws.ToString(head.VersionId) == "" {
			t.Errorf("%s has no version in a versioned bucket", key)
		}
	}
	if !strings.Contains(f.body(t, "index.html"), `href="assets/`+css[len("assets/"):]+`"`) {
		t.Errorf("the uploaded index.html does not name %s: %s", css, f.body(t, "index.html"))
	}
	// Assets first, then other files, pages last, then the manifest.
	calls := f.rec.calls
	for _, asset := range []string{"put " + css, "put " + js} {
		if i := indexOf(calls, asset); i < 0 || i > indexOf(calls, "put robots.txt") {
			t.Errorf("%s is not before the other files: %v", asset, calls)
		}
	}
	for _, page := range []string{"put index.html", "put about.html"} {
		if i := indexOf(calls, page); i < indexOf(calls, "put robots.txt") || i > indexOf(calls, "put "+site.ManifestKey) {
			t.Errorf("%s is not after the other files and before the manifest: %v", page, calls)
		}
	}
	if got := f.invalidations(t); len(got) != 1 || !slices.Equal(got[0], []string{"/", "/about.html", "/index.html"}) {
		t.Errorf("invalidations = %v, want one of / /about.html /index.html", got)
	}
	if last := calls[len(calls)-1]; last != "get-invalidation" || res.InvalidationID == "" {
		t.Errorf("the deploy did not end waiting for invalidation %q: %v", res.InvalidationID, calls)
	}

	// v2: a changed stylesheet and page, a new file; the old stylesheet is stale.
	f.rec.reset()
	v2 := build(t, v2Files)
	res, err = sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v2, opts)
	if err != nil {
		t.Fatalf("Deploy v2: %v", err)
	}
	css2 := keyOf(v2, "assets/app.css")
	calls = f.rec.calls
	// about.html changes too: it names the renamed stylesheet.
	wantOrder := []string{"put " + css2, "put favicon.ico", "put about.html", "put index.html", "put " + site.ManifestPrefix + "releases/" + v2.Release() + ".json",
		"put " + site.ManifestKey, "delete " + css, "invalidate / /about.html /index.html", "get-invalidation"}
	if !slices.Equal(calls, wantOrder) {
		t.Errorf("v2 calls:\n  %v\nwant\n  %v", calls, wantOrder)
	}
	if res.Previous != v1.Release() || res.Unchanged != 2 || !slices.Equal(res.Deleted, []string{css}) {
		t.Errorf("v2: %+v", res)
	}
	if got, want := f.bucketKeys(t), []string{
		site.ManifestPrefix + "manifest.json", site.ManifestPrefix + "releases/" + v1.Release() + ".json", site.ManifestPrefix + "releases/" + v2.Release() + ".json",
		"about.html", css2, js, "favicon.ico", "index.html", "robots.txt",
	}; !slices.Equal(got, sorted(want)) {
		t.Errorf("bucket holds %v, want %v", got, sorted(want))
	}
	manifest := f.body(t, site.ManifestKey)
	for _, want := range []string{`"release": "` + v2.Release() + `"`, `"previous": "` + v1.Release() + `"`, `"` + css2 + `"`, `"versionId"`, `"sha256"`} {
		if !strings.Contains(manifest, want) {
			t.Errorf("the manifest lacks %s:\n%s", want, manifest)
		}
	}
	if strings.Contains(manifest, `"`+css+`"`) {
		t.Errorf("the manifest still lists the stale %s", css)
	}

	// The same set again: nothing uploaded, nothing invalidated.
	f.rec.reset()
	res, err = sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v2, opts)
	if err != nil || res.Outcome != report.Unchanged || len(res.Uploaded) != 0 || res.InvalidationID != "" {
		t.Errorf("the same site again: %+v, %v", res, err)
	}
	if len(f.rec.calls) != 0 {
		t.Errorf("the same site again made %v", f.rec.calls)
	}
	if got := len(f.invalidations(t)); got != 2 {
		t.Errorf("%d invalidations after the third deploy, want still 2", got)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestRollbackToMotoRestoresThePreviousVersions(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	v1, v2 := build(t, v1Files), build(t, v2Files)
	for _, s := range []*site.Site{v1, v2} {
		if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, s, opts); err != nil {
			t.Fatal(err)
		}
	}
	f.rec.reset()

	res, err := sitedeploy.Rollback(ctx, f.rec.clients(), f.target, opts)
	if err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	css1, css2 := keyOf(v1, "assets/app.css"), keyOf(v2, "assets/app.css")
	wantCalls := []string{"copy " + css1, "copy about.html", "copy index.html", "put " + site.ManifestPrefix + "releases/" + v1.Release() + ".json",
		"put " + site.ManifestKey, "delete " + css2, "delete favicon.ico", "invalidate / /about.html /index.html", "get-invalidation"}
	if !slices.Equal(f.rec.calls, wantCalls) {
		t.Errorf("rollback calls:\n  %v\nwant\n  %v", f.rec.calls, wantCalls)
	}
	if res.Outcome != report.Succeeded || res.Release != v1.Release() || res.Previous != v2.Release() {
		t.Errorf("rollback: %+v", res)
	}
	if got := f.body(t, "index.html"); !strings.HasSuffix(got, "v1") {
		t.Errorf("index.html after the rollback: %s", got)
	}
	if got := f.body(t, css1); got != "body{}" {
		t.Errorf("%s after the rollback: %s", css1, got)
	}
	head, err := f.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String(css1)})
	if err != nil || aws.ToString(head.CacheControl) != site.CacheImmutable || aws.ToString(head.ContentType) != "text/css; charset=utf-8" {
		t.Errorf("restored %s is served as %v/%v (%v)", css1, aws.ToString(head.ContentType), aws.ToString(head.CacheControl), err)
	}
	if keys := f.bucketKeys(t); slices.Contains(keys, css2) || slices.Contains(keys, "favicon.ico") {
		t.Errorf("v2's own objects are still there: %v", keys)
	}
	// Deploying v1 again now changes nothing: the bucket holds v1 and its manifest says so.
	f.rec.reset()
	if res, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v1, opts); err != nil || res.Outcome != report.Unchanged {
		t.Errorf("deploy of v1 after rolling back to it: %+v, %v (calls %v)", res, err, f.rec.calls)
	}
	// v1 was the first release: there is nothing before it.
	_, err = sitedeploy.Rollback(ctx, f.rec.clients(), f.target, opts)
	var input *site.InputError
	if !errors.As(err, &input) || !strings.Contains(err.Error(), "is the first this pipeline deployed") {
		t.Errorf("second rollback = %v", err)
	}
}

// Bad input is found before the first write: the bucket's objects stay as they are.
func TestBadInputChangesNothing(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, false)
	ctx := testContext(t)
	v1 := build(t, v1Files)
	if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v1, opts); err != nil {
		t.Fatal(err)
	}
	before := f.bucketKeys(t)
	beforeManifest := f.body(t, site.ManifestKey)
	v2 := build(t, v2Files)
	tests := []struct {
		name   string
		target site.Target
		run    func(site.Target) error
		want   string
	}{
		{"a bucket that does not exist", site.Target{Bucket: "acme-web-missing", DistributionID: f.target.DistributionID},
			func(tg site.Target) error {
				_, err := sitedeploy.Deploy(ctx, f.rec.clients(), tg, v2, opts)
				return err
			},
			"bucket acme-web-missing does not exist: the site is uploaded to it; create it"},
		{"a distribution that does not exist", site.Target{Bucket: f.target.Bucket, DistributionID: "E0000000MISSING"},
			func(tg site.Target) error {
				_, err := sitedeploy.Deploy(ctx, f.rec.clients(), tg, v2, opts)
				return err
			},
			"CloudFront distribution E0000000MISSING does not exist: the changed pages are invalidated in it; give the ID"},
		{"a plan with a distribution that does not exist", site.Target{Bucket: f.target.Bucket, DistributionID: "E0000000MISSING"},
			func(tg site.Target) error { _, err := sitedeploy.Preview(ctx, f.rec.clients(), tg, v2); return err },
			"CloudFront distribution E0000000MISSING does not exist"},
		{"a rollback of a bucket without versions", f.target,
			func(tg site.Target) error { _, err := sitedeploy.Rollback(ctx, f.rec.clients(), tg, opts); return err },
			"release " + v1.Release() + " is the first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.rec.reset()
			err := tt.run(tt.target)
			var input *site.InputError
			if !errors.As(err, &input) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want an InputError saying %q", err, tt.want)
			}
			if len(f.rec.calls) != 0 {
				t.Errorf("calls made: %v", f.rec.calls)
			}
			if got := f.bucketKeys(t); !slices.Equal(got, before) || f.body(t, site.ManifestKey) != beforeManifest {
				t.Errorf("the bucket changed: %v, was %v", got, before)
			}
		})
	}
}

// A bucket without versions cannot be rolled back; the rollback says so and changes nothing.
func TestRollbackWithoutVersionsSaysWhyAndChangesNothing(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, false)
	ctx := testContext(t)
	var progress strings.Builder
	o := opts
	o.Progress = &progress
	for _, files := range []map[string]string{v1Files, v2Files} {
		if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, build(t, files), o); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(progress.String(), "keeps no versions, so this release cannot be rolled back") {
		t.Errorf("the deploy did not warn of the missing versioning:\n%s", progress.String())
	}
	before := f.bucketKeys(t)
	f.rec.reset()
	_, err := sitedeploy.Rollback(ctx, f.rec.clients(), f.target, opts)
	var input *site.InputError
	if !errors.As(err, &input) || !strings.Contains(err.Error(), "has never kept versions") || !strings.Contains(err.Error(), "put-bucket-versioning") {
		t.Errorf("Rollback = %v", err)
	}
	if len(f.rec.calls) != 0 || !slices.Equal(f.bucketKeys(t), before) {
		t.Errorf("the rollback changed the bucket: %v", f.rec.calls)
	}
}

// A version a rollback needs that is gone is named, and nothing is copied.
func TestRollbackNamesAVersionThatIsGone(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	v1 := build(t, v1Files)
	for _, files := range []map[string]string{v1Files, v2Files} {
		if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, build(t, files), opts); err != nil {
			t.Fatal(err)
		}
	}
	// A lifecycle rule, or a person, removed v1's version of index.html.
	versions, err := f.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(f.target.Bucket), Prefix: aws.String("index.html")})
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	for _, v := range versions.Versions {
		if !aws.ToBool(v.IsLatest) {
			gone = aws.ToString(v.VersionId)
		}
	}
	if _, err := f.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String("index.html"), VersionId: aws.String(gone)}); err != nil {
		t.Fatal(err)
	}
	f.rec.reset()
	_, err = sitedeploy.Rollback(ctx, f.rec.clients(), f.target, opts)
	want := fmt.Sprintf("1 versions of release %s are no longer in the bucket, deleted by hand or by a lifecycle rule (index.html@%s)", v1.Release(), gone)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Rollback = %v, want it to say %q", err, want)
	}
	if len(f.rec.calls) != 0 {
		t.Errorf("the rollback wrote: %v", f.rec.calls)
	}
}

// Ctrl-C in the middle of the uploads: the sync stops before the pages, so the live site still
// serves the old pages, whose assets were not deleted.
func TestInterruptedSyncLeavesTheSiteConsistent(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	v1, v2 := build(t, v1Files), build(t, v2Files)
	if _, err := sitedeploy.Deploy(testContext(t), f.rec.clients(), f.target, v1, opts); err != nil {
		t.Fatal(err)
	}
	f.rec.reset()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	css2 := keyOf(v2, "assets/app.css")
	f.rec.beforePut = func(key string) {
		if key == "favicon.ico" { // the first upload after the fingerprinted asset
			cancel()
		}
	}
	res, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v2, opts)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "the live site is consistent") {
		t.Fatalf("Deploy = %v, want it interrupted", err)
	}
	if res == nil || res.Outcome != report.Interrupted || !slices.Equal(res.Uploaded, []string{css2}) {
		t.Fatalf("result = %+v, want interrupted after uploading %s", res, css2)
	}
	if got := f.body(t, "index.html"); !strings.HasSuffix(got, "v1") {
		t.Errorf("index.html is no longer v1's: %s", got)
	}
	if got := f.body(t, keyOf(v1, "assets/app.css")); got != "body{}" {
		t.Errorf("the asset v1's pages name is gone: %q", got)
	}
	if !strings.Contains(f.body(t, site.ManifestKey), `"release": "`+v1.Release()+`"`) {
		t.Error("the manifest changed though the sync did not finish")
	}
	// Run again, it finishes.
	f.rec.beforePut = nil
	if res, err := sitedeploy.Deploy(testContext(t), f.rec.clients(), f.target, v2, opts); err != nil || res.Outcome != report.Succeeded {
		t.Errorf("deploy after the interruption: %+v, %v", res, err)
	}
}

// A failed upload stops the sync before any deletion, and says the site is still consistent.
func TestFailedUploadDeletesNothing(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	v1, v2 := build(t, v1Files), build(t, v2Files)
	if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v1, opts); err != nil {
		t.Fatal(err)
	}
	before := f.bucketKeys(t)
	f.rec.reset()
	f.rec.failPut = func(key string) error {
		if key == "index.html" {
			return errors.New("AccessDenied")
		}
		return nil
	}
	res, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v2, opts)
	if err == nil || !strings.Contains(err.Error(), "uploading index.html to bucket acme-web-test: AccessDenied; after 3 of 4 uploads the live site is still consistent") {
		t.Errorf("Deploy = %v", err)
	}
	if res == nil || res.Outcome != report.Failed {
		t.Errorf("result = %+v", res)
	}
	for _, call := range f.rec.calls {
		if strings.HasPrefix(call, "delete ") || strings.HasPrefix(call, "invalidate") {
			t.Errorf("after a failed upload: %s", call)
		}
	}
	for _, key := range before {
		if !slices.Contains(f.bucketKeys(t), key) {
			t.Errorf("%s was deleted", key)
		}
	}
}

// An invalidation that does not complete in time ends the wait with what to do, and its ID.
func TestInvalidationWaitHasATimeout(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	f.rec.status = "InProgress"
	o := sitedeploy.Options{PollInterval: time.Millisecond, InvalidationTimeout: 50 * time.Millisecond}
	res, err := sitedeploy.Deploy(testContext(t), f.rec.clients(), f.target, build(t, v1Files), o)
	if err == nil || !strings.Contains(err.Error(), "did not complete within 50ms: the bucket holds the new site") {
		t.Fatalf("Deploy = %v", err)
	}
	if res.InvalidationID == "" || !strings.Contains(err.Error(), "--id "+res.InvalidationID) {
		t.Errorf("the error does not name invalidation %q: %v", res.InvalidationID, err)
	}
	if n := strings.Count(strings.Join(f.rec.calls, "\n"), "get-invalidation"); n < 2 {
		t.Errorf("asked about the invalidation %d times, want until the timeout", n)
	}
}

// Without a manifest, the bucket is listed: keys the site does not have are stale.
func TestFirstDeployToABucketWithObjects(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	if _, err := f.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String("old.html"), Body: strings.NewReader("old")}); err != nil {
		t.Fatal(err)
	}
	plan, err := sitedeploy.Preview(ctx, f.rec.clients(), f.target, build(t, v1Files))
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Listed || !slices.Equal(plan.Deletes, []string{"old.html"}) || len(plan.Uploads) != 5 || !slices.Contains(plan.Paths, "/old.html") {
		t.Errorf("plan = %+v", plan)
	}
	if len(f.rec.calls) != 0 {
		t.Errorf("the plan wrote: %v", f.rec.calls)
	}
}

// Versioning turned on after a release was deployed: that release's objects have no version to
// copy back, and the rollback names them instead of restoring half a site.
func TestRollbackToAReleaseUploadedWithoutVersions(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, false)
	ctx := testContext(t)
	v1 := build(t, v1Files)
	if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, v1, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(f.target.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, build(t, v2Files), opts); err != nil {
		t.Fatal(err)
	}
	before := f.bucketKeys(t)
	f.rec.reset()
	_, err := sitedeploy.Rollback(ctx, f.rec.clients(), f.target, opts)
	want := fmt.Sprintf("cannot roll back bucket %s: 3 objects of release %s were uploaded while the bucket kept no versions (about.html, %s, index.html)",
		f.target.Bucket, v1.Release(), keyOf(v1, "assets/app.css"))
	var input *site.InputError
	if !errors.As(err, &input) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "releases deployed from now on can be rolled back") {
		t.Errorf("Rollback = %v\nwant it to say %q", err, want)
	}
	if len(f.rec.calls) != 0 || !slices.Equal(f.bucketKeys(t), before) {
		t.Errorf("the rollback changed the bucket: %v", f.rec.calls)
	}
}

// A manifest that is not this pipeline's is told with what to do, before anything is written.
func TestDeployRefusesAManifestItCannotRead(t *testing.T) {
	srv := moto.Start(t)
	f := setUp(t, srv, true)
	ctx := testContext(t)
	if _, err := f.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.target.Bucket), Key: aws.String(site.ManifestKey),
		Body: strings.NewReader("<xml/>")}); err != nil {
		t.Fatal(err)
	}
	f.rec.reset()
	_, err := sitedeploy.Deploy(ctx, f.rec.clients(), f.target, build(t, v1Files), opts)
	if err == nil || !strings.Contains(err.Error(), "is not valid JSON") || !strings.Contains(err.Error(), "delete it and deploy again") {
		t.Errorf("Deploy = %v", err)
	}
	if len(f.rec.calls) != 0 {
		t.Errorf("the deploy wrote: %v", f.rec.calls)
	}
}

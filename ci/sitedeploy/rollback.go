package sitedeploy

import (
	"dagger/pipeline/site"

	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"dagger/pipeline/report"
)

// Rollback puts the target's bucket back on the release before the one it serves: each key whose
// content differs is copied from the S3 version the previous release's manifest recorded (assets
// first, pages last), keys the previous release did not have are deleted after that, the
// manifest is written back and the changed pages are invalidated and waited for. Rolling back
// again goes one more release back. Everything a rollback needs (the bucket's versioning, both
// manifests, every version to copy) is checked before the first write; the result is nil only
// when nothing was written.
func Rollback(ctx context.Context, clients Clients, target site.Target, opts Options) (*report.Site, error) {
	opts = opts.withDefaults()
	started := time.Now()
	versioned, err := checkTarget(ctx, clients, target)
	if err != nil {
		return nil, err
	}
	cur, err := readManifest(ctx, clients.S3, target.Bucket, site.ManifestKey)
	switch {
	case err != nil:
		return nil, err
	case cur == nil:
		return nil, &site.InputError{What: fmt.Sprintf("bucket %s has no site manifest (%s)", target.Bucket, site.ManifestKey),
			Why: "no site was deployed there by this pipeline, so there is no previous set to go back to", Fix: "deploy the site first; a rollback goes back to the release before the last deploy"}
	case cur.Previous == "":
		return nil, &site.InputError{What: fmt.Sprintf("release %s is the first this pipeline deployed to bucket %s", cur.Release, target.Bucket),
			Why: "there is no previous set to go back to", Fix: "deploy the site you want instead (check out its commit and deploy it)"}
	}
	prev, err := readManifest(ctx, clients.S3, target.Bucket, site.ReleaseKey(cur.Previous))
	switch {
	case err != nil:
		return nil, err
	case prev == nil:
		return nil, &site.InputError{What: fmt.Sprintf("the record of release %s (%s) is not in bucket %s", cur.Previous, site.ReleaseKey(cur.Previous), target.Bucket),
			Why: "a rollback copies back the object versions it lists", Fix: "deploy the site you want instead (check out its commit and deploy it)"}
	}
	if !versioned {
		return nil, &site.InputError{What: fmt.Sprintf("bucket %s %s", target.Bucket, "has never kept versions"),
			Why: "the objects of release " + cur.Previous + " were overwritten or deleted by the deploy after it, so there is nothing to copy back",
			Fix: fmt.Sprintf("deploy the previous site instead (check out its commit and deploy it), and enable versioning so the next releases can be rolled back: aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled", target.Bucket)}
	}

	var restore, same []string
	for key, old := range prev.Objects {
		if now, ok := cur.Objects[key]; ok && now.SHA256 == old.SHA256 && now.ContentType == old.ContentType && now.CacheControl == old.CacheControl {
			same = append(same, key)
			continue
		}
		restore = append(restore, key)
	}
	if err := checkVersions(ctx, clients.S3, target.Bucket, prev, restore); err != nil {
		return nil, err
	}
	var deletes, pages []string
	for key := range cur.Objects {
		if _, ok := prev.Objects[key]; !ok {
			deletes = append(deletes, key)
			if site.IsPage(key) {
				pages = append(pages, key)
			}
		}
	}
	sort.Strings(deletes)
	// The order of a deploy: what pages reference first, pages last.
	sort.Slice(restore, func(i, j int) bool {
		ri, rj := restoreRank(restore[i], prev.Objects[restore[i]]), restoreRank(restore[j], prev.Objects[restore[j]])
		if ri != rj {
			return ri < rj
		}
		return restore[i] < restore[j]
	})

	res := &report.Site{Action: "rollback", Bucket: target.Bucket, Distribution: target.DistributionID, Release: prev.Release, Previous: cur.Release, Unchanged: len(same), Started: started}
	manifest := &site.Manifest{Release: prev.Release, Previous: prev.Previous, Objects: map[string]site.Object{}}
	for key, o := range prev.Objects {
		manifest.Objects[key] = o
	}
	for _, key := range restore {
		if err := ctx.Err(); err != nil {
			return interrupted(res, len(restore), err)
		}
		old := prev.Objects[key]
		out, err := clients.S3.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket:     aws.String(target.Bucket),
			Key:        aws.String(key),
			CopySource: aws.String(copySource(target.Bucket, key, old.VersionID)),
		})
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(res, len(restore), ctx.Err())
			}
			return failed(res, fmt.Errorf("copying version %s of %s back in bucket %s: %w; after %d of %d copies the live site is still consistent (pages are copied last, nothing was deleted): roll back again", old.VersionID, key, target.Bucket, err, len(res.Uploaded), len(restore)))
		}
		old.VersionID = aws.ToString(out.VersionId)
		manifest.Objects[key] = old
		res.Uploaded = append(res.Uploaded, key)
		if site.IsPage(key) {
			pages = append(pages, key)
		}
		fmt.Fprintf(opts.Progress, "site: restored %s (release %s)\n", key, prev.Release)
	}
	return finish(ctx, clients, target, opts, res, manifest, deletes, site.InvalidationPaths(pages))
}

// checkVersions makes sure every version a rollback copies is recorded and still in the bucket,
// and names every one that is not.
func checkVersions(ctx context.Context, api ObjectHeader, bucket string, prev *site.Manifest, keys []string) error {
	var unrecorded, gone []string
	for _, key := range keys {
		v := prev.Objects[key].VersionID
		if v == "" {
			unrecorded = append(unrecorded, key)
			continue
		}
		_, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(v)})
		switch code := errorCode(err); {
		case code == "NoSuchVersion" || code == "NotFound" || code == "NoSuchKey" || code == "400" && strings.Contains(err.Error(), "version"):
			gone = append(gone, key+"@"+v)
		case err != nil:
			return fmt.Errorf("checking version %s of %s in bucket %s: %w", v, key, bucket, err)
		}
	}
	if len(unrecorded)+len(gone) == 0 {
		return nil
	}
	sort.Strings(unrecorded)
	sort.Strings(gone)
	var what []string
	if len(unrecorded) > 0 {
		what = append(what, fmt.Sprintf("%d objects of release %s were uploaded while the bucket kept no versions (%s)", len(unrecorded), prev.Release, strings.Join(unrecorded, ", ")))
	}
	if len(gone) > 0 {
		what = append(what, fmt.Sprintf("%d versions of release %s are no longer in the bucket, deleted by hand or by a lifecycle rule (%s)", len(gone), prev.Release, strings.Join(gone, ", ")))
	}
	fix := "deploy the previous site instead (check out its commit and deploy it)"
	if len(unrecorded) > 0 {
		fix += "; the bucket keeps versions now, so the releases deployed from now on can be rolled back"
	}
	if len(gone) > 0 {
		fix += "; if a lifecycle rule expires noncurrent versions, keep them longer than a release lives"
	}
	return &site.InputError{What: "cannot roll back bucket " + bucket + ": " + strings.Join(what, "; "),
		Why: "a rollback copies back the versions its manifest recorded, and nothing was changed", Fix: fix}
}

// restoreRank orders a rollback's copies as a deploy orders its uploads.
func restoreRank(key string, o site.Object) int {
	switch {
	case site.IsPage(key):
		return int(site.Page)
	case o.CacheControl == site.CacheImmutable:
		return int(site.Fingerprinted)
	default:
		return int(site.Plain)
	}
}

// copySource is CopyObject's source of one version of a key: the key URL-encoded, its slashes kept.
func copySource(bucket, key, versionID string) string {
	segments := strings.Split(key, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return bucket + "/" + strings.Join(segments, "/") + "?versionId=" + url.QueryEscape(versionID)
}

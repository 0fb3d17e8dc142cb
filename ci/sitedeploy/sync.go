package sitedeploy

import (
	"dagger/pipeline/site"

	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"dagger/pipeline/report"
)

// Options of a deploy or rollback of a site.
type Options struct {
	// InvalidationTimeout bounds the wait for CloudFront's invalidation; 0 means
	// DefaultInvalidationTimeout.
	InvalidationTimeout time.Duration
	// PollInterval is how often the invalidation is asked about; 0 means every 5 s.
	PollInterval time.Duration
	// Progress receives a line per object written or deleted; nil discards them.
	Progress io.Writer
}

func (o Options) withDefaults() Options {
	if o.InvalidationTimeout <= 0 {
		o.InvalidationTimeout = DefaultInvalidationTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Preview is the plan of a deploy of s to target; it changes nothing (it reads the bucket's
// versioning and manifest, or lists it, and reads the distribution).
func Preview(ctx context.Context, clients Clients, target site.Target, s *site.Site) (site.Plan, error) {
	if _, err := checkTarget(ctx, clients, target); err != nil {
		return site.Plan{}, err
	}
	cur, err := readCurrent(ctx, clients.S3, target.Bucket)
	if err != nil {
		return site.Plan{}, err
	}
	return cur.plan(s), nil
}

func (c current) plan(s *site.Site) site.Plan {
	release := ""
	if c.manifest != nil {
		release = c.manifest.Release
	}
	return site.PlanSync(s, c.objects, release, c.manifest == nil)
}

// Deploy syncs s to the target's bucket in the order the package comment gives, then invalidates
// the changed pages in the distribution and waits for it. Nothing is written before the bucket,
// the distribution and the manifest have been read. The result is nil only when nothing was
// written.
func Deploy(ctx context.Context, clients Clients, target site.Target, s *site.Site, opts Options) (*report.Site, error) {
	opts = opts.withDefaults()
	res := &report.Site{Action: "deploy", Bucket: target.Bucket, Distribution: target.DistributionID, Release: s.Release(), Started: time.Now()}
	versioned, err := checkTarget(ctx, clients, target)
	if err != nil {
		return nil, err
	}
	cur, err := readCurrent(ctx, clients.S3, target.Bucket)
	if err != nil {
		return nil, err
	}
	plan := cur.plan(s)
	res.Previous, res.Unchanged = plan.Current, len(plan.Same)
	if !plan.Changed() {
		res.Outcome, res.Finished = report.Unchanged, time.Now()
		fmt.Fprintf(opts.Progress, "site: bucket %s already serves release %s: nothing to upload\n", target.Bucket, plan.Release)
		return res, nil
	}
	if !versioned {
		fmt.Fprintf(opts.Progress, "site: warning: bucket %s keeps no versions, so this release cannot be rolled back; enable versioning (aws s3api put-bucket-versioning --bucket %s --versioning-configuration Status=Enabled)\n", target.Bucket, target.Bucket)
	}

	manifest := &site.Manifest{Release: plan.Release, Previous: plan.Current, Objects: map[string]site.Object{}}
	if plan.Current == plan.Release && cur.manifest != nil {
		manifest.Previous = cur.manifest.Previous // the same release again (repairing a bucket): keep its way back
	}
	for _, key := range plan.Same {
		manifest.Objects[key] = plan.Now[key]
	}
	for _, f := range plan.Uploads {
		if err := ctx.Err(); err != nil {
			return interrupted(res, len(plan.Uploads), err)
		}
		versionID, err := upload(ctx, clients.S3, target.Bucket, f)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(res, len(plan.Uploads), ctx.Err())
			}
			return failed(res, fmt.Errorf("uploading %s to bucket %s: %w; after %d of %d uploads the live site is still consistent (pages are uploaded last, and no object was deleted): deploy again", f.Key, target.Bucket, err, len(res.Uploaded), len(plan.Uploads)))
		}
		res.Uploaded = append(res.Uploaded, f.Key)
		manifest.Objects[f.Key] = site.Object{SHA256: f.SHA256, Size: int64(len(f.Body)), ContentType: f.ContentType, CacheControl: f.CacheControl, VersionID: versionID}
		fmt.Fprintf(opts.Progress, "site: uploaded %s (%s, %s)\n", f.Key, f.ContentType, f.CacheControl)
	}
	return finish(ctx, clients, target, opts, res, manifest, plan.Deletes, plan.Paths)
}

// upload puts one file with its content type and cache control, and its SHA-256 for S3 to
// verify, and returns the version S3 made of it ("" in a bucket without versioning).
func upload(ctx context.Context, api ObjectPutter, bucket string, f site.File) (string, error) {
	sum, err := hex.DecodeString(f.SHA256)
	if err != nil {
		return "", err
	}
	out, err := api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:            aws.String(bucket),
		Key:               aws.String(f.Key),
		Body:              bytes.NewReader(f.Body),
		ContentLength:     aws.Int64(int64(len(f.Body))),
		ContentType:       aws.String(f.ContentType),
		CacheControl:      aws.String(f.CacheControl),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum)),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// finish takes the steps after the uploads, shared by deploy and rollback: the manifest, the
// deletions, then the invalidation of paths.
func finish(ctx context.Context, clients Clients, target site.Target, opts Options, res *report.Site, manifest *site.Manifest, deletes, paths []string) (*report.Site, error) {
	if err := ctx.Err(); err != nil {
		return interrupted(res, len(res.Uploaded), err)
	}
	manifest.Written = time.Now().UTC()
	for _, key := range []string{site.ReleaseKey(manifest.Release), site.ManifestKey} {
		if err := writeManifest(ctx, clients.S3, target.Bucket, key, manifest); err != nil {
			return failed(res, fmt.Errorf("%w; the bucket serves the new pages, but the next deploy compares with the old manifest (and uploads again): deploy again", err))
		}
	}
	fmt.Fprintf(opts.Progress, "site: manifest of release %s written\n", manifest.Release)
	for _, key := range deletes {
		if err := ctx.Err(); err != nil {
			return interrupted(res, len(res.Uploaded), err)
		}
		if _, err := clients.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(target.Bucket), Key: aws.String(key)}); err != nil {
			return failed(res, fmt.Errorf("deleting the stale object %s from bucket %s: %w; the site is complete, only stale objects are left: deploy again to delete them", key, target.Bucket, err))
		}
		res.Deleted = append(res.Deleted, key)
		fmt.Fprintf(opts.Progress, "site: deleted %s\n", key)
	}
	if len(paths) > 0 {
		fmt.Fprintf(opts.Progress, "site: invalidating %d paths in distribution %s, waiting up to %s\n", len(paths), target.DistributionID, opts.InvalidationTimeout)
		id, err := invalidate(ctx, clients.CloudFront, target.DistributionID, manifest.Release, paths, opts.InvalidationTimeout, opts.PollInterval, time.Now())
		res.InvalidationID, res.InvalidationPaths = id, paths
		if err != nil {
			if ctx.Err() != nil {
				res.Outcome, res.Finished = report.Interrupted, time.Now()
				return res, err
			}
			return failed(res, err)
		}
		fmt.Fprintf(opts.Progress, "site: invalidation %s completed\n", id)
	}
	res.Outcome, res.Finished = report.Succeeded, time.Now()
	return res, nil
}

// interrupted ends a sync that ctx stopped: what was uploaded stays, and the site is consistent.
func interrupted(res *report.Site, planned int, err error) (*report.Site, error) {
	res.Outcome, res.Finished = report.Interrupted, time.Now()
	return res, fmt.Errorf("interrupted after writing %d of %d objects and %d deletions: the live site is consistent (every page it serves names only objects that are in the bucket); run it again to finish: %w",
		len(res.Uploaded), planned, len(res.Deleted), err)
}

func failed(res *report.Site, err error) (*report.Site, error) {
	res.Outcome, res.Finished = report.Failed, time.Now()
	return res, err
}

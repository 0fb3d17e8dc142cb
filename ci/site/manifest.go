package site

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ManifestPrefix is where the bucket keeps its record of the site; keys under it are never
// synced, listed as the site's or deleted as stale.
const ManifestPrefix = ".site/"

// ManifestKey is the record of the set the bucket serves now.
const ManifestKey = ManifestPrefix + "manifest.json"

// releaseKey keeps the record of each release, so that a rollback finds the set before.
func releaseKey(release string) string { return ManifestPrefix + "releases/" + release + ".json" }

// Object is what the manifest records of one key.
type Object struct {
	SHA256       string `json:"sha256"` // hex; empty when known only from a listing of the bucket
	Size         int64  `json:"size"`
	ContentType  string `json:"contentType,omitempty"`
	CacheControl string `json:"cacheControl,omitempty"`
	// VersionID is the S3 version that holds this content, when the bucket is versioned: what a
	// rollback copies back.
	VersionID string `json:"versionId,omitempty"`
}

// Manifest is the bucket's record of a release of the site.
type Manifest struct {
	Release  string            `json:"release"`
	Previous string            `json:"previous,omitempty"` // the release it replaced; a rollback goes there
	Written  time.Time         `json:"written"`
	Objects  map[string]Object `json:"objects"`
}

// current is what the bucket serves now, as the plan compares it.
type current struct {
	manifest *Manifest // nil when the bucket has no manifest
	objects  map[string]Object
}

// readManifest reads the manifest at key; nil, nil when there is none.
func readManifest(ctx context.Context, api ObjectGetter, bucket, key string) (*Manifest, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if errorCode(err) == "NoSuchKey" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the site's manifest s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the site's manifest s3://%s/%s: %w", bucket, key, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the site's manifest s3://%s/%s is not valid JSON (%v): it was not written by this pipeline, or was edited; delete it and deploy again, which then compares with a listing of the bucket", bucket, key, err)
	}
	if m.Objects == nil {
		m.Objects = map[string]Object{}
	}
	return &m, nil
}

// readCurrent is the set the bucket serves: its manifest's, or, for a bucket this pipeline has
// not deployed to yet, every key a listing finds (outside ManifestPrefix), whose content is
// unknown.
func readCurrent(ctx context.Context, api BucketAPI, bucket string) (current, error) {
	m, err := readManifest(ctx, api, bucket, ManifestKey)
	if err != nil {
		return current{}, err
	}
	if m != nil {
		return current{manifest: m, objects: m.Objects}, nil
	}
	objects := map[string]Object{}
	pages := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return current{}, fmt.Errorf("listing bucket %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasPrefix(key, ManifestPrefix) {
				continue
			}
			objects[key] = Object{Size: aws.ToInt64(o.Size)}
		}
	}
	return current{objects: objects}, nil
}

// writeManifest writes m at key, not cached: the next deploy must read the newest.
func writeManifest(ctx context.Context, api ObjectPutter, bucket, key string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = api.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), CacheControl: aws.String(CacheNone),
	})
	if err != nil {
		return fmt.Errorf("writing the site's manifest s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

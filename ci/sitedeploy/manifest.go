package sitedeploy

import (
	"dagger/pipeline/site"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// current is what the bucket serves now, as the plan compares it.
type current struct {
	manifest *site.Manifest // nil when the bucket has no manifest
	objects  map[string]site.Object
}

// readManifest reads the manifest at key; nil, nil when there is none.
func readManifest(ctx context.Context, api ObjectGetter, bucket, key string) (*site.Manifest, error) {
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
	var m site.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the site's manifest s3://%s/%s is not valid JSON (%v): it was not written by this pipeline, or was edited; delete it and deploy again, which then compares with a listing of the bucket", bucket, key, err)
	}
	if m.Objects == nil {
		m.Objects = map[string]site.Object{}
	}
	return &m, nil
}

// readCurrent is the set the bucket serves: its manifest's, or, for a bucket this pipeline has
// not deployed to yet, every key a listing finds (outside ManifestPrefix), whose content is
// unknown.
func readCurrent(ctx context.Context, api BucketAPI, bucket string) (current, error) {
	m, err := readManifest(ctx, api, bucket, site.ManifestKey)
	if err != nil {
		return current{}, err
	}
	if m != nil {
		return current{manifest: m, objects: m.Objects}, nil
	}
	objects := map[string]site.Object{}
	pages := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return current{}, fmt.Errorf("listing bucket %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasPrefix(key, site.ManifestPrefix) {
				continue
			}
			objects[key] = site.Object{Size: aws.ToInt64(o.Size)}
		}
	}
	return current{objects: objects}, nil
}

// writeManifest writes m at key, not cached: the next deploy must read the newest.
func writeManifest(ctx context.Context, api ObjectPutter, bucket, key string, m *site.Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	_, err = api.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), CacheControl: aws.String(site.CacheNone),
	})
	if err != nil {
		return fmt.Errorf("writing the site's manifest s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

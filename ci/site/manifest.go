package site

import "time"

// ManifestPrefix is where the bucket keeps its record of the site; keys under it are never
// synced, listed as the site's or deleted as stale.
const ManifestPrefix = ".site/"

// ManifestKey is the record of the set the bucket serves now.
const ManifestKey = ManifestPrefix + "manifest.json"

// ReleaseKey keeps the record of each release, so that a rollback finds the set before.
func ReleaseKey(release string) string { return ManifestPrefix + "releases/" + release + ".json" }

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

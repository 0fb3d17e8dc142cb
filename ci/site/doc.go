// Package site ships a static site to an S3 bucket served by a CloudFront distribution: it
// builds the deployable set from a directory (assets renamed with a content hash, references in
// HTML rewritten), plans the object changes against what the bucket holds, syncs them in an
// order that keeps the live site consistent at every moment, invalidates the changed HTML paths
// and waits for the invalidation, and rolls back to the previous set by S3 object versions.
//
// The order is the point. A page is served from CloudFront's cache or from the bucket, and a
// visitor's browser fetches the assets a page names right after the page. So:
//
//  1. fingerprinted assets first (their names are new; nothing old references them), cached for
//     a year as immutable, since their name changes whenever their content does;
//  2. other non-HTML files (favicon.ico, robots.txt), cached briefly;
//  3. HTML last, not cached (no-cache: revalidated on every request), so a page is served only
//     once every asset it names is in place;
//  4. the manifest (the bucket's record of the set, under ManifestPrefix);
//  5. stale objects deleted only now, after every page that named them was replaced;
//  6. a CloudFront invalidation of the changed HTML paths, waited for.
//
// Interrupted anywhere, the site stays consistent: before step 3 the old pages still reference
// old assets that are still there; during step 3 each page is either old (old assets, still
// there) or new (new assets, already there). Everything is checked before the first write: a
// missing directory, bucket or distribution changes nothing.
//
// The package speaks of buckets, distributions and keys; callers word its errors in their own
// flags or configuration keys.
package site

package site

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Plan is what a sync changes: the uploads in the order they are made, the keys left as they
// are, the stale keys deleted after every upload, and the CloudFront paths invalidated.
type Plan struct {
	Release string // the release of the built set
	Current string // the release the bucket serves now; empty when it has no manifest
	Listed  bool   // the bucket had no manifest: its keys come from a listing, their content is unknown
	Uploads []File // new or changed, fingerprinted assets first, then other files, then pages
	New     map[string]bool
	Same    []string // keys whose content and metadata are already there
	Deletes []string // keys the bucket has and the site no longer does
	Paths   []string // CloudFront paths of the changed and deleted pages

	// Now is what the bucket serves, for the versions of the keys left as they are.
	Now map[string]Object
}

// PlanSync compares a built site with what the bucket serves now (by key: the manifest's
// objects, or a listing's, whose content is unknown and so always uploaded again). An object
// is uploaded when its content, content type or cache control differs.
func PlanSync(s *Site, now map[string]Object, currentRelease string, listed bool) Plan {
	p := Plan{Release: s.Release(), Current: currentRelease, Listed: listed, New: map[string]bool{}, Now: now}
	var pages []string
	for _, f := range s.Files {
		old, ok := now[f.Key]
		switch {
		case ok && old.SHA256 == f.SHA256 && old.ContentType == f.ContentType && old.CacheControl == f.CacheControl:
			p.Same = append(p.Same, f.Key)
			continue
		case !ok:
			p.New[f.Key] = true
		}
		p.Uploads = append(p.Uploads, f)
		if f.Class == Page {
			pages = append(pages, f.Key)
		}
	}
	for key := range now {
		if _, ok := s.File(key); !ok {
			p.Deletes = append(p.Deletes, key)
			if IsPage(key) {
				pages = append(pages, key)
			}
		}
	}
	sort.Strings(p.Deletes)
	sort.SliceStable(p.Uploads, func(i, j int) bool { return p.Uploads[i].Class < p.Uploads[j].Class })
	p.Paths = InvalidationPaths(pages)
	return p
}

// Changed reports whether the sync writes or deletes anything.
func (p Plan) Changed() bool { return len(p.Uploads) > 0 || len(p.Deletes) > 0 }

// InvalidationPaths are the CloudFront paths that serve pages: each page's own path, and for an
// index.html also its directory's path, which CloudFront caches separately ("/" for the root
// page, the distribution's default root object).
func InvalidationPaths(pages []string) []string {
	seen := map[string]bool{}
	var paths []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, key := range pages {
		add("/" + key)
		if path.Base(key) == IndexPage {
			if dir := path.Dir(key); dir == "." {
				add("/")
			} else {
				add("/" + dir + "/")
			}
		}
	}
	sort.Strings(paths)
	return paths
}

// Render writes the plan for people, one line per object that changes.
func (p Plan) Render(w io.Writer) error {
	var b strings.Builder
	switch {
	case p.Listed:
		fmt.Fprintf(&b, "release %s (the bucket has no manifest yet: every file is uploaded)\n", p.Release)
	case p.Current == p.Release:
		fmt.Fprintf(&b, "release %s is what the bucket serves\n", p.Release)
	default:
		fmt.Fprintf(&b, "release %s replaces %s\n", p.Release, p.Current)
	}
	for _, f := range p.Uploads {
		sign := "~"
		if p.New[f.Key] {
			sign = "+"
		}
		fmt.Fprintf(&b, "%s %s  (%s, %s, %s)\n", sign, f.Key, f.Class, f.ContentType, f.CacheControl)
	}
	for _, key := range p.Deletes {
		fmt.Fprintf(&b, "- %s\n", key)
	}
	if len(p.Paths) > 0 {
		fmt.Fprintf(&b, "invalidate: %s\n", strings.Join(p.Paths, " "))
	}
	fmt.Fprintf(&b, "%d to upload, %d unchanged, %d to delete\n", len(p.Uploads), len(p.Same), len(p.Deletes))
	_, err := io.WriteString(w, b.String())
	return err
}

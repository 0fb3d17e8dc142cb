package site

import (
	"slices"
	"strings"
	"testing"
)

// manifestOf is what a manifest records of a built site.
func manifestOf(s *Site) map[string]Object {
	objects := map[string]Object{}
	for _, f := range s.Files {
		objects[f.Key] = Object{SHA256: f.SHA256, Size: int64(len(f.Body)), ContentType: f.ContentType, CacheControl: f.CacheControl, VersionID: "v-" + f.Key}
	}
	return objects
}

func build(t *testing.T, files map[string]string) *Site {
	t.Helper()
	s, err := Build(sourceFS(files), "site")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func keysOf(files []File) []string {
	var keys []string
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	return keys
}

func TestPlanSync(t *testing.T) {
	v1 := build(t, map[string]string{
		"index.html":      `<link href="app.css" rel="stylesheet">v1`,
		"about.html":      `about`,
		"docs/index.html": `docs v1`,
		"app.css":         `a{}`,
		"robots.txt":      `User-agent: *`,
	})
	v2 := build(t, map[string]string{
		"index.html":      `<link href="app.css" rel="stylesheet">v1`, // the same text, but app.css is renamed
		"docs/index.html": `docs v2`,
		"app.css":         `a{color:red}`,
		"robots.txt":      `User-agent: *`,
		"new.txt":         `new`,
	})
	p := PlanSync(v2, manifestOf(v1), v1.Release(), false)
	css, _ := func() (string, bool) {
		for _, f := range v2.Files {
			if f.Source == "app.css" {
				return f.Key, true
			}
		}
		return "", false
	}()
	// Order: the fingerprinted stylesheet, then other files, then pages.
	if got, want := keysOf(p.Uploads), []string{css, "new.txt", "docs/index.html", "index.html"}; !slices.Equal(got, want) {
		t.Errorf("uploads = %v, want %v", got, want)
	}
	if !p.New[css] || !p.New["new.txt"] || p.New["index.html"] {
		t.Errorf("new = %v", p.New)
	}
	if !slices.Equal(p.Same, []string{"robots.txt"}) {
		t.Errorf("unchanged = %v", p.Same)
	}
	var oldCSS string
	for _, f := range v1.Files {
		if f.Source == "app.css" {
			oldCSS = f.Key
		}
	}
	if want := []string{"about.html", oldCSS}; !slices.Equal(p.Deletes, want) {
		t.Errorf("deletes = %v, want %v", p.Deletes, want)
	}
	if want := []string{"/", "/about.html", "/docs/", "/docs/index.html", "/index.html"}; !slices.Equal(p.Paths, want) {
		t.Errorf("invalidation paths = %v, want %v", p.Paths, want)
	}
	if p.Release != v2.Release() || p.Current != v1.Release() || !p.Changed() {
		t.Errorf("release %s current %s changed %v", p.Release, p.Current, p.Changed())
	}
}

func TestPlanSyncOfTheSameSetChangesNothing(t *testing.T) {
	s := build(t, sample)
	p := PlanSync(s, manifestOf(s), s.Release(), false)
	if p.Changed() || len(p.Paths) > 0 || len(p.Same) != len(s.Files) {
		t.Errorf("plan of the same set: uploads %v, deletes %v, paths %v", keysOf(p.Uploads), p.Deletes, p.Paths)
	}
}

// Served differently is changed too: a content type or cache control fixed by a new version of
// the pipeline reaches the bucket.
func TestPlanSyncUploadsWhenOnlyTheMetadataDiffers(t *testing.T) {
	s := build(t, map[string]string{"index.html": "x"})
	now := manifestOf(s)
	o := now["index.html"]
	o.ContentType = "text/html"
	now["index.html"] = o
	if p := PlanSync(s, now, s.Release(), false); !slices.Equal(keysOf(p.Uploads), []string{"index.html"}) {
		t.Errorf("uploads = %v, want index.html (its content type changed)", keysOf(p.Uploads))
	}
}

// A bucket without a manifest: every file is uploaded (the listing tells no content), and keys
// the site does not have are stale.
func TestPlanSyncFromAListing(t *testing.T) {
	s := build(t, map[string]string{"index.html": "x"})
	p := PlanSync(s, map[string]Object{"index.html": {Size: 1}, "old.html": {Size: 3}}, "", true)
	if !slices.Equal(keysOf(p.Uploads), []string{"index.html"}) || !slices.Equal(p.Deletes, []string{"old.html"}) {
		t.Errorf("uploads %v deletes %v", keysOf(p.Uploads), p.Deletes)
	}
	var b strings.Builder
	if err := p.Render(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"the bucket has no manifest yet", "~ index.html  (page, text/html; charset=utf-8, no-cache)", "- old.html", "invalidate: / /index.html /old.html", "1 to upload, 0 unchanged, 1 to delete"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, b.String())
		}
	}
}

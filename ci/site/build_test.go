package site

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func sourceFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

var sample = map[string]string{
	"index.html": `<link rel="stylesheet" href="assets/app.css?v=1"><script src='assets/app.js'></script>` +
		`<a href="docs/">docs</a><img src="https://cdn.example.com/assets/app.css"><a href="#top">top</a>`,
	"docs/index.html":  `<link href="../assets/app.css" rel="stylesheet"><link href="/assets/app.css" rel="stylesheet"><img src="logo.svg">`,
	"docs/logo.svg":    `<svg xmlns="http://www.w3.org/2000/svg"/>`,
	"assets/app.css":   `body{}`,
	"assets/app.js":    `console.log(1)`,
	"assets/font.woff": `font`, // named by the stylesheet only: keeps its name
	"favicon.ico":      `ico`,
	".DS_Store":        `junk`,
	".git/config":      `junk`,
}

func TestBuildFingerprintsReferencedAssetsAndRewritesPages(t *testing.T) {
	s, err := Build(sourceFS(sample), "site")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]File{}
	for _, f := range s.Files {
		keys[f.Key] = f
	}
	named := regexp.MustCompile(`^assets/app\.[0-9a-f]{8}\.css$`)
	var css, js, logo File
	for key, f := range keys {
		switch f.Source {
		case "assets/app.css":
			css = f
		case "assets/app.js":
			js = f
		case "docs/logo.svg":
			logo = f
		}
		if strings.HasPrefix(key, ".") {
			t.Errorf("hidden file %s is in the site", key)
		}
	}
	if !named.MatchString(css.Key) || css.Class != Fingerprinted || css.CacheControl != CacheImmutable {
		t.Errorf("app.css = %s (%v, %s), want assets/app.<8 hex>.css, fingerprinted, immutable", css.Key, css.Class, css.CacheControl)
	}
	if !regexp.MustCompile(`^docs/logo\.[0-9a-f]{8}\.svg$`).MatchString(logo.Key) || logo.ContentType != "image/svg+xml" {
		t.Errorf("logo = %s (%s)", logo.Key, logo.ContentType)
	}
	for _, plain := range []string{"assets/font.woff", "favicon.ico"} {
		if f, ok := keys[plain]; !ok || f.Class != Plain || f.CacheControl != CacheShort {
			t.Errorf("%s = %+v, want it under its own name with a short cache", plain, f)
		}
	}
	cssName, jsName := filepathBase(css.Key), filepathBase(js.Key)
	index := string(keys["index.html"].Body)
	for _, want := range []string{
		`href="assets/` + cssName + `?v=1"`,            // the query kept
		`src='assets/` + jsName + `'`,                  // single quotes
		`src="https://cdn.example.com/assets/app.css"`, // another host: untouched
		`href="docs/"`, `href="#top"`,
	} {
		if !strings.Contains(index, want) {
			t.Errorf("index.html lacks %s:\n%s", want, index)
		}
	}
	docs := string(keys["docs/index.html"].Body)
	for _, want := range []string{`href="../assets/` + cssName + `"`, `href="/assets/` + cssName + `"`, `src="` + filepathBase(logo.Key) + `"`} {
		if !strings.Contains(docs, want) {
			t.Errorf("docs/index.html lacks %s:\n%s", want, docs)
		}
	}
	if f := keys["index.html"]; f.Class != Page || f.CacheControl != CacheNone || f.ContentType != "text/html; charset=utf-8" {
		t.Errorf("index.html = %v %s %s", f.Class, f.CacheControl, f.ContentType)
	}
}

func filepathBase(key string) string { return key[strings.LastIndex(key, "/")+1:] }

func TestBuildIsDeterministicAndNamesFollowContent(t *testing.T) {
	a, err := Build(sourceFS(sample), "site")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(sourceFS(sample), "site")
	if a.Release() != b.Release() || len(a.Files) != len(b.Files) {
		t.Fatalf("two builds of the same files differ: %s vs %s", a.Release(), b.Release())
	}
	for i := range a.Files {
		if a.Files[i].Key != b.Files[i].Key || a.Files[i].SHA256 != b.Files[i].SHA256 {
			t.Errorf("file %d: %s/%s vs %s/%s", i, a.Files[i].Key, a.Files[i].SHA256, b.Files[i].Key, b.Files[i].SHA256)
		}
	}
	changed := map[string]string{}
	for k, v := range sample {
		changed[k] = v
	}
	changed["assets/app.css"] = `body{color:red}`
	c, _ := Build(sourceFS(changed), "site")
	if c.Release() == a.Release() {
		t.Error("a changed stylesheet left the release as it was")
	}
	js := func(s *Site) string {
		for _, f := range s.Files {
			if f.Source == "assets/app.js" {
				return f.Key
			}
		}
		return ""
	}
	if js(a) != js(c) {
		t.Errorf("app.js was renamed (%s → %s) though only app.css changed", js(a), js(c))
	}
	index := func(s *Site) string { f, _ := s.File("index.html"); return f.SHA256 }
	if index(a) == index(c) {
		t.Error("index.html did not change though it names the renamed stylesheet")
	}
}

func TestBuildRefusesWhatCannotBeASite(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"empty", map[string]string{}, "the site directory site is empty: deploying it would delete every page"},
		{"only hidden files", map[string]string{".DS_Store": "x"}, "is empty"},
		{"no index.html", map[string]string{"about.html": "x", "app.css": "y"}, "has no index.html: it is the page CloudFront serves for /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(sourceFS(tt.files), "site")
			var input *InputError
			if !errors.As(err, &input) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build = %v, want an InputError saying %q", err, tt.want)
			}
		})
	}
}

func TestLoadNamesAMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing"))
	if err == nil || !strings.Contains(err.Error(), "missing does not exist") {
		t.Errorf("Load(missing) = %v", err)
	}
	file := filepath.Join(dir, "index.html")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file); err == nil || !strings.Contains(err.Error(), "is a file, not a directory") {
		t.Errorf("Load(file) = %v", err)
	}
	s, err := Load(dir)
	if err != nil || len(s.Files) != 1 {
		t.Errorf("Load(dir with index.html) = %v, %v", s, err)
	}
}

// The repository's own page builds, its assets fingerprinted and named from both pages.
func TestTheRepositorysPageBuilds(t *testing.T) {
	s, err := Load("../../app/site")
	if err != nil {
		t.Fatal(err)
	}
	var assets int
	for _, f := range s.Files {
		if f.Class == Fingerprinted {
			assets++
			for _, page := range []string{"index.html", "404.html"} {
				p, _ := s.File(page)
				if f.ContentType == "text/css; charset=utf-8" && !strings.Contains(string(p.Body), filepathBase(f.Key)) {
					t.Errorf("%s does not name %s", page, f.Key)
				}
			}
		}
	}
	if assets != 2 {
		t.Errorf("%d fingerprinted assets, want app.css and app.js: %+v", assets, s.Files)
	}
}

func TestContentType(t *testing.T) {
	for key, want := range map[string]string{
		"index.html": "text/html; charset=utf-8", "a/b.CSS": "text/css; charset=utf-8",
		"app.js": "text/javascript; charset=utf-8", "logo.svg": "image/svg+xml", "f.woff2": "font/woff2",
		"favicon.ico": "image/x-icon", "robots.txt": "text/plain; charset=utf-8",
		"site.webmanifest": "application/manifest+json", "data.json": "application/json",
		"noext": "application/octet-stream",
	} {
		if got := ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
}

package site

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Class says when a file is uploaded and how long it is cached.
type Class int

const (
	// Fingerprinted is an asset a page references, renamed with its content hash: uploaded first
	// and cached for a year, since another content gets another name.
	Fingerprinted Class = iota
	// Plain is any other file that is not a page (favicon.ico, robots.txt, a font a stylesheet
	// names): it keeps its name, so it is cached briefly.
	Plain
	// Page is an HTML file: uploaded last and revalidated on every request, so a visitor never
	// gets a page whose assets are not in place yet, nor an old page for long.
	Page
)

// Cache-Control of each class.
const (
	CacheImmutable = "public, max-age=31536000, immutable"
	CacheShort     = "public, max-age=300"
	CacheNone      = "no-cache"
)

func (c Class) cacheControl() string {
	switch c {
	case Fingerprinted:
		return CacheImmutable
	case Plain:
		return CacheShort
	default:
		return CacheNone
	}
}

// String names the class as the plan shows it.
func (c Class) String() string {
	switch c {
	case Fingerprinted:
		return "asset"
	case Plain:
		return "file"
	default:
		return "page"
	}
}

// File is one object of a built site.
type File struct {
	Key          string // the object key, e.g. "assets/app.3f9a1c2b.css"
	Source       string // the path in the source directory, e.g. "assets/app.css"
	Body         []byte
	SHA256       string // hex
	ContentType  string
	CacheControl string
	Class        Class
}

// Site is the deployable set built from a directory: files sorted by key.
type Site struct {
	Files []File
}

// IndexPage is the page a site must have: CloudFront's default root object.
const IndexPage = "index.html"

// hashLength is how many hex digits of the content's SHA-256 a fingerprinted name carries:
// 32 bits tell apart the versions of one file, which is all a name must do.
const hashLength = 8

// Load builds the site in a directory of the local file system (see Build).
func Load(dir string) (*Site, error) {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &InputError{What: fmt.Sprintf("the site directory %s does not exist", dir),
			Why: "the site is built from it", Fix: "build the site first, or give the directory that holds its index.html", Field: FieldDirectory}
	case err != nil:
		return nil, &InputError{What: fmt.Sprintf("the site directory %s cannot be read", dir), Why: err.Error(), Fix: "make it readable", Field: FieldDirectory}
	case !info.IsDir():
		return nil, &InputError{What: fmt.Sprintf("%s is a file, not a directory", dir),
			Why: "a site is a directory of files", Fix: "give the directory that holds its index.html", Field: FieldDirectory}
	}
	return Build(os.DirFS(dir), dir)
}

// Build makes the deployable set of the site in src (named where in errors): every file not
// hidden (a name starting with "."), pages at their paths, the assets that pages reference by
// src= or href= renamed NAME.HASH.EXT with the references rewritten, other files as they are.
// The same input gives the same output.
func Build(src fs.FS, where string) (*Site, error) {
	sources := map[string][]byte{}
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		body, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		sources[p] = body
		return nil
	})
	if err != nil {
		return nil, &InputError{What: fmt.Sprintf("the site directory %s cannot be read", where), Why: err.Error(),
			Fix: "check that it exists and is readable", Field: FieldDirectory, Err: err}
	}
	if len(sources) == 0 {
		return nil, &InputError{What: fmt.Sprintf("the site directory %s is empty", where),
			Why: "deploying it would delete every page of the live site", Fix: "build the site into it first, or give the directory that holds its index.html", Field: FieldDirectory}
	}
	if _, ok := sources[IndexPage]; !ok {
		return nil, &InputError{What: fmt.Sprintf("the site directory %s has no %s", where, IndexPage),
			Why: "it is the page CloudFront serves for / (the distribution's default root object)", Fix: "add " + IndexPage + " at the top of the directory, or give the directory that holds it", Field: FieldDirectory}
	}

	renamed := map[string]string{} // source path → fingerprinted key
	for p, body := range sources {
		if !IsPage(p) {
			continue
		}
		for _, ref := range references(body) {
			if target, ok := resolve(p, ref.path); ok && !IsPage(target) && sources[target] != nil {
				renamed[target] = fingerprint(target, sources[target])
			}
		}
	}

	site := &Site{Files: make([]File, 0, len(sources))}
	for p, body := range sources {
		f := File{Key: p, Source: p, Body: body, Class: Plain}
		switch {
		case IsPage(p):
			f.Class, f.Body = Page, rewrite(p, body, renamed)
		case renamed[p] != "":
			f.Class, f.Key = Fingerprinted, renamed[p]
		}
		sum := sha256.Sum256(f.Body)
		f.SHA256 = hex.EncodeToString(sum[:])
		f.ContentType, f.CacheControl = ContentType(f.Key), f.Class.cacheControl()
		site.Files = append(site.Files, f)
	}
	sort.Slice(site.Files, func(i, j int) bool { return site.Files[i].Key < site.Files[j].Key })
	return site, nil
}

// Release identifies the set: 12 hex digits of a hash over every key, its content and how it is
// served. Two builds of the same files have the same release.
func (s *Site) Release() string {
	h := sha256.New()
	for _, f := range s.Files {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\n", f.Key, f.SHA256, f.ContentType, f.CacheControl)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// File returns the file with a key.
func (s *Site) File(key string) (File, bool) {
	i := sort.Search(len(s.Files), func(i int) bool { return s.Files[i].Key >= key })
	if i < len(s.Files) && s.Files[i].Key == key {
		return s.Files[i], true
	}
	return File{}, false
}

// fingerprint is the key of an asset with its content hash before the extension:
// assets/app.css → assets/app.3f9a1c2b.css.
func fingerprint(key string, body []byte) string {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])[:hashLength]
	ext := path.Ext(key)
	return strings.TrimSuffix(key, ext) + "." + hash + ext
}

// attribute finds src= and href= values, quoted either way.
var attribute = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// reference is an attribute value in a page: where its path part starts and ends in the page,
// and the path itself.
type reference struct {
	start, end int
	path       string
}

// references lists the src= and href= values of a page, their query and fragment cut off.
func references(page []byte) []reference {
	var refs []reference
	for _, m := range attribute.FindAllSubmatchIndex(page, -1) {
		start, end := m[2], m[3]
		if start < 0 {
			start, end = m[4], m[5]
		}
		value := string(page[start:end])
		if i := strings.IndexAny(value, "?#"); i >= 0 {
			value, end = value[:i], start+i
		}
		refs = append(refs, reference{start: start, end: end, path: value})
	}
	return refs
}

// resolve is the key a reference from page names, when it names a file of the site: a path
// relative to the page or to the root, not a URL with a scheme or a host, nor above the root.
func resolve(page, ref string) (string, bool) {
	switch {
	case ref == "", strings.HasPrefix(ref, "//"), strings.Contains(ref, ":"):
		return "", false
	case strings.HasPrefix(ref, "/"):
		ref = path.Clean(strings.TrimPrefix(ref, "/"))
	default:
		ref = path.Join(path.Dir(page), ref)
	}
	if ref == "." || ref == ".." || strings.HasPrefix(ref, "../") {
		return "", false
	}
	return ref, true
}

// rewrite replaces, in a page, the last segment of each reference to a renamed asset with the
// asset's new name, keeping the reference's form (relative or from the root) and its query.
func rewrite(page string, body []byte, renamed map[string]string) []byte {
	var out []byte
	last := 0
	for _, ref := range references(body) {
		target, ok := resolve(page, ref.path)
		if !ok || renamed[target] == "" || path.Base(ref.path) != path.Base(target) {
			continue
		}
		segment := ref.end - len(path.Base(ref.path))
		out = append(out, body[last:segment]...)
		out = append(out, path.Base(renamed[target])...)
		last = ref.end
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

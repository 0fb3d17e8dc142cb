package site

import (
	"mime"
	"path"
	"strings"
)

// contentTypes are the types of the files a static site is made of, fixed here rather than
// taken from mime.TypeByExtension alone: that one also reads the machine's /etc/mime.types, so
// the same file would be served as another type when deployed from another machine (.js as
// application/javascript on one, text/javascript on another; .ico or .webmanifest unknown).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".map":         "application/json",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".ttf":         "font/ttf",
	".otf":         "font/otf",
	".txt":         "text/plain; charset=utf-8",
	".xml":         "application/xml",
	".pdf":         "application/pdf",
	".wasm":        "application/wasm",
}

// ContentType is the Content-Type a key is served with, from its extension: the fixed table
// above, else the standard library's, else application/octet-stream (which browsers download
// rather than render, the safe default). Text types say their charset.
func ContentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	t := mime.TypeByExtension(ext)
	if t == "" {
		return "application/octet-stream"
	}
	if strings.HasPrefix(t, "text/") && !strings.Contains(t, "charset=") {
		t += "; charset=utf-8"
	}
	return t
}

// IsPage reports whether a key is a page: uploaded last, never cached, invalidated on change.
func IsPage(key string) bool {
	ext := strings.ToLower(path.Ext(key))
	return ext == ".html" || ext == ".htm"
}

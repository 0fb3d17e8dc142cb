package release

import (
	"net/url"
	"strings"
)

// SourceURL turns a git remote (https://…, ssh://…, or scp-like git@host:owner/repo.git) into the
// public https URL that the image's org.opencontainers.image.source label carries. Credentials in
// the remote never reach the label. It returns "" for a remote it cannot map.
func SourceURL(remote string) string {
	remote = strings.TrimSpace(remote)
	if remote == "" {
		return ""
	}
	if !strings.Contains(remote, "://") {
		// scp-like syntax: [user@]host:path
		at := strings.LastIndex(remote, "@")
		colon := strings.Index(remote, ":")
		if colon <= at+1 {
			return ""
		}
		remote = "ssh://" + remote[at+1:colon] + "/" + remote[colon+1:]
	}
	u, err := url.Parse(remote)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "https", "http", "ssh", "git":
	default:
		return ""
	}
	host := u.Hostname()
	if u.Scheme == "https" || u.Scheme == "http" {
		host = u.Host
	}
	path := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	if path == "" {
		return ""
	}
	return "https://" + host + "/" + path
}

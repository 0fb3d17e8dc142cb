package release

import (
	"strings"
	"time"
)

// OCI annotation keys (image-spec annotations.md) that the image carries as labels.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelRevision = "org.opencontainers.image.revision"
	LabelVersion  = "org.opencontainers.image.version"
	LabelCreated  = "org.opencontainers.image.created"
)

// Labels returns the OCI labels for the image: revision (the full commit), version, created (the
// commit time, RFC 3339, so the image is reproducible) and source. Source is left out when
// sourceURL is empty, and revision for an untracked release, since an empty label says nothing and
// some tools reject it.
func (i Info) Labels(sourceURL string) map[string]string {
	labels := map[string]string{
		LabelVersion: i.Version,
		LabelCreated: i.Created.Format(time.RFC3339),
	}
	if i.Tracked() {
		labels[LabelRevision] = i.Commit
	}
	if s := strings.TrimSpace(sourceURL); s != "" {
		labels[LabelSource] = s
	}
	return labels
}

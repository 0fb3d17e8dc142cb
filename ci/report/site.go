package report

import (
	"fmt"
	"strings"
	"time"
)

// Site is the result of a static site's deploy or rollback: what changed in its bucket, and the
// CloudFront invalidation that makes the changed pages visible.
type Site struct {
	Action       string  // "deploy" or "rollback"
	Outcome      Outcome // Succeeded, Unchanged (nothing to sync), Interrupted or Failed
	Bucket       string
	Distribution string   // the CloudFront distribution's ID
	Release      string   // the release the bucket serves now (or would have, when not Succeeded)
	Previous     string   // the release it replaced; empty on the first deploy
	Uploaded     []string // the keys written (a rollback's copied back), in the order they were
	Unchanged    int
	Deleted      []string
	// InvalidationID and InvalidationPaths: the invalidation of the changed pages; empty when no
	// page changed.
	InvalidationID    string
	InvalidationPaths []string
	Started, Finished time.Time
}

// String is the result for people, one fact a line.
func (s *Site) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "site %s: %s\n", s.Action, s.Outcome)
	fmt.Fprintf(&b, "  bucket:       s3://%s\n", s.Bucket)
	fmt.Fprintf(&b, "  distribution: %s\n", s.Distribution)
	release := s.Release
	if s.Previous != "" && s.Previous != s.Release {
		release = s.Previous + " -> " + s.Release
	}
	fmt.Fprintf(&b, "  release:      %s\n", release)
	written := "uploaded"
	if s.Action == "rollback" {
		written = "restored"
	}
	fmt.Fprintf(&b, "  objects:      %d %s, %d unchanged, %d deleted\n", len(s.Uploaded), written, s.Unchanged, len(s.Deleted))
	if s.InvalidationID != "" {
		fmt.Fprintf(&b, "  invalidation: %s (%s)\n", s.InvalidationID, strings.Join(s.InvalidationPaths, " "))
	} else {
		fmt.Fprintf(&b, "  invalidation: none (no page changed)\n")
	}
	if !s.Finished.IsZero() {
		fmt.Fprintf(&b, "  took:         %s\n", s.Finished.Sub(s.Started).Round(time.Millisecond))
	}
	return b.String()
}

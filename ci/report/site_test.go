package report

import (
	"strings"
	"testing"
	"time"
)

func TestSiteString(t *testing.T) {
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	deployed := &Site{Action: "deploy", Outcome: Succeeded, Bucket: "acme-web-staging", Distribution: "E2QWRUHEXAMPLE",
		Release: "8ae93ce68084", Previous: "bf6eb686eb5c", Uploaded: []string{"assets/app.91ea6f7f.css", "index.html"}, Unchanged: 3,
		Deleted: []string{"assets/app.eff82356.css"}, InvalidationID: "I2J0EXAMPLE", InvalidationPaths: []string{"/", "/index.html"},
		Started: start, Finished: start.Add(1234 * time.Millisecond)}
	want := `site deploy: succeeded
  bucket:       s3://acme-web-staging
  distribution: E2QWRUHEXAMPLE
  release:      bf6eb686eb5c -> 8ae93ce68084
  objects:      2 uploaded, 3 unchanged, 1 deleted
  invalidation: I2J0EXAMPLE (/ /index.html)
  took:         1.234s
`
	if got := deployed.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}

	// Nothing changed: one release, no invalidation; a rollback restores rather than uploads.
	unchanged := &Site{Action: "deploy", Outcome: Unchanged, Bucket: "b", Distribution: "D", Release: "r1", Previous: "r1", Unchanged: 5}
	for _, line := range []string{"site deploy: unchanged", "release:      r1\n", "invalidation: none (no page changed)"} {
		if !strings.Contains(unchanged.String(), line) {
			t.Errorf("unchanged lacks %q:\n%s", line, unchanged.String())
		}
	}
	if strings.Contains(unchanged.String(), "took:") {
		t.Errorf("an unfinished result tells a duration:\n%s", unchanged.String())
	}
	rollback := &Site{Action: "rollback", Outcome: Succeeded, Uploaded: []string{"index.html"}}
	if !strings.Contains(rollback.String(), "1 restored, 0 unchanged, 0 deleted") {
		t.Errorf("rollback:\n%s", rollback.String())
	}
}

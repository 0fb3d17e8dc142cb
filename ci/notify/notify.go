// Package notify tells a team about a deploy through an Amazon SNS topic: one message per
// outcome, with what changed, how long it took, the diagnosis when it did not succeed, and the
// link to the CI run. Subscriptions (email, chat, a queue) filter on the message attributes.
//
// This package composes the message and links no AWS SDK, so that the Dagger module can read
// environments with it; package publish sends it. A notification is a courtesy, not part of the
// deploy: publish.Send returns an error for the caller to print as a warning, and never changes
// the deploy's outcome.
package notify

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"dagger/pipeline/report"
)

// topicPattern is an SNS topic ARN: partition, region, account, and a name of letters, digits,
// - and _ (.fifo for a FIFO topic).
var topicPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// CheckTopic reports whether arn can name an SNS topic, before anything is deployed.
func CheckTopic(arn string) error {
	if !topicPattern.MatchString(arn) {
		return fmt.Errorf("%q is not the ARN of an SNS topic", arn)
	}
	return nil
}

// Deploy is what a notification is about.
type Deploy struct {
	Environment string
	Result      *report.Result
	// Err is the deploy's error when it produced no Result (it stopped before changing AWS).
	Err error
	// RunURL links to the CI run that deployed, e.g. a GitHub Actions run; "" when none.
	RunURL string
}

// Message is a notification: SNS's subject and body, and attributes to filter on.
type Message struct {
	Subject    string
	Body       string
	Attributes map[string]string
}

// SNS's limits: a subject of at most 100 ASCII characters on one line, a body of 256 KiB.
const (
	maxSubject = 100
	maxBody    = 256 << 10
)

// Compose writes the message for d; n words the next steps as the caller's commands.
func Compose(d Deploy, n report.Names) Message {
	res := d.Result
	outcome, said := string(report.Failed), "failed before any change"
	if res != nil {
		outcome, said = string(res.Outcome), words(string(res.Outcome))
	}
	var b strings.Builder
	subject := fmt.Sprintf("Deploy to %s: %s", d.Environment, said)
	if res != nil {
		var about []string
		if rev := report.Revision(res.TaskDefinition); rev != "" {
			about = append(about, rev)
		}
		if res.Forced {
			about = append(about, "forced redeploy")
		}
		if len(about) > 0 {
			subject += " (" + strings.Join(about, ", ") + ")"
		}
		fmt.Fprintf(&b, "Environment: %s\n", d.Environment)
		if res.Image != "" {
			fmt.Fprintf(&b, "Image:       %s\n", res.Image)
		}
		if res.Cluster != "" && len(res.Services) == 0 {
			fmt.Fprintf(&b, "Service:     %s/%s\n", res.Cluster, res.Service)
			if change := revisionChange(*res); change != "" {
				fmt.Fprintf(&b, "Revision:    %s\n", change)
			}
		}
		for _, s := range res.Services {
			fmt.Fprintf(&b, "Service:     %s/%s: %s, %s\n", s.Cluster, s.Service, words(string(s.Outcome)), revisionChange(s))
		}
		if !res.Started.IsZero() && !res.Finished.IsZero() {
			fmt.Fprintf(&b, "Duration:    %s\n", res.Finished.Sub(res.Started).Round(time.Second))
		}
		fmt.Fprintf(&b, "Outcome:     %s\n", words(outcome))
		if res.Forced {
			// A redeploy's reader would otherwise look for the image or code that changed.
			b.WriteString("Forced:      a new deployment of the revision that already ran, same image (e.g. for a rotated secret)\n")
		}
		if res.Diagnosis != nil {
			b.WriteString("\n" + report.RenderDiagnosis(res.Diagnosis, n))
		}
	} else {
		fmt.Fprintf(&b, "Environment: %s\nOutcome:     failed before anything changed in AWS\n", d.Environment)
		if d.Err != nil {
			fmt.Fprintf(&b, "\n%s\n", d.Err)
		}
	}
	if d.RunURL != "" {
		fmt.Fprintf(&b, "\nRun: %s\n", d.RunURL)
	}
	return Message{
		Subject:    subjectLine(subject),
		Body:       capBody(b.String()),
		Attributes: map[string]string{"environment": d.Environment, "outcome": outcome},
	}
}

// revisionChange says which revision a service went from and to.
func revisionChange(s report.Result) string {
	switch prev, next := report.Revision(s.PreviousTaskDefinition), report.Revision(s.TaskDefinition); {
	case prev != "" && next != "" && prev != next:
		return prev + " -> " + next
	default:
		return next
	}
}

// words is an outcome as a sentence says it.
func words(outcome string) string {
	switch report.Outcome(outcome) {
	case report.RolledBack:
		return "failed and rolled back"
	case report.Failed:
		return "failed, not rolled back"
	case report.Superseded:
		return "superseded by another deployment, not rolled back"
	}
	return outcome
}

// subjectLine keeps to SNS's subject rules: printable ASCII, one line, 100 characters.
func subjectLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = ' '
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > maxSubject {
		out = out[:maxSubject-3] + "..."
	}
	return out
}

// capBody keeps the body within SNS's limit, cut at a line, saying so.
func capBody(s string) string {
	if len(s) <= maxBody {
		return s
	}
	cut := strings.LastIndexByte(s[:maxBody-64], '\n')
	if cut < 0 {
		cut = maxBody - 64
	}
	for !utf8.ValidString(s[:cut]) {
		cut--
	}
	return s[:cut] + "\n… the rest is in the deploy's log\n"
}

package deploy

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// progress writes the human log: one line per state change and each new service event verbatim.
// It remembers the last state line so that a round that changed nothing prints nothing.
type progress struct {
	w        io.Writer
	lastLine string
	seen     map[string]bool // service event IDs already printed (or older than the run)
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, seen: map[string]bool{}}
}

// printf writes one timestamped line.
func (p *progress) printf(format string, args ...any) {
	fmt.Fprintf(p.w, "  %s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// state writes line unless it is the same as the last state line; it reports whether it wrote.
func (p *progress) state(line string) bool {
	if line == p.lastLine {
		return false
	}
	p.lastLine = line
	p.printf("%s", line)
	return true
}

// markEventsSeen records the events that existed before the run, so only new ones are printed.
func (p *progress) markEventsSeen(events []types.ServiceEvent) {
	for _, e := range events {
		p.seen[aws.ToString(e.Id)] = true
	}
}

// events prints the service events not printed yet, oldest first (ECS lists newest first), and
// reports whether there were any.
func (p *progress) events(events []types.ServiceEvent) bool {
	var fresh []types.ServiceEvent
	for _, e := range events {
		id := aws.ToString(e.Id)
		if !p.seen[id] {
			p.seen[id] = true
			fresh = append(fresh, e)
		}
	}
	sort.SliceStable(fresh, func(i, j int) bool {
		return aws.ToTime(fresh[i].CreatedAt).Before(aws.ToTime(fresh[j].CreatedAt))
	})
	for _, e := range fresh {
		p.printf("event: %s", shortenTaskList(strings.TrimSpace(aws.ToString(e.Message))))
	}
	return len(fresh) > 0
}

// taskMention is how ECS names a task in an event: "(task 0123abcd…)".
var taskMention = regexp.MustCompile(`\(task [0-9a-f]+\)`)

// maxNamedTasks is how many tasks a shortened event names: ECS's task IDs are 32 hex digits, and
// with three of them an event about hundreds of tasks ran past 200 characters.
const maxNamedTasks = 2

// shortenTaskList keeps the first maxNamedTasks tasks an event names and counts the rest: ECS
// names every task it started or stopped, hundreds in a large service.
func shortenTaskList(msg string) string {
	mentions := taskMention.FindAllStringIndex(msg, -1)
	if len(mentions) <= maxNamedTasks {
		return msg
	}
	rest := len(mentions) - maxNamedTasks
	cut, end := mentions[maxNamedTasks-1][1], mentions[len(mentions)-1][1]
	return msg[:cut] + fmt.Sprintf(" (and %d more %s)", rest, plural(rest, "task")) + msg[end:]
}

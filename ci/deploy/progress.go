package deploy

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// progress writes the human log: one line per state change and each new service event verbatim.
// It remembers the last state line so that a round that changed nothing prints nothing.
type progress struct {
	w io.Writer
	// name starts every line of one service's progress in a deploy of several, whose lines
	// interleave (see several.go); "" for a deploy of one.
	name     string
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
	name := ""
	if p.name != "" {
		name = p.name + " | "
	}
	fmt.Fprintf(p.w, "  %s  %s%s\n", time.Now().Format("15:04:05"), name, fmt.Sprintf(format, args...))
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
		p.printf("event: %s", capWidth(shortenTaskList(strings.TrimSpace(aws.ToString(e.Message))), maxEvent))
	}
	return len(fresh) > 0
}

// taskMention is how ECS names a task in an event: "(task 0123abcd…)".
var taskMention = regexp.MustCompile(`\(task [0-9a-f]+\)`)

// maxEvent is the longest event message printed whole; the console keeps the rest. With the
// time and "event: " in front, a line stays under 200 characters.
const maxEvent = 175

// capWidth cuts s to width characters, marking the cut.
func capWidth(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width-1]) + "…"
}

// eventTasks is how many of the tasks an event names it keeps: a task ID is 32 characters.
const eventTasks = 2

// shortenTaskList keeps the first eventTasks tasks an event names and counts the rest: ECS
// names every task it started or stopped, hundreds in a large service.
func shortenTaskList(msg string) string {
	mentions := taskMention.FindAllStringIndex(msg, -1)
	if len(mentions) <= eventTasks {
		return msg
	}
	rest := len(mentions) - eventTasks
	cut, end := mentions[eventTasks-1][1], mentions[len(mentions)-1][1]
	return msg[:cut] + fmt.Sprintf(" (and %d more %s)", rest, plural(rest, "task")) + msg[end:]
}

// lockedWriter lets the progress of several services' watches, which run at once, share one
// writer line by line: printf writes each line in one Write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

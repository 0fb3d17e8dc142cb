// Package plan shows what a deploy would change, changing nothing: a readable, path-by-path diff
// of two JSON documents, such as the service's current task definition and the one a deploy
// would register.
//
// The documents may use any key style: the AWS API's (containerDefinitions, image), or Go field
// names, which is what json.Marshal makes of aws-sdk-go-v2 types (ContainerDefinitions, Image).
// Paths show keys as the documents spell them.
//
// To show task definition and service settings in one plan, diff one document holding both,
// e.g. {"taskDefinition": …, "service": {"desiredCount": …}}; paths then start with the section.
package plan

import (
	"fmt"
	"io"
)

// Kind is what happened to a value.
type Kind int

// The kinds of change.
const (
	Added Kind = iota + 1
	Removed
	Modified
)

// Symbol is the one-character mark of the kind in rendered output.
func (k Kind) Symbol() string {
	switch k {
	case Added:
		return "+"
	case Removed:
		return "-"
	case Modified:
		return "~"
	}
	return "?"
}

// String names the kind: "added", "removed" or "modified".
func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Modified:
		return "modified"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Change is one difference, at Path, e.g. containerDefinitions[app].environment[FEATURE_X]:
// keys joined by ".", array elements by their name in brackets, or by index when they have none.
type Change struct {
	Kind Kind
	Path string
	// Before is the old value as compact JSON; "" when Added, when a whole object or array of
	// objects was Removed, and when Sensitive.
	Before string
	// After is the new value as compact JSON; "" when Removed, when an added object had no
	// fields besides its name, and when Sensitive.
	After string
	// Sensitive marks values hidden because their name looks secret; Before and After are
	// then never filled in.
	Sensitive bool
}

// String renders the change as one line, e.g. `~ containerDefinitions[app].image: "a" → "b"`.
func (c Change) String() string {
	path := c.Path
	if path == "" {
		path = "(document)"
	}
	line := c.Kind.Symbol() + " " + path
	switch {
	case c.Sensitive && c.Kind == Modified:
		return line + ": (sensitive, changed)"
	case c.Sensitive && c.Kind == Added:
		return line + ": (sensitive)"
	case c.Sensitive:
		return line
	case c.Kind == Modified:
		return line + ": " + c.Before + " → " + c.After
	case c.Kind == Added && c.After != "":
		return line + ": " + c.After
	case c.Kind == Removed && c.Before != "":
		return line + ": " + c.Before
	}
	return line
}

// Render writes one line per change and a summary, or "no changes" when there are none.
func Render(w io.Writer, changes []Change) error {
	if len(changes) == 0 {
		_, err := io.WriteString(w, "no changes\n")
		return err
	}
	counts := map[Kind]int{}
	for _, c := range changes {
		if _, err := io.WriteString(w, c.String()+"\n"); err != nil {
			return err
		}
		counts[c.Kind]++
	}
	_, err := fmt.Fprintf(w, "%d to add, %d to change, %d to remove\n", counts[Added], counts[Modified], counts[Removed])
	return err
}

package environments

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with environments.json, phrased so that it can
// be fixed without reading the code: where, what is wrong, and what to do.
type Problem struct {
	// Environment is the environment's name; empty for file-level problems.
	Environment string
	// Key is the offending key, e.g. "accountId" or "deployOn.branches".
	Key string
	// Message says what is wrong and why.
	Message string
	// Fix says what to change.
	Fix string
}

// String renders the problem as one line: where, what, and the fix.
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.Environment != "" && p.Key != "":
		fmt.Fprintf(&b, "environment %q, key %q: ", p.Environment, p.Key)
	case p.Environment != "":
		fmt.Fprintf(&b, "environment %q: ", p.Environment)
	case p.Key != "":
		fmt.Fprintf(&b, "key %q: ", p.Key)
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString(". Fix: ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// ValidationError lists every problem found in environments.json, in file order.
type ValidationError struct {
	Problems []Problem
	// File names the file in the message when set; "environments.json" otherwise.
	File string
}

func newValidationError(problems []Problem) *ValidationError {
	return &ValidationError{Problems: problems}
}

// Error lists every problem, one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	file := e.File
	if file == "" {
		file = "environments.json"
	}
	fmt.Fprintf(&b, "%s has %d %s:", file, len(e.Problems), noun)
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

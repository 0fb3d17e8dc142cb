package report

import (
	"errors"
	"strings"
)

// Fault is an error about the engine's inputs, detected before anything changed in AWS
// (deploy.InputError): it names the fields at fault and, when there is one, a step that gets
// the person where they wanted to go another way.
type Fault interface {
	error
	Faults() (fields []Field, next *Step)
}

// Explain is err's message for a person, with the caller's words added when err is (or wraps)
// a Fault: where the fields at fault are set, and the command of its next step.
func Explain(err error, n Names) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var fault Fault
	if !errors.As(err, &fault) {
		return msg
	}
	fields, next := fault.Faults()
	if len(fields) > 0 {
		if where := n.Inputs(fields...); where != "" {
			msg += " (" + where + ")"
		}
	}
	if next != nil {
		msg += "; " + StepLine(*next, n)
	}
	return msg
}

// Sentence says an input error the way every package's reads: what is wrong, then why it
// matters and what to do, each left out when empty ("what: why; fix").
func Sentence(what, why, fix string) string {
	var b strings.Builder
	b.WriteString(what)
	if why != "" {
		b.WriteString(": ")
		b.WriteString(why)
	}
	if fix != "" {
		b.WriteString("; ")
		b.WriteString(fix)
	}
	return b.String()
}

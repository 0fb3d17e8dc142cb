package site

import "dagger/pipeline/report"

// InputError reports bad input found before anything in AWS changed: a missing or empty
// directory, a bucket or distribution that does not exist, a rollback with nothing to go back to.
// It says what is wrong, why it matters and what to do, in the package's terms (bucket,
// distribution, directory); callers name their own flags or keys.
type InputError struct {
	What  string // what is wrong, naming the offending value
	Why   string // why it is rejected
	Fix   string // what to do about it
	Field Field  // the input at fault, for the caller to name as its flag or key; "" when none is
	Err   error  // the underlying error, if any
}

// Field is an input of a site deploy, which each caller names its own way.
type Field string

// The inputs an InputError can be about.
const (
	FieldDirectory    Field = "directory"
	FieldBucket       Field = "bucket"
	FieldDistribution Field = "distribution"
)

func (e *InputError) Error() string { return report.Sentence(e.What, e.Why, e.Fix) }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

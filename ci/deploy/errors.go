package deploy

import (
	"context"
	"errors"

	"github.com/aws/smithy-go"

	"dagger/pipeline/report"
)

// InputError reports bad input detected before anything in AWS changed: an unknown cluster,
// service or container, an image reference that is not pinned to a digest, or a task definition
// that cannot be registered. The message says what is wrong, why it matters and what to do, in
// the engine's terms; Fields and Next let the caller add where a person sets those inputs and
// the command to run (see report.Explain).
type InputError struct {
	What string // what is wrong, naming the offending value
	Why  string // why it is rejected
	Fix  string // what to do about it
	// Fields are the inputs at fault, for the caller to name as its flags or configuration keys.
	Fields []report.Field
	// Next, when set, is an action that gets the person where they wanted to go another way
	// (e.g. deploy the image a rollback could not find).
	Next *report.Step
	Err  error // the underlying error, if any
}

func (e *InputError) Error() string { return report.Sentence(e.What, e.Why, e.Fix) }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// Faults returns the fields at fault and the step offered instead, for report.Explain.
func (e *InputError) Faults() ([]report.Field, *report.Step) { return e.Fields, e.Next }

// Exit codes of the ecs-deploy CLI and of the pipeline's deploy step (see ExitCode).
const (
	ExitOK          = 0 // succeeded, unchanged, or started without waiting
	ExitRolledBack  = 1 // the deploy failed and the service is back on the previous revision
	ExitBadInput    = 2 // bad input: nothing changed in AWS
	ExitFailed      = 3 // failed and NOT rolled back (no-rollback, rollback failed, superseded)
	ExitInterrupted = 4 // interrupted while waiting: the state was reported with the rollback command
	ExitAWSError    = 5 // AWS refused or failed before any change (e.g. access denied)
)

// ExitCode maps a Deploy/Rollback outcome to the CLI's exit code:
// 0 succeeded/unchanged/started; 1 failed and rolled back; 2 bad input (nothing changed);
// 3 failed and NOT rolled back (no-rollback, rollback failed, superseded); 4 interrupted;
// 5 AWS error before any change (e.g. access denied).
func ExitCode(res *Result, err error) int {
	var inputErr *InputError
	if errors.As(err, &inputErr) {
		return ExitBadInput
	}
	if res == nil {
		switch {
		case err == nil:
			return ExitOK
		case errors.Is(err, context.Canceled):
			return ExitInterrupted
		default:
			return ExitAWSError
		}
	}
	switch res.Outcome {
	case Succeeded, Unchanged, Started:
		if err == nil {
			return ExitOK
		}
		return ExitFailed
	case RolledBack:
		return ExitRolledBack
	case Interrupted:
		return ExitInterrupted
	default: // Failed, Superseded, or an AWS error after a change
		return ExitFailed
	}
}

// errorCode returns the AWS error code of err ("ClusterNotFoundException", "Throttling", ...), or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// errorMessage returns the AWS error message of err without the SDK's operation and request-id
// decoration, so InputErrors read as one sentence.
func errorMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorMessage() != "" {
		return apiErr.ErrorMessage()
	}
	return err.Error()
}

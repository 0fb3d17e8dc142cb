package deploy

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Retry policy for every AWS call the engine makes. ECS and ELBv2 throttle per account and
// region, so a busy account answers ThrottlingException (ECS) or Throttling (ELBv2) to a deploy
// that did nothing wrong; 5xx answers are transient too. Neither may fail a deploy, so:
//   - more attempts than the SDK's default 3;
//   - the backoff is capped at 1 s: a deploy waits on these answers (a longer cap made the
//     benchmark's throttling scenario see the final state up to 6 s late), and one retry a
//     second is the watcher's call budget anyway;
//   - the watcher's looks are the exception: they make one attempt each and the watcher's
//     schedule retries them, backing off (see callPolicy once and schedule.failed);
//   - no client-side retry quota (ratelimit.None): the SDK's token bucket turns a long burst of
//     throttling into "retry quota exceeded", which is exactly the failure we must avoid.
const (
	retryMaxAttempts = 10
	retryMaxBackoff  = time.Second
)

// retryableCodes are server-side failures that some services report with a 4xx status or
// without the status the SDK's defaults look at.
var retryableCodes = map[string]struct{}{
	"ServerException":             {}, // ECS: "Server exception" (HTTP 500)
	"ServiceUnavailable":          {},
	"InternalFailure":             {},
	"InternalError":               {},
	"ServiceUnavailableException": {},
}

// NewRetryer returns the engine's retryer: standard retries with the tuning above. NewClients
// installs it, and the engine also sets it per call so that clients built elsewhere get it too.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = retryMaxAttempts
		o.MaxBackoff = retryMaxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: retryableCodes})
	})
}

// isTransient reports whether err is the kind the retryer retries (throttling, 5xx, network):
// when a look meets one, the watcher backs off and looks again instead of failing the deploy.
func isTransient(err error) bool {
	return NewRetryer().IsErrorRetryable(err)
}

package fakeaws

import (
	"fmt"
	"net/http"
	"time"
)

// Fault makes the fake answer an operation with an AWS error the way a denied permission, a
// refusing service or a reply lost on its way back would. Faults in Config apply from the start;
// the Inject action adds one at a point of the scenario's timeline.
type Fault struct {
	Op      string // the operation, e.g. "UpdateService" or "DescribeTargetHealth"
	Code    string // the AWS error code, e.g. "AccessDeniedException"; HTTP 400
	Message string // default: a message in AWS's words for the code
	Skip    int    // let this many requests of Op through before failing
	Times   int    // fail this many; 0: every request of Op from then on
	// Applied: the request takes effect and the error is answered anyway, as when the reply
	// is lost after ECS acted on it.
	Applied bool
}

// Inject adds f from this point of the timeline.
func Inject(f Fault) Action {
	return Action{name: fmt.Sprintf("Inject(%s %s)", f.Op, f.Code), apply: func(fk *Fake, _ *timeline, _ time.Time) {
		fk.faults = append(fk.faults, &activeFault{Fault: f})
	}}
}

type activeFault struct {
	Fault
	seen, failed int
}

// faultFor counts a request of op against the faults and returns the one that fails it, if any.
func (f *Fake) faultFor(op string) *Fault {
	for _, af := range f.faults {
		if af.Op != op {
			continue
		}
		af.seen++
		if af.seen <= af.Skip || (af.Times > 0 && af.failed >= af.Times) {
			continue
		}
		af.failed++
		return &af.Fault
	}
	return nil
}

func (fault *Fault) message() string {
	if fault.Message != "" {
		return fault.Message
	}
	switch fault.Code {
	case "AccessDeniedException", "AccessDenied":
		return fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/deploy/ci is not authorized to perform: %s", DefaultAccount, fault.Op)
	default:
		return fault.Code
	}
}

// writeFault answers the fault in the operation's protocol.
func writeFault(w http.ResponseWriter, ecsOp bool, fault *Fault) {
	if ecsOp {
		writeECSError(w, http.StatusBadRequest, fault.Code, fault.message())
		return
	}
	writeQueryError(w, http.StatusBadRequest, "Sender", fault.Code, fault.message())
}

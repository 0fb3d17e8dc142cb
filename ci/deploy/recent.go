package deploy

import (
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// recentEnough is how old a reading may be, by default, to stand for "now" in a diagnosis. A
// diagnosis is written the moment the watcher's last look ends, so reading the same service and
// target groups again would only repeat the calls. A run that watches sets its own (its
// PollPolicy.Max, see recent.maxAge).
const recentEnough = 500 * time.Millisecond

type reading[T any] struct {
	at    time.Time
	value T
}

// recent keeps the run's last reading of each service and target group. The watches of a
// deploy of several services share it, so it locks.
type recent struct {
	mu       sync.Mutex
	services map[string]reading[*types.Service]
	health   map[string]reading[[]elbtypes.TargetHealthDescription]
	// maxAge is how old a reading may be to stand for now (0: recentEnough). A watching run
	// sets its PollPolicy.Max: the watcher acts on readings that old (it looks at each source
	// at least every Max, alternating them), so a diagnosis may rest on them too; the target
	// reading is typically one tick older than the service reading that ended the watch.
	maxAge time.Duration
}

func (r *recent) fresh(at time.Time) bool {
	limit := r.maxAge
	if limit <= 0 {
		limit = recentEnough
	}
	return time.Since(at) <= limit
}

func (r *recent) putService(cluster, service string, svc *types.Service) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.services == nil {
		r.services = map[string]reading[*types.Service]{}
	}
	r.services[cluster+"|"+service] = reading[*types.Service]{time.Now(), svc}
}

func (r *recent) service(cluster, service string) (*types.Service, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, ok := r.services[cluster+"|"+service]
	return got.value, ok && r.fresh(got.at)
}

func (r *recent) putHealth(groupArn string, descs []elbtypes.TargetHealthDescription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.health == nil {
		r.health = map[string]reading[[]elbtypes.TargetHealthDescription]{}
	}
	r.health[groupArn] = reading[[]elbtypes.TargetHealthDescription]{time.Now(), descs}
}

func (r *recent) targetHealth(groupArn string) ([]elbtypes.TargetHealthDescription, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got, ok := r.health[groupArn]
	return got.value, ok && r.fresh(got.at)
}

package deploy

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// recentEnough is how old a reading may be to stand for "now" in a diagnosis. A diagnosis is
// written the moment the watcher's last look ends, so reading the same service and target
// groups again would only repeat the calls.
const recentEnough = 500 * time.Millisecond

type reading[T any] struct {
	at    time.Time
	value T
}

// recent keeps the run's last reading of each service and target group.
type recent struct {
	services map[string]reading[*types.Service]
	health   map[string]reading[[]elbtypes.TargetHealthDescription]
}

func (r *recent) putService(cluster, service string, svc *types.Service) {
	if r.services == nil {
		r.services = map[string]reading[*types.Service]{}
	}
	r.services[cluster+"|"+service] = reading[*types.Service]{time.Now(), svc}
}

func (r *recent) service(cluster, service string) (*types.Service, bool) {
	got, ok := r.services[cluster+"|"+service]
	return got.value, ok && time.Since(got.at) <= recentEnough
}

func (r *recent) putHealth(groupArn string, descs []elbtypes.TargetHealthDescription) {
	if r.health == nil {
		r.health = map[string]reading[[]elbtypes.TargetHealthDescription]{}
	}
	r.health[groupArn] = reading[[]elbtypes.TargetHealthDescription]{time.Now(), descs}
}

func (r *recent) targetHealth(groupArn string) ([]elbtypes.TargetHealthDescription, bool) {
	got, ok := r.health[groupArn]
	return got.value, ok && time.Since(got.at) <= recentEnough
}

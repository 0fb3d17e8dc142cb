package deploy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// throttlingECS answers DescribeServices with ThrottlingException while throttle > 0
// (decrementing it), then with an ACTIVE service; it counts the requests.
type throttlingECS struct {
	throttle atomic.Int32
	requests atomic.Int32
}

func (s *throttlingECS) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.requests.Add(1)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if s.throttle.Add(-1) >= 0 {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
		return
	}
	_, _ = w.Write([]byte(`{"services":[{"serviceName":"app","status":"ACTIVE","desiredCount":1}],"failures":[]}`))
}

func throttlingClients(t *testing.T, fake *throttlingECS) Clients {
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return NewClients(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("x", "x", ""),
		BaseEndpoint: aws.String(srv.URL),
	})
}

// A watcher's look makes one attempt: throttling ends the look (the schedule backs off and
// looks again) instead of the SDK's retries multiplying the calls. Every other call keeps the
// engine's retries, including those made for a failure's evidence once the watch is over.
func TestLooksMakeOneAttemptOtherCallsRetry(t *testing.T) {
	fake := &throttlingECS{}
	a := newAPI(throttlingClients(t, fake))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	fake.throttle.Store(1)
	if _, err := a.describeService(ctx, once, "prod", "app"); err == nil || !isTransient(err) {
		t.Fatalf("a throttled look: err = %v, want the throttling error (transient)", err)
	}
	if n := fake.requests.Load(); n != 1 || a.calls.Count() != 1 {
		t.Fatalf("a throttled look made %d requests (%d counted), want 1", n, a.calls.Count())
	}

	fake.throttle.Store(1)
	svc, err := a.describeService(ctx, retried, "prod", "app")
	if err != nil || aws.ToString(svc.ServiceName) != "app" {
		t.Fatalf("outside a look, throttling once: %v, %v; want the service after a retry", svc, err)
	}
	if n := fake.requests.Load(); n != 3 || a.calls.Count() != 3 {
		t.Errorf("requests = %d (%d counted), want 3: the look's 1, then a throttled attempt and its retry", n, a.calls.Count())
	}
}

// The waiting budget starts at the UpdateService that starts our deployment and counts it (the
// average callers measure); the run's watches, its rollback's included, share that budget.
func TestWaitBudgetStartsAtUpdateServiceAndCountsIt(t *testing.T) {
	r := &run{api: newAPI(throttlingClients(t, &throttlingECS{}))}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := r.api.describeService(ctx, retried, "prod", "app"); err != nil { // before the update: not counted
		t.Fatal(err)
	}
	r.startUpdate()
	b := r.budget
	if got := b.spent(); got != 0 || !b.start.Equal(r.updateAt) {
		t.Fatalf("at UpdateService: spent %d from %s, want 0 from the update (%s)", got, b.start, r.updateAt)
	}
	if _, err := r.api.describeService(ctx, retried, "prod", "app"); err != nil { // stands for UpdateService
		t.Fatal(err)
	}
	if got := b.spent(); got != 1 {
		t.Errorf("spent after the call that stands for UpdateService = %d, want 1", got)
	}
	if r.waitBudget() != b || r.spec(Target{}, &plan{svc: &types.Service{}}, "", "", "", nil).budget != b {
		t.Error("the watches do not share the budget startUpdate started")
	}
}

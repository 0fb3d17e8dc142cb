package deploy

import (
	"context"
	"testing"
	"time"

	"dagger/pipeline/internal/moto"
)

// Moto has no service deployment API: the history is skipped without retries, and the
// second time without a call at all.
func TestDeploymentHistoryFallsBackWhenTheAPIIsMissing(t *testing.T) {
	srv := moto.Start(t)
	a := newAPI(NewClients(srv.Config))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if got := a.deploymentHistory(ctx, "prod", "app", "ecs-svc/1", "", time.Now()); got != nil {
		t.Fatalf("history from moto = %q, want none", got)
	}
	if !a.noServiceDeployments.Load() {
		t.Fatal("moto's answer was not recognised as a missing API")
	}
	if n := a.calls.Count(); n != 1 {
		t.Errorf("calls = %d, want 1 (ListServiceDeployments once, not retried)", n)
	}
	if got := a.deploymentHistory(ctx, "prod", "app", "ecs-svc/1", "", time.Now()); got != nil || a.calls.Count() != 1 {
		t.Errorf("second try: %q after %d calls; want nothing, and no call", got, a.calls.Count())
	}
}

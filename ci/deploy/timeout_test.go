package deploy_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/report"
)

// A rollout that never progresses times out, and the diagnosis says which condition did not
// hold; with NoRollback it says exactly how to roll back.
func TestTimeoutNamesTheUnmetCondition(t *testing.T) {
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.Scenario{Name: "Stuck", Unit: time.Second}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	clients := deploy.NewClients(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), BaseEndpoint: aws.String(srv.URL),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var progress strings.Builder
	res, err := deploy.Deploy(ctx, clients, deploy.Options{
		Target:     deploy.Target{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Container: fakeaws.DefaultContainer},
		Image:      fakeaws.NewImage,
		Timeout:    time.Second,
		NoRollback: true,
		Poll:       deploy.PollPolicy{Initial: 50 * time.Millisecond, Max: 100 * time.Millisecond, CallsPerSecond: 40},
		Progress:   &progress,
	})
	if err == nil || res == nil || res.Outcome != deploy.Failed || deploy.ExitCode(res, err) != 3 {
		t.Fatalf("Deploy = %+v, %v; want Failed (exit 3)", res, err)
	}
	d := res.Diagnosis
	if !strings.Contains(d.Summary, "timed out after 1s waiting for deployment "+res.DeploymentID) ||
		!strings.Contains(d.Summary, "0 of 2 tasks of web:2 running") {
		t.Errorf("summary %q should say it timed out and which condition did not hold", d.Summary)
	}
	if !strings.Contains(strings.Join(d.Evidence, "\n"), "is IN_PROGRESS, not COMPLETED") {
		t.Errorf("evidence %q should list every condition that did not hold", d.Evidence)
	}
	if !slices.Contains(d.NextSteps, report.Step{Note: "not rolled back, as the deploy was told; to roll back", Action: report.Rollback, Revision: "web:1"}) {
		t.Errorf("next steps %+v should say how to roll back to web:1", d.NextSteps)
	}
	if got := fake.UpdateServiceRequests(); len(got) != 1 {
		t.Errorf("UpdateService calls = %v; NoRollback must not roll back", got)
	}
	if strings.Count(progress.String(), "running 0/2 pending 0") != 1 {
		t.Errorf("an unchanged state must print once:\n%s", progress.String())
	}
	t.Logf("diagnosis:\n%s", d)
}

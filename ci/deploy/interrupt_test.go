package deploy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

// Ctrl-C after RegisterTaskDefinition, while UpdateService is on its way: the service was not
// changed, so the new revision is an orphan. It is deregistered and the outcome says so.
func TestInterruptBeforeUpdateDeregistersTheOrphanRevision(t *testing.T) {
	t.Parallel()
	fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.HealthyRollout(100 * time.Millisecond)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// UpdateService never reaches the fake: the server holds it until the client gives up.
	updateHeld := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".UpdateService") {
			fake.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		close(updateHeld)
		select {
		case <-r.Context().Done(): // the client cancelled: the connection is gone
		case <-time.After(30 * time.Second):
		}
	}))
	defer srv.Close()
	clients := deploy.NewClients(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), BaseEndpoint: aws.String(srv.URL),
	})
	go func() {
		select {
		case <-updateHeld: // RegisterTaskDefinition answered, UpdateService sent
			cancel() // Ctrl-C
		case <-ctx.Done():
		}
	}()
	var progress strings.Builder
	res, err := deploy.Deploy(ctx, clients, deploy.Options{
		Target:   deploy.Target{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Container: fakeaws.DefaultContainer},
		Image:    fakeaws.NewImage,
		Timeout:  20 * time.Second,
		Progress: &progress,
	})
	if res == nil {
		t.Fatalf("no Result after a revision was registered (err %v)", err)
	}
	if res.Outcome != deploy.Interrupted || deploy.ExitCode(res, err) != deploy.ExitInterrupted || !errors.Is(err, context.Canceled) {
		t.Errorf("outcome %s, exit code %d, err %v; want interrupted (4) caused by the cancellation", res.Outcome, deploy.ExitCode(res, err), err)
	}
	if res.TaskDefinition != fake.TaskDefinitionArn(2) || res.DeploymentID != "" {
		t.Errorf("result: revision %s, deployment %q; want revision 2 and no deployment", res.TaskDefinition, res.DeploymentID)
	}
	if got := fake.TaskDefinitionStatus(2); got != "INACTIVE" {
		t.Errorf("the orphan revision is %s, want INACTIVE (deregistered)", got)
	}
	if got := fake.ServiceTaskDefinition(); got != fake.TaskDefinitionArn(1) || len(fake.UpdateServiceRequests()) != 0 {
		t.Errorf("service on %s after %d UpdateService calls; want revision 1 untouched", got, len(fake.UpdateServiceRequests()))
	}
	d := res.Diagnosis.String()
	for _, want := range []string{"before updating service " + fakeaws.DefaultService, "the service was not changed",
		"the unused revision " + fakeaws.DefaultFamily + ":2 was deregistered", "nothing to undo"} {
		if !strings.Contains(d, want) {
			t.Errorf("diagnosis lacks %q:\n%s", want, d)
		}
	}
	if !strings.Contains(progress.String(), "was deregistered") {
		t.Errorf("progress does not say so:\n%s", progress.String())
	}
}

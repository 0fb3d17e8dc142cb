package deploy_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/pipeline/deploy"
	"dagger/pipeline/internal/fakeaws"
)

// deployOnFake runs deploy.Deploy with fast polling against a fresh fake playing cfg.
func deployOnFake(t *testing.T, cfg fakeaws.Config) (*fakeaws.Fake, *deploy.Result, error) {
	t.Helper()
	fake := fakeaws.New(cfg)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	clients := deploy.NewClients(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), BaseEndpoint: aws.String(srv.URL),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := deploy.Deploy(ctx, clients, deploy.Options{
		Target:  deploy.Target{Cluster: fakeaws.DefaultCluster, Service: fakeaws.DefaultService, Container: fakeaws.DefaultContainer},
		Image:   fakeaws.NewImage,
		Timeout: 20 * time.Second,
		Poll:    deploy.PollPolicy{Initial: 20 * time.Millisecond, Max: 50 * time.Millisecond, CallsPerSecond: 200},
	})
	if res == nil || res.Diagnosis == nil {
		t.Fatalf("Deploy = %+v, %v; want a diagnosis", res, err)
	}
	return fake, res, err
}

// When ECS's circuit breaker rolls back, the diagnosis says, from DescribeServiceDeployments,
// how our service deployment ended, what triggered the rollback and where to.
func TestDiagnosisTellsTheServiceDeploymentHistory(t *testing.T) {
	t.Parallel()
	fake, res, _ := deployOnFake(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(100 * time.Millisecond)})
	if res.Outcome != deploy.RolledBack {
		t.Fatalf("outcome = %s, want rolled-back\n%s", res.Outcome, res.Diagnosis)
	}
	d := res.Diagnosis.String()
	t.Logf("diagnosis:\n%s", d)
	for _, want := range []string{
		"(ours): ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start.",
		"circuit breaker TRIGGERED: 3 failed tasks (threshold 3)",
		"ECS rolled back to the revision that ran before (" + fakeaws.DefaultFamily + ":1, service revision arn:aws:ecs:",
		": Circuit Breaker has been triggered",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diagnosis lacks %q:\n%s", want, d)
		}
	}
	if n, m := fake.CallCount("ListServiceDeployments"), fake.CallCount("DescribeServiceDeployments"); n != 1 || m != 1 {
		t.Errorf("ListServiceDeployments ×%d, DescribeServiceDeployments ×%d; want each once", n, m)
	}
}

// Without the API the diagnosis rests on DescribeServices alone: same outcome and evidence,
// one failed try, no DescribeServiceDeployments.
func TestDiagnosisWithoutServiceDeploymentsAPI(t *testing.T) {
	t.Parallel()
	fake, res, _ := deployOnFake(t, fakeaws.Config{Scenario: fakeaws.CircuitBreakerRollback(100 * time.Millisecond), NoServiceDeployments: true})
	if res.Outcome != deploy.RolledBack {
		t.Fatalf("outcome = %s, want rolled-back\n%s", res.Outcome, res.Diagnosis)
	}
	d := res.Diagnosis.String()
	if !strings.Contains(d, "ECS deployment circuit breaker: tasks failed to start.") || strings.Contains(d, "service deployment ") {
		t.Errorf("diagnosis without the API:\n%s", d)
	}
	if n, m := fake.CallCount("ListServiceDeployments"), fake.CallCount("DescribeServiceDeployments"); n != 1 || m != 0 {
		t.Errorf("ListServiceDeployments ×%d, DescribeServiceDeployments ×%d; want 1 and 0", n, m)
	}
}

package moto_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"dagger/pipeline/internal/moto"
)

func TestStartServesECSAndResetEmptiesIt(t *testing.T) {
	srv := moto.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := ecs.NewFromConfig(srv.Config)
	if _, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("c1")}); err != nil {
		t.Fatalf("CreateCluster against %s: %v", srv.Endpoint, err)
	}
	out, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 1 {
		t.Fatalf("ListClusters = %v, %v; want the one cluster", out, err)
	}
	srv.Reset(t)
	out, err = client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 0 {
		t.Fatalf("after Reset, ListClusters = %v, %v; want none", out.ClusterArns, err)
	}
}

// Without moto_server, a test that needs it fails by default, since a skip prints nothing without
// -v; SKIP_AWS_TESTS=1 turns the failure into a skip. Run as a child test process with a PATH
// that has no moto_server and no MOTO_ENDPOINT.
func TestStartWithoutMotoFailsUnlessOptedOut(t *testing.T) {
	if os.Getenv("MOTO_TEST_CHILD") == "1" {
		moto.Start(t)
		t.Fatal("Start returned without moto_server")
	}
	for _, c := range []struct {
		skipEnv  string
		wantFail bool
		wantLine string
	}{
		{"", true, "moto_server not found on PATH: this test needs it (pip install 'moto[server]==5.2.1', or set MOTO_ENDPOINT to a running moto); to run the other tests without the AWS ones, set SKIP_AWS_TESTS=1"},
		{"1", false, "--- SKIP: TestStartWithoutMotoFailsUnlessOptedOut"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartWithoutMotoFailsUnlessOptedOut$", "-test.v")
		cmd.Env = []string{"MOTO_TEST_CHILD=1", "PATH=" + t.TempDir(), moto.EnvSkip + "=" + c.skipEnv}
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != c.wantFail {
			t.Errorf("%s=%q: failed = %v, want %v; output:\n%s", moto.EnvSkip, c.skipEnv, failed, c.wantFail, out)
		}
		if !strings.Contains(string(out), c.wantLine) {
			t.Errorf("%s=%q: output lacks %q:\n%s", moto.EnvSkip, c.skipEnv, c.wantLine, out)
		}
	}
}

// Package moto runs the moto AWS emulator (moto_server) for tests: real SDK clients over real
// HTTP against an emulated ECS and ELBv2.
package moto

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region the emulator and Config use.
const Region = "us-east-1"

// EnvEndpoint names the variable that points tests at an already-running moto (CI may start one
// as a service); then Start only resets its state.
const EnvEndpoint = "MOTO_ENDPOINT"

// EnvSkip names the variable that lets tests skip when moto_server (or the AWS CLI) is missing.
// Without it they fail: a skipped test prints nothing without -v, so a machine without moto would
// pass the whole suite while testing none of the AWS code.
const EnvSkip = "SKIP_AWS_TESTS"

// Missing ends a test that needs tool, which is not installed: it fails, saying how to install it
// (install) and how to opt out, or skips when $SKIP_AWS_TESTS is 1.
func Missing(t testing.TB, tool, install string) {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s not found on PATH; skipped because %s=1", tool, EnvSkip)
	}
	t.Fatalf("%s not found on PATH: this test needs it (%s); to run the other tests without the AWS ones, set %s=1", tool, install, EnvSkip)
}

// installMoto says how to install the moto_server this package runs.
const installMoto = "pip install 'moto[server]==5.2.1'"

// startTimeout bounds how long moto_server may take to answer (it usually takes about 2 s).
const startTimeout = 30 * time.Second

// Server is a running moto.
type Server struct {
	Endpoint string     // http://127.0.0.1:PORT
	Config   aws.Config // dummy credentials, us-east-1, BaseEndpoint = Endpoint
}

// Start returns a moto with empty state: the one at $MOTO_ENDPOINT (reset first), or a
// moto_server started on a free loopback port and stopped in t.Cleanup. When moto_server is not
// on PATH and no MOTO_ENDPOINT is set, the test fails (see Missing).
//
// Starting moto takes about 2 s; tests that need several clean states should Start once and
// call Reset between subtests. A shared MOTO_ENDPOINT has one state: do not run such tests in
// parallel.
func Start(t testing.TB) *Server {
	t.Helper()
	if endpoint := strings.TrimRight(os.Getenv(EnvEndpoint), "/"); endpoint != "" {
		s := newServer(endpoint)
		s.Reset(t)
		return s
	}
	return start(t, installMoto+", or set "+EnvEndpoint+" to a running moto")
}

// StartInAccount returns a moto_server of its own, started on a free loopback port and stopped in
// t.Cleanup, whose callers all belong to account (a 12-digit ID): what STS GetCallerIdentity
// answers and what ARNs carry. It never uses $MOTO_ENDPOINT, whose account is fixed when it starts.
func StartInAccount(t testing.TB, account string) *Server {
	t.Helper()
	return start(t, installMoto, "MOTO_ACCOUNT_ID="+account)
}

// start runs moto_server with env added to this process's environment; install says how to get it.
func start(t testing.TB, install string, env ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Missing(t, "moto_server", install)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("moto: find a free port: %v", err)
	}
	var output bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &output, &output
	cmd.Env = append(os.Environ(), env...)
	// Its own process group, so that stopping it also stops whatever a shim (pyenv) started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("moto: start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	s := newServer("http://127.0.0.1:" + strconv.Itoa(port))
	if err := s.awaitReady(exited); err != nil {
		t.Fatalf("moto: %v; its output:\n%s", err, output.String())
	}
	return s
}

func newServer(endpoint string) *Server {
	return &Server{
		Endpoint: endpoint,
		Config: aws.Config{
			Region:       Region,
			Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
			BaseEndpoint: aws.String(endpoint),
		},
	}
}

// awaitReady polls moto's API until it answers, the process exits, or startTimeout passes.
func (s *Server) awaitReady(exited <-chan error) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("moto_server did not answer at %s within %s: %v", s.Endpoint, startTimeout, err)
		}
		select {
		case err := <-exited:
			return fmt.Errorf("moto_server exited before answering: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Reset empties moto's state (all services, all regions).
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		t.Fatalf("moto: reset: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto: reset %s: %v", s.Endpoint, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto: reset %s: HTTP %d", s.Endpoint, resp.StatusCode)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

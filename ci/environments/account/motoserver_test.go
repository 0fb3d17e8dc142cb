package account

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"dagger/pipeline/internal/moto"
)

// motoServer is a moto_server process on a free loopback port. (ci/internal/moto
// did not exist when this package was written; this starter is deliberately tiny.)
type motoServer struct {
	Endpoint string
}

// startMoto starts moto_server with extra environment variables (such as
// MOTO_ACCOUNT_ID) and stops it when the test ends.
func startMoto(t *testing.T, env ...string) *motoServer {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		moto.Missing(t, "moto_server", "pip install 'moto[server]==5.2.1'")
	}
	port := freePort(t)
	logPath := filepath.Join(t.TempDir(), "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = logFile.Close()
	})

	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			return &motoServer{Endpoint: endpoint}
		}
		select {
		case err := <-exited:
			exited <- err
			log, _ := os.ReadFile(logPath)
			t.Fatalf("moto_server exited before answering: %v\n%s", err, log)
		case <-ctx.Done():
			log, _ := os.ReadFile(logPath)
			t.Fatalf("moto_server did not answer on %s within 30s\n%s", endpoint, log)
		case <-tick.C:
		}
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("unexpected listener address %v", l.Addr())
	}
	return addr.Port
}

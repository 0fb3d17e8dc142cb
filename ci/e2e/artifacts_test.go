//go:build e2e

package e2e

import (
	"archive/tar"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wantVersion is the version the workspace's HEAD builds as: one commit after v1.4.0.
func wantVersion(t *testing.T, w *workspace) string {
	return "1.4.1-dev.1+" + w.head(t)[:12]
}

func testBuild(t *testing.T, w *workspace) {
	out := filepath.Join(t.TempDir(), "service")
	w.mustCall(t, "call", "build", "export", "--path="+out)
	version := runVersion(t, out)
	if version["version"] != wantVersion(t, w) || version["commit"] != w.head(t) {
		t.Errorf("the exported binary says %v, want version %s and commit %s", version, wantVersion(t, w), w.head(t))
	}
	wantMachine(t, out, elf.EM_X86_64)
	arm := filepath.Join(t.TempDir(), "service-arm64")
	w.mustCall(t, "call", "build", "--arch=arm64", "export", "--path="+arm)
	wantMachine(t, arm, elf.EM_AARCH64)
}

// wantMachine fails the test unless path is an ELF binary for machine.
func wantMachine(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s is not an ELF binary: %v", path, err)
	}
	defer f.Close()
	if f.Machine != machine {
		t.Errorf("%s is a %v binary, want %v", path, f.Machine, machine)
	}
}

// runVersion runs `service version` and decodes its JSON line.
func runVersion(t *testing.T, binary string) map[string]string {
	t.Helper()
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", binary, err)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s version printed %q: %v", binary, out, err)
	}
	return got
}

// ociImage is what the suite reads from an exported OCI tarball.
type ociImage struct {
	Config struct {
		User         string              `json:"User"`
		Entrypoint   []string            `json:"Entrypoint"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
		Labels       map[string]string   `json:"Labels"`
		Env          []string            `json:"Env"`
	} `json:"config"`
	layerBytes int64
}

func testContainer(t *testing.T, w *workspace) {
	tarball := filepath.Join(t.TempDir(), "service.tar")
	w.mustCall(t, "call", "container", "export", "--path="+tarball)
	img := readOCI(t, tarball)
	c := img.Config
	if c.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532 (distroless nonroot)", c.User)
	}
	if strings.Join(c.Entrypoint, " ") != "/app/service" {
		t.Errorf("entrypoint = %q, want [/app/service]", c.Entrypoint)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("exposed ports = %v, want only 8080/tcp", c.ExposedPorts)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.revision": w.head(t),
		"org.opencontainers.image.version":  wantVersion(t, w),
		"org.opencontainers.image.source":   "https://github.com/acme/service",
		"org.opencontainers.image.created":  w.git(t, "log", "-1", "--format=%cI"),
	} {
		got := c.Labels[label]
		if label == "org.opencontainers.image.created" {
			if tm, err := time.Parse(time.RFC3339, want); err == nil {
				want = tm.UTC().Format(time.RFC3339)
			}
		}
		if got != want {
			t.Errorf("label %s = %q, want %q", label, got, want)
		}
	}
	figure(t, "runtime image size (compressed layers)", "%.1f MB", float64(img.layerBytes)/1e6)
	if img.layerBytes > 15e6 {
		t.Errorf("the runtime image is %d bytes, over the 15 MB budget", img.layerBytes)
	}
	dockerRun(t, tarball)
}

// readOCI reads the image config and layer sizes of a single-platform OCI tarball.
func readOCI(t *testing.T, path string) ociImage {
	t.Helper()
	blobs := map[string][]byte{}
	sizes := map[string]int64{}
	var index []byte
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "index.json":
			index, _ = io.ReadAll(tr)
		case strings.HasPrefix(name, "blobs/sha256/"):
			digest := "sha256:" + strings.TrimPrefix(name, "blobs/sha256/")
			sizes[digest] = h.Size
			if h.Size < 1<<20 { // manifests and configs; layers are only counted
				blobs[digest], _ = io.ReadAll(tr)
			}
		}
	}
	type descriptor struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	}
	var idx struct{ Manifests []descriptor }
	if err := json.Unmarshal(index, &idx); err != nil || len(idx.Manifests) == 0 {
		t.Fatalf("%s has no usable index.json (%v): %s", path, err, index)
	}
	manifestBlob := blobs[idx.Manifests[0].Digest]
	var manifest struct {
		Manifests []descriptor `json:"manifests"` // an index inside the index
		Config    descriptor   `json:"config"`
		Layers    []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(manifestBlob, &manifest); err != nil {
		t.Fatalf("manifest %s: %v", idx.Manifests[0].Digest, err)
	}
	if len(manifest.Manifests) > 0 {
		if err := json.Unmarshal(blobs[manifest.Manifests[0].Digest], &manifest); err != nil {
			t.Fatalf("manifest %s: %v", manifest.Manifests[0].Digest, err)
		}
	}
	var img ociImage
	if err := json.Unmarshal(blobs[manifest.Config.Digest], &img); err != nil {
		t.Fatalf("image config %s: %v", manifest.Config.Digest, err)
	}
	for _, l := range manifest.Layers {
		img.layerBytes += sizes[l.Digest]
	}
	return img
}

// dockerRun loads the tarball into Docker, runs it with its port on loopback and waits for /health.
func dockerRun(t *testing.T, tarball string) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Fatal("docker is not on PATH: the suite loads the exported image into Docker")
	}
	out, err := exec.Command("docker", "load", "-i", tarball).CombinedOutput()
	if err != nil {
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	ref := strings.TrimSpace(string(out))
	if i := strings.LastIndex(ref, ": "); i >= 0 {
		ref = strings.TrimSpace(ref[i+2:])
	}
	port := freePort(t)
	name := fmt.Sprintf("e2e-service-%d", time.Now().UnixNano())
	run := exec.Command("docker", "run", "-d", "--rm", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:8080", port), ref)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("docker run %s: %v\n%s", ref, err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
	waitHealthy(t, fmt.Sprintf("http://127.0.0.1:%d/health", port), time.Minute)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitHealthy polls url until it answers 200, for at most limit.
func waitHealthy(t *testing.T, url string, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s did not answer 200 within %s; last: %s", url, limit, last)
		case <-tick.C:
		}
	}
}

func testDev(t *testing.T, w *workspace) {
	r := w.mustCall(t, "call", "dev", "with-exec", "--args=sh,-c,pwd; ls app/main.go ci/dagger.json 2>&1; go env GOMODCACHE GOCACHE; grep -E ' /(go/pkg/mod|root/.cache/go-build) ' /proc/mounts | wc -l", "stdout")
	wantIn(t, r, "/src\n", "app/main.go", "/go/pkg/mod\n/root/.cache/go-build\n")
	if !strings.Contains(r.stdout, "\n2\n") && !strings.HasSuffix(strings.TrimSpace(r.stdout), "2") {
		t.Errorf("want both caches mounted in the dev container, got %q", r.stdout)
	}
}

func testServe(t *testing.T, w *workspace) {
	for _, call := range [][]string{{"serve", "up"}, {"container", "as-service", "up"}} {
		t.Run(strings.Join(call, " "), func(t *testing.T) {
			port := freePort(t)
			up(t, w, append(call, fmt.Sprintf("--ports=%d:8080", port))...)
			waitHealthy(t, fmt.Sprintf("http://127.0.0.1:%d/health", port), 5*time.Minute)
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/version", port))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v["version"] != wantVersion(t, w) {
				t.Errorf("GET /version of the served service = %v (%v), want version %s", v, err, wantVersion(t, w))
			}
		})
	}
}

// up starts a `dagger call … up` that serves until the test ends, when it gets Ctrl-C.
func up(t *testing.T, w *workspace, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	cmd := exec.CommandContext(ctx, w.cli, append([]string{"--progress=plain", "call"}, args...)...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), w.env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		defer cancel()
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-exited
		}
	})
}

func testDeployLocal(t *testing.T, w *workspace) {
	r := w.mustCall(t, "call", "deploy", "--env=local")
	wantIn(t, r, "deploy to local: succeeded (version "+wantVersion(t, w)+")")
	figure(t, "deploy --env=local", "%s", seconds(r.took))

	// A service whose /health never passes: the deploy must fail and say why.
	sick := newWorkspace(t, t.TempDir(), false, func(t *testing.T, dir string) {
		addTestEnvironments(t, dir)
		handlers := filepath.Join(dir, "app", "handlers.go")
		src := readFile(t, handlers)
		sickSrc := strings.Replace(src, "respond.JSON(w, http.StatusOK, healthStatus{Status: healthOK})",
			"respond.JSON(w, http.StatusServiceUnavailable, healthStatus{Status: healthDraining})", 1)
		if sickSrc == src {
			t.Fatal("app/handlers.go no longer answers /health the way this test breaks it")
		}
		writeFile(t, handlers, sickSrc, 0o644)
	})
	r = sick.mustFail(t, "call", "deploy", "--env=local")
	wantIn(t, r, "deploy to local", "/health", "503")
}

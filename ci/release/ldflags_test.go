package release

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestInfoLDFlags(t *testing.T) {
	info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, Describe: "v1.2.3-4-g0123456"})
	if err != nil {
		t.Fatal(err)
	}
	want := "-s -w -X main.version=1.2.4-dev.4+" + testShort + " -X main.commit=" + testCommit + " -X main.buildTime=2024-05-01T12:30:00Z"
	if got := info.LDFlags(); got != want {
		t.Errorf("LDFlags() = %q\nwant        %q", got, want)
	}
}

// TestInfoLDFlagsStampBinary builds a program with the same three variables as the service's
// package main and checks that the flags set them and strip the symbol table.
func TestInfoLDFlagsStampBinary(t *testing.T) {
	// go test puts its own GOROOT/bin first on PATH, so this is the toolchain under test.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is not on PATH: %v", err)
	}
	info, err := Resolve(GitFacts{Commit: testCommit, CommitTime: testTime, TagsAtHead: []string{"v1.2.3-rc.1"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/stamp\n\ngo 1.21\n",
		"main.go": `package main

var version, commit, buildTime string

// println (to stderr) keeps the program free of imports, so a cold build cache compiles little.
func main() { println(version + "|" + commit + "|" + buildTime) }
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	binary := filepath.Join(dir, "stamp")
	args := append([]string{"build", "-ldflags", info.LDFlags(), "-o", binary}, raceBuildFlags...)
	build := exec.Command(goTool, append(args, ".")...)
	build.Dir = dir
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags %q: %v\n%s", info.LDFlags(), err, out)
	}
	out, err := exec.Command(binary).CombinedOutput()
	if err != nil {
		t.Fatalf("running the stamped binary: %v\n%s", err, out)
	}
	if got, want := string(out), "1.2.3-rc.1|"+testCommit+"|2024-05-01T12:30:00Z\n"; got != want {
		t.Errorf("stamped binary prints %q, want %q", got, want)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(binary)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, section := range []string{".symtab", ".debug_info"} {
			if f.Section(section) != nil {
				t.Errorf("binary has section %s; -s -w should have stripped it", section)
			}
		}
	}
	if strings.Contains(info.LDFlags(), "'") || strings.Contains(info.LDFlags(), `"`) {
		t.Errorf("LDFlags() = %q contains quotes", info.LDFlags())
	}
}

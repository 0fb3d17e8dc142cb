//go:build e2e && linux

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// terminal is a dagger call running on a pseudo-terminal, as a person at a keyboard runs it: the
// only way Dagger opens a shell in a container.
type terminal struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	screen bytes.Buffer  // everything printed so far
	more   chan struct{} // closed and replaced when output arrives
	exited chan error
}

// openPTY opens a pseudo-terminal pair through /dev/ptmx, sized rows×cols.
func openPTY(rows, cols uint16) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("ptsname: %w", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	size := struct{ rows, cols, x, y uint16 }{rows, cols, 0, 0}
	if err := ioctl(slave, syscall.TIOCSWINSZ, uintptr(unsafe.Pointer(&size))); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, fmt.Errorf("set window size: %w", err)
	}
	return master, slave, nil
}

func ioctl(f *os.File, req, arg uintptr) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, arg); errno != 0 {
		return errno
	}
	return nil
}

// startTerminal runs `dagger ARGS` in the workspace with a pseudo-terminal as its controlling
// terminal and stdin, stdout and stderr.
func (w *workspace) startTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	master, slave, err := openPTY(40, 160)
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, w.cli, args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), append(w.env, "TERM=xterm-256color")...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dagger %v: %v", args, err)
	}
	slave.Close()
	term := &terminal{t: t, master: master, cmd: cmd, more: make(chan struct{}), exited: make(chan error, 1)}
	go term.read()
	go func() { term.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		master.Close()
	})
	return term
}

// terminalReplies answer the queries a shell's line editor sends before its first prompt, as a
// terminal emulator does; unanswered, the shell waits for them and swallows what is typed.
var terminalReplies = []struct{ query, reply string }{
	{"\x1b[6n", "\x1b[1;1R"},                          // cursor position
	{"\x1b]11;?", "\x1b]11;rgb:0000/0000/0000\x1b\\"}, // background colour
	{"\x1b]10;?", "\x1b]10;rgb:ffff/ffff/ffff\x1b\\"}, // foreground colour
}

func (term *terminal) read() {
	buf := make([]byte, 32<<10)
	for {
		n, err := term.master.Read(buf)
		for _, r := range terminalReplies {
			if bytes.Contains(buf[:n], []byte(r.query)) {
				term.typeKeys(r.reply)
			}
		}
		term.mu.Lock()
		term.screen.Write(buf[:n])
		close(term.more)
		term.more = make(chan struct{})
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// ansi matches terminal escape sequences, so what the suite reads is the text a person sees.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?=<>$]*[A-Za-z~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]`)

// text is the terminal's output without escape sequences.
func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return ansi.ReplaceAllString(term.screen.String(), "")
}

// waitFor waits until the output matches pattern, and fails the test after limit.
func (term *terminal) waitFor(pattern string, limit time.Duration) {
	term.t.Helper()
	term.typeUntil(pattern, "", limit)
}

// typeUntil types keys, and types them again every few seconds, until the output matches pattern:
// a shell's line editor discards what was typed while it started. keys must be harmless to repeat.
// It fails the test after limit.
func (term *terminal) typeUntil(pattern, keys string, limit time.Duration) {
	term.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.After(limit)
	var again <-chan time.Time
	if keys != "" {
		term.typeKeys(keys)
		tick := time.NewTicker(3 * time.Second)
		defer tick.Stop()
		again = tick.C
	}
	for {
		term.mu.Lock()
		more := term.more
		term.mu.Unlock()
		if re.MatchString(term.text()) {
			return
		}
		select {
		case <-more:
		case <-again:
			term.typeKeys(keys)
		case <-deadline:
			text := term.text()
			if len(text) > 4000 {
				text = "…" + text[len(text)-4000:]
			}
			term.t.Fatalf("the terminal never showed %q within %s; it shows:\n%s", pattern, limit, text)
		}
	}
}

func (term *terminal) typeKeys(keys string) {
	if _, err := term.master.Write([]byte(keys)); err != nil {
		term.t.Logf("typing into the terminal: %v", err)
	}
}

// wait waits for the call to end and returns its exit code.
func (term *terminal) wait(limit time.Duration) int {
	term.t.Helper()
	select {
	case err := <-term.exited:
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode()
		}
		if err != nil {
			term.t.Fatalf("waiting for dagger: %v", err)
		}
		return 0
	case <-time.After(limit):
		term.t.Fatalf("the call did not end within %s after the shell exited; it shows:\n%s", limit, term.text())
		return -1
	}
}

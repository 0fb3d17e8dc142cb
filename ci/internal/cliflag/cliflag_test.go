package cliflag

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestDurationSaysWhatToWrite(t *testing.T) {
	for value, want := range map[string]string{
		"5":    `"5" has no unit; add one, e.g. 5s for seconds or 5m for minutes`,
		"1.5":  `"1.5" has no unit; add one, e.g. 1.5s for seconds or 1.5m for minutes`,
		"5 m":  `"5 m" is not a duration; write one such as 90s, 5m or 1h30m`,
		"-30s": "-30s is negative",
	} {
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		var stderr bytes.Buffer
		fs.SetOutput(&stderr)
		d := Duration(fs, "timeout", time.Minute, "how long")
		if _, err := Parse(fs, []string{"-timeout", value}, &bytes.Buffer{}, "(cmd -help lists the flags)"); err == nil {
			t.Errorf("-timeout %s: no error", value)
		}
		if !strings.Contains(stderr.String(), want) || !strings.Contains(stderr.String(), "(cmd -help lists the flags)") {
			t.Errorf("-timeout %s says:\n%s\nwant %q and the hint", value, stderr.String(), want)
		}
		if strings.Contains(stderr.String(), "-timeout value") {
			t.Errorf("-timeout %s: a typo printed the whole usage:\n%s", value, stderr.String())
		}
		if *d != time.Minute {
			t.Errorf("-timeout %s changed the value to %s", value, *d)
		}
	}
	fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
	d := Duration(fs, "timeout", 0, "how long")
	if _, err := Parse(fs, []string{"-timeout", "1h30m"}, &bytes.Buffer{}, ""); err != nil || *d != 90*time.Minute {
		t.Errorf("-timeout 1h30m = %s, %v", *d, err)
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
		var stdout, stderr bytes.Buffer
		fs.SetOutput(&stderr)
		Duration(fs, "deadline", 2*time.Minute, "give up after this `duration`")
		help, err := Parse(fs, []string{arg}, &stdout, "hint")
		if !help || err != nil {
			t.Errorf("%s: help=%v err=%v; want help and no error", arg, help, err)
		}
		if want := "  -deadline duration\n    \tgive up after this duration (default 2m0s)\n"; !strings.Contains(stdout.String(), want) {
			t.Errorf("%s: stdout\n%s\nwant the flags with their defaults:\n%s", arg, stdout.String(), want)
		}
		if stderr.Len() != 0 {
			t.Errorf("%s: help went to stderr too: %s", arg, stderr.String())
		}
		if fs.Output() != &stderr {
			t.Errorf("%s: the flag set's output was not restored", arg)
		}
	}
}

package resultline

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func resultWithImage(image string) Result {
	return Result{Environment: "staging", Outcome: "succeeded", Image: image, TaskDefinition: testNewARN}
}

func TestFindResultToleratesPrefixesAndPicksTheLast(t *testing.T) {
	first := Line(resultWithImage("repo@sha256:first"))
	last := Line(resultWithImage("repo@sha256:last"))
	tests := map[string]string{
		"bare lines": first + "\n" + last + "\n",
		"dagger plain progress": "12:03:02 ┃ building\n" +
			"12:03:03 ┃ " + first + "\n" +
			"12:03:04 ┃ " + last + "\n" +
			"12:03:05 ┃ done\n",
		"bracketed span names": "[deploy] " + first + "\n[deploy] " + last + "\n[deploy] exit 0",
		"ANSI colours around the line": "\x1b[31m" + first + "\x1b[0m\n" +
			"\x1b[1;31mError:\x1b[0m \x1b[2m" + last + "\x1b[0m\r\n",
		"OSC hyperlink before the marker": "\x1b]8;;https://dagger.cloud/trace\x07trace\x1b]8;;\x07 " + first + "\n" +
			"\x1b]8;;https://dagger.cloud/trace\x1b\\trace\x1b]8;;\x1b\\ " + last,
		"no final newline": first + "\n" + last,
		"CRLF line ends":   first + "\r\n" + last + "\r\n",
		"trailing text after the JSON": first + " (1.2s)\n" +
			"Error: input: pipeline.deploy resolve: " + last + "  \x1b[2m[0.4s]\x1b[0m\n",
		"a prefix that quotes the marker": `echo "` + Marker + `" ` + first + "\n" +
			`grep "` + Marker + `" | ` + last + "\n",
		"the error printed as a Go-quoted string": first + "\n" +
			"Error: " + strconv.Quote("deploy to staging: succeeded\n"+last) + " (exit 1)\n",
		"the error printed inside JSON": first + "\n" +
			`{"level":"error","msg":` + jsonString(t, "deploy failed\n"+last) + "}\n",
		"a quoted error without its closing quote": first + "\n" +
			"Error: " + strings.TrimSuffix(strconv.Quote(last), `"`) + "\r\n",
		"a mangled last line keeps the good one": first + "\n" + last + "\n" + Marker + `{"outcome":"failed","ima` + "\n",
	}
	for name, log := range tests {
		t.Run(name, func(t *testing.T) {
			got, found, err := Find(strings.NewReader(log))
			if err != nil || !found {
				t.Fatalf("found=%v err=%v in:\n%q", found, err, log)
			}
			if got.Image != "repo@sha256:last" || got.Outcome != "succeeded" || got.TaskDefinition != testNewARN {
				t.Errorf("want the last result, got %#v", got)
			}
		})
	}
}

func jsonString(t *testing.T, s string) string {
	t.Helper()
	quoted, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(quoted)
}

func TestFindResultWithoutAResult(t *testing.T) {
	for name, log := range map[string]string{
		"empty":                    "",
		"died before AWS":          "12:00:01 ┃ go build\n12:00:09 ┃ Error: check failed: go vet: exit status 1\n",
		"marker without its space": "grep ecs-deploy-result:deploy.log\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, found, err := Find(strings.NewReader(log))
			if err != nil || found || !reflect.DeepEqual(got, Result{}) {
				t.Errorf("want nothing found, got found=%v err=%v result=%#v", found, err, got)
			}
		})
	}
}

func TestFindResultReportsAMangledResult(t *testing.T) {
	log := "building\n" +
		"12:03:04 ┃ " + Marker + `{"environment":"staging","outcome":"rolled-ba` + "\n" +
		"12:03:05 ┃ " + Marker + `{"environment":"staging"}` + "\n" +
		"done\n"
	_, found, err := Find(strings.NewReader(log))
	if found || err == nil {
		t.Fatalf("want an error, got found=%v err=%v", found, err)
	}
	for _, want := range []string{"log line 3", `its JSON has no "outcome"`, "look for \"ecs-deploy-result: \""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestFindResultReadsPastVeryLongLines(t *testing.T) {
	// Longer than bufio.Scanner's 64 KiB token limit.
	long := strings.Repeat("x", 256<<10)
	log := long + "\n" + "[deploy] " + Line(resultWithImage("repo@sha256:last")) + "\n" + long
	got, found, err := Find(strings.NewReader(log))
	if err != nil || !found || got.Image != "repo@sha256:last" {
		t.Errorf("found=%v err=%v result=%#v", found, err, got)
	}
}

func TestFindResultReadError(t *testing.T) {
	broken := errors.New("disk gone")
	_, found, err := Find(iotest.TimeoutReader(strings.NewReader(strings.Repeat("log line\n", 1<<12))))
	if found || err == nil || !strings.Contains(err.Error(), "reading the deploy log") {
		t.Errorf("want a read error, got found=%v err=%v", found, err)
	}
	_, _, err = Find(iotest.ErrReader(broken))
	if !errors.Is(err, broken) {
		t.Errorf("the cause must be kept: %v", err)
	}
}

package resultline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// ansiEscape matches the colour and cursor sequences (CSI) and the
// hyperlinks and titles (OSC) a terminal-minded progress printer may put
// around text. encoding/json escapes ESC inside strings, so stripping every
// raw ESC sequence from a line cannot change a result's JSON.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)")

// Find reads a deploy's log and returns the result of the last line
// that carries Marker. The marker may follow any prefix (timestamps,
// span names, "Error: ", ANSI colours), because Dagger decorates and wraps
// what a function prints; the JSON runs from the marker to the end of the
// line, and anything after the JSON value is ignored; a line that quotes
// the whole error as a string, escaping the JSON's quotes, is unquoted
// first. found is false when no
// line carries the marker: the deploy died before it had a result. A line
// with the marker whose JSON does not decode is skipped in favour of an
// earlier good one; when none decodes, the error says which line was bad.
func Find(log io.Reader) (result Result, found bool, err error) {
	reader := bufio.NewReader(log)
	marker := []byte(Marker)
	var lastBad error
	for lineNumber := 1; ; lineNumber++ {
		// ReadBytes rather than a bufio.Scanner: build output can hold lines
		// longer than any fixed token limit, and they must not hide the result.
		line, readErr := reader.ReadBytes('\n')
		if bytes.IndexByte(line, 0x1b) >= 0 {
			line = ansiEscape.ReplaceAll(line, nil)
		}
		if bytes.Contains(line, marker) {
			if r, err := decodeResultLine(line, marker); err != nil {
				lastBad = fmt.Errorf("log line %d carries %q but %w", lineNumber, Marker, err)
			} else {
				result, found = r, true
			}
		}
		if errors.Is(readErr, io.EOF) {
			break
		}
		if readErr != nil {
			return Result{}, false, fmt.Errorf("reading the deploy log: %w", readErr)
		}
	}
	if !found && lastBad != nil {
		return Result{}, false, fmt.Errorf("%w; the deploy printed its result but the log mangled it: look for %q in the deploy step's log", lastBad, Marker)
	}
	return result, found, nil
}

// decodeResultLine decodes the JSON after the first marker in line whose
// remainder decodes: a prefix could itself quote the marker.
func decodeResultLine(line, marker []byte) (Result, error) {
	var firstErr error
	for rest := line; ; {
		i := bytes.Index(rest, marker)
		if i < 0 {
			return Result{}, firstErr
		}
		rest = rest[i+len(marker):]
		var r Result
		err := json.NewDecoder(bytes.NewReader(unquoted(rest))).Decode(&r)
		switch {
		case err == nil && r.Outcome != "":
			return r, nil
		case err == nil:
			err = errors.New(`its JSON has no "outcome"`)
		default:
			err = fmt.Errorf("its JSON does not decode: %w", err)
		}
		if firstErr == nil {
			firstErr = err
		}
	}
}

// unquoted undoes one level of string quoting around the JSON: a log that
// prints an error as a quoted string ("...\necs-deploy-result: {\"environment\":...}")
// escapes its quotes. The quoted text ends at the first unescaped quote.
// JSON that is not escaped is returned as is.
func unquoted(rest []byte) []byte {
	if !bytes.HasPrefix(rest, []byte(`{\"`)) {
		return rest
	}
	end := len(bytes.TrimRight(rest, "\r\n"))
	for i := 0; i < end; i++ {
		if rest[i] == '\\' {
			i++
		} else if rest[i] == '"' {
			end = i
			break
		}
	}
	var text string
	if err := json.Unmarshal(append(append([]byte{'"'}, rest[:end]...), '"'), &text); err != nil {
		return rest
	}
	return []byte(text)
}

// StripANSI removes terminal colour, cursor and hyperlink sequences from s,
// for quoting log lines in a summary or an annotation.
func StripANSI(s string) string {
	if !strings.ContainsRune(s, 0x1b) {
		return s
	}
	return ansiEscape.ReplaceAllString(s, "")
}

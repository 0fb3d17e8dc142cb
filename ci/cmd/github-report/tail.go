package main

import (
	"io"
	"os"
	"strings"

	"dagger/pipeline/report/resultline"
)

// Enough of the log's end to show the error a deploy died of, without copying a build log
// into the step summary.
const (
	tailLines    = 15
	tailMaxBytes = 16 << 10
)

// logTail returns the last lines of the log at path, colours stripped, introduced by a blank
// line; "" when the log is empty or unreadable (the caller already says so).
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	midLine := info.Size() > tailMaxBytes
	if midLine {
		if _, err := f.Seek(-tailMaxBytes, io.SeekEnd); err != nil {
			return ""
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, tailMaxBytes))
	if err != nil {
		return ""
	}
	text := string(data)
	if midLine {
		// The read began inside a line, maybe inside a character: drop that fragment.
		_, text, _ = strings.Cut(text, "\n")
	}
	text = strings.ReplaceAll(resultline.StripANSI(strings.ToValidUTF8(text, "")), "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	tail := strings.Join(lines, "\n")
	if strings.TrimSpace(tail) == "" {
		return ""
	}
	return "\n\nlast lines of the log:\n" + tail + "\n"
}

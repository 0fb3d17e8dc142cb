package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/acme/service/app/internal/respond"
)

// newLogger returns the JSON logger: one object per line on w, which CloudWatch Logs (the awslogs
// driver) stores as one searchable event.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, nil))
}

// statusRecorder remembers the status and body size a handler sent, for the request log line.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (rec *statusRecorder) WriteHeader(status int) {
	if !rec.wroteHeader {
		rec.status = status
		rec.wroteHeader = true
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *statusRecorder) Write(p []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (rec *statusRecorder) Unwrap() http.ResponseWriter {
	return rec.ResponseWriter
}

// logRequests writes one line per request: method, path, status, duration_ms and bytes. It logs the
// path only, never the query string, which may carry tokens. A panicking handler is logged as one JSON
// line and answered with a 500 rather than net/http's plain-text stack trace on stderr.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			recovered := recover()
			if recovered != nil && recovered != http.ErrAbortHandler {
				logger.Error("handler panicked", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(recovered), "stack", string(debug.Stack()))
				if !rec.wroteHeader {
					respond.JSON(rec, http.StatusInternalServerError, respond.Error{Error: "internal server error"})
				}
			}
			if r.Method == http.MethodHead {
				// net/http discards a HEAD answer's body, so nothing the handler wrote was sent.
				rec.bytes = 0
			}
			logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Float64("duration_ms", milliseconds(time.Since(start))),
				slog.Int64("bytes", rec.bytes),
			)
			if recovered == http.ErrAbortHandler {
				// The handler asked net/http to abort the response; let it.
				panic(recovered)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// milliseconds converts d to milliseconds with microsecond precision: fast requests would all log 0
// as whole milliseconds.
func milliseconds(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

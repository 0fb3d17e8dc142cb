package main

import (
	"context"
	"fmt"
	"strings"
)

// Lint checks formatting (gofmt), go vet and staticcheck in both Go modules: the service at the
// root and this pipeline in ci/. The call fails on any finding and prints it.
func (m *Pipeline) Lint(ctx context.Context) (string, error) {
	staticcheck := "honnef.co/go/tools/cmd/staticcheck@" + m.StaticcheckVersion
	script := strings.Join([]string{
		"set -e",
		`unformatted=$(gofmt -l .)`,
		`if [ -n "$unformatted" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$unformatted"; exit 1; fi`,
		"for mod in . ci; do (cd $mod && go vet ./... && go run " + staticcheck + " ./...); done",
		"echo lint: clean",
	}, "\n")
	out, err := m.Dev().WithExec([]string{"sh", "-c", script}).Stdout(ctx)
	if err != nil {
		return "", fmt.Errorf("lint: %w", err)
	}
	return out, nil
}

//go:build e2e

package e2e

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
	"dagger/pipeline/internal/moto"
)

// testDotEnv keeps defaults in .env next to dagger.json, with the names Dagger matches: a
// constructor argument by its name (awsAccessKeyId), a function's argument by FUNCTION_ARGUMENT.
func testDotEnv(t *testing.T, w *workspace) {
	t.Setenv("E2E_AWS_ACCESS_KEY_ID", "AKIAE2ETESTING")
	t.Setenv("E2E_AWS_SECRET_ACCESS_KEY", secretKey)
	m := moto.Start(t)
	e := serveFake(t, m, fakeaws.HealthyRollout(time.Second), "")
	endpoint := strings.TrimPrefix(e.arg, "--aws-endpoint=")
	dotenv := w.path(".env")
	writeFile(t, dotenv, strings.Join([]string{
		"awsAccessKeyId=env://E2E_AWS_ACCESS_KEY_ID",
		"awsSecretAccessKey=env://E2E_AWS_SECRET_ACCESS_KEY",
		"awsEndpoint=" + endpoint,
		"BUILD_ARCH=arm64",
		"",
	}, "\n"), 0o600)
	defer os.Remove(dotenv)

	r := w.mustCall(t, "call", "status", "--env=fake")
	wantIn(t, r, "service web (cluster demo)", "runs      web:1")
	noSecret(t, r)

	// A plain `build` that makes an arm64 binary took its argument from .env.
	out := filepath.Join(t.TempDir(), "service")
	w.mustCall(t, "call", "build", "export", "--path="+out)
	wantMachine(t, out, elf.EM_AARCH64)
}

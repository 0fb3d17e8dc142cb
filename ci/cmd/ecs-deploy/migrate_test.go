package main

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"dagger/pipeline/internal/fakeaws"
)

// --migrate-command takes the container's command as a JSON array; plan names the migration,
// deploy runs it, streams its lines and, when it fails, leaves the service alone and offers the
// same deploy (migration included) as the next step.
func TestCLIMigration(t *testing.T) {
	bin := buildCLI(t)
	unit := 50 * time.Millisecond
	migrate := []string{"--migrate-command", `["/app/service","migrate"]`}
	serve := func(m *fakeaws.Migration) (*fakeaws.Fake, string) {
		fake := fakeaws.New(fakeaws.Config{Scenario: fakeaws.HealthyRollout(unit), Migration: m})
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		return fake, srv.URL
	}

	fake, url := serve(fakeaws.MigrationSucceeds("applied 0002_users"))
	plan := []string{"plan", "--cluster", fakeaws.DefaultCluster, "--service", fakeaws.DefaultService, "--container", fakeaws.DefaultContainer, "--image", fakeaws.NewImage}
	runCLI(t, bin, url, append(plan, migrate...)...).want(t, 0,
		`+ migration: first runs ["/app/service" "migrate"] once as a task of web:(next), container app, within 10m0s; the service is updated only if it exits 0`)
	if n := fake.CallCount("RunTask"); n != 0 {
		t.Errorf("plan ran %d tasks", n)
	}
	runCLI(t, bin, url, fakeDeployArgs(append(migrate, "--migrate-timeout", "1m")...)...).want(t, 0,
		"outcome=succeeded", "migration | applied 0002_users", "  migration:  /app/service migrate, task ", ", exit code 0 after ")
	if got := fake.RunTaskRequests(); len(got) != 1 || !slices.Equal(got[0].Command, []string{"/app/service", "migrate"}) {
		t.Errorf("RunTask requests %+v", got)
	}

	fake, url = serve(fakeaws.MigrationFails(2, "ERROR: column exists"))
	runCLI(t, bin, url, fakeDeployArgs(migrate...)...).want(t, 3,
		"outcome=failed", "exited with code 2", "| ERROR: column exists", "the service was not updated (still on web:1)",
		`when fixed: ecs-deploy deploy --cluster demo --service web --container app --image `+fakeaws.NewImage+` --migrate-command '["/app/service","migrate"]'`)
	if n := fake.CallCount("UpdateService"); n != 0 {
		t.Errorf("UpdateService called %d times after a failed migration", n)
	}

	fake, url = serve(nil)
	runCLI(t, bin, url, fakeDeployArgs("--migrate-command", "/app/service migrate")...).want(t, 2,
		"--migrate-command /app/service migrate is not a JSON array", `--migrate-command '["/app/service","migrate"]'`, "nothing was changed")
	runCLI(t, bin, url, fakeDeployArgs("--migrate-timeout", "5m")...).want(t, 2, "--migrate-timeout was given without --migrate-command")
	if n := fake.CallCount(""); n != 0 {
		t.Errorf("bad flags made %d calls", n)
	}
}

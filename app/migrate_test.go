package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestMigrateLogsEachStepAndSucceeds(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envMap(nil), &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	for _, want := range append([]string{`"msg":"migration started"`, `"msg":"migration finished"`}, migrations...) {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
	}
}

func TestMigrateFailFails(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"migrate", "--fail"}, envMap(nil), &out)
	if err == nil || !strings.Contains(err.Error(), "asked to fail") {
		t.Fatalf("migrate --fail returned %v, want the failure", err)
	}
	if !strings.Contains(out.String(), `"msg":"migration step failed"`) || strings.Contains(out.String(), "migration finished") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"migrate", "--dry-run"}, envMap(nil), &out); err == nil || !strings.Contains(err.Error(), "--dry-run") {
		t.Errorf("an unknown argument gave %v", err)
	}
}

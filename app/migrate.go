package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// migrateCommand is the argument that runs the service's migrations and exits: what a deploy's
// migration runs, as a one-off task of the new revision, before the service is updated.
const migrateCommand = "migrate"

// migrateFailFlag makes migrate fail on purpose (exit 1): the sample has no database, and the
// pipeline's migration handling needs a way to be shown failing.
const migrateFailFlag = "--fail"

// migrations are the sample's steps. It has no database: each step only logs, so that a deploy
// has output to stream.
var migrations = []string{"0001_create_greetings", "0002_add_greetings_language"}

// migrate applies the migrations, logging each, one JSON line per step as the service logs.
func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fail := false
	for _, a := range args {
		if a != migrateFailFlag {
			return fmt.Errorf("unexpected argument %q to %s: it accepts only %s", a, migrateCommand, migrateFailFlag)
		}
		fail = true
	}
	log := newLogger(stdout)
	log.Info("migration started", "steps", len(migrations))
	for i, name := range migrations {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("migration interrupted before %s: %w", name, err)
		}
		if fail && i == len(migrations)-1 {
			log.Error("migration step failed", "step", name, "error", "asked to fail ("+migrateFailFlag+")")
			return fmt.Errorf("migration %s failed: asked to fail (%s); %d of %d steps applied", name, migrateFailFlag, i, len(migrations))
		}
		log.Info("migration step applied", slog.String("step", name))
	}
	log.Info("migration finished", "applied", len(migrations))
	return nil
}

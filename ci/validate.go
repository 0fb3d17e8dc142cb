package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"dagger/pipeline/environments"
)

// Validate checks an environments file as a whole, without AWS: every environment, and that each
// committed task-definition file an environment names is in the repository and parses. It lists
// the environments when all are valid, and otherwise fails listing every problem with its fix.
func (m *Pipeline) Validate(
	ctx context.Context,
	// The environments file, relative to the repository root; taskDefinition paths in it are
	// relative to the root too.
	// +default="ci/environments.json"
	file string,
) (string, error) {
	data, err := m.Source.File(file).Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("cannot read the environments file %s: %w; give its path relative to the repository root with --file", file, err)
	}
	cfg, err := environments.Check([]byte(data), func(path string) ([]byte, error) {
		// The engine's error for a missing file is not fs.ErrNotExist: ask first.
		if ok, err := m.Source.Exists(ctx, path); err != nil {
			return nil, err
		} else if !ok {
			return nil, fs.ErrNotExist
		}
		contents, err := m.Source.File(path).Contents(ctx)
		return []byte(contents), err
	})
	var invalid *environments.ValidationError
	if errors.As(err, &invalid) {
		invalid.File = file
		return "", invalid
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	names := cfg.Names()
	return fmt.Sprintf("%s: %d environments, all valid: %s\n", file, len(names), strings.Join(names, ", ")), nil
}

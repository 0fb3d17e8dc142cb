package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/daggercall"
)

// validateStep checks the environments file --file as a whole: every environment, and each
// task-definition file and site directory an environment names, as a deploy reads them. It calls
// no AWS API.
func validateStep(req request) daggercall.Answer {
	data, err := os.ReadFile(filepath.FromSlash(req.file))
	if err != nil {
		return daggercall.Answer{Error: fmt.Sprintf("cannot read the environments file %s: %v; give its path relative to the repository root with --file", req.file, err)}
	}
	read := func(path string) ([]byte, error) { return os.ReadFile(filepath.FromSlash(path)) }
	cfg, err := environments.Check(data, read, deploy.TaskDefinitionProblem)
	var invalid *environments.ValidationError
	if errors.As(err, &invalid) {
		invalid.File = req.file
		return daggercall.Answer{Error: invalid.Error()}
	}
	if err != nil {
		return daggercall.Answer{Error: fmt.Sprintf("%s: %v", req.file, err)}
	}
	return daggercall.Answer{Output: cfg.Summary(req.file) + "\n"}
}

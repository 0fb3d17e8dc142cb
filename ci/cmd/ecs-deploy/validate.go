package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dagger/pipeline/deploy"
	"dagger/pipeline/environments"
	"dagger/pipeline/internal/cliflag"
)

// runValidate checks an environments file and the task-definition files it names, without AWS:
// the same checks a deploy makes of them, before the build and for every environment at once.
func runValidate(prog string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(prog+" validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "ci/environments.json", "the environments file to check")
	root := fs.String("root", "", "the repository root that taskDefinition paths are relative to (default: the directory above the file's, as for ci/environments.json)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s validate [--file ci/environments.json] [--root DIR]\n\nchecks every environment, and that each committed task-definition file exists and parses; calls no AWS API\n\nflags:\n", prog)
		fs.PrintDefaults()
	}
	help, err := cliflag.Parse(fs, args, stdout, fmt.Sprintf("(%s validate --help lists the flags)", prog))
	if help {
		return deploy.ExitOK
	}
	if err != nil {
		return deploy.ExitBadInput
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments %v; give the file with --file\n", fs.Args())
		return deploy.ExitBadInput
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "error: cannot read the environments file: %v; run from the repository root, or give its path with --file\n", err)
		return deploy.ExitBadInput
	}
	if *root == "" {
		abs, err := filepath.Abs(*file)
		if err != nil {
			fmt.Fprintf(stderr, "error: %v; give the repository root with --root\n", err)
			return deploy.ExitBadInput
		}
		*root = filepath.Dir(filepath.Dir(abs))
	}
	read := func(path string) ([]byte, error) { return os.ReadFile(filepath.Join(*root, filepath.FromSlash(path))) }
	cfg, err := environments.Check(data, read, deploy.TaskDefinitionProblem)
	var invalid *environments.ValidationError
	switch {
	case errors.As(err, &invalid):
		invalid.File = *file
		fmt.Fprintln(stderr, invalid.Error())
		return deploy.ExitBadInput
	case err != nil:
		fmt.Fprintf(stderr, "error: %s: %v\n", *file, err)
		return deploy.ExitBadInput
	}
	fmt.Fprintln(stdout, cfg.Summary(*file))
	return deploy.ExitOK
}

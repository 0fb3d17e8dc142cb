// Package cliflag is what the commands in ci/cmd do alike with their flags: -help is an answer,
// not an error, and a duration without a unit says to add one.
package cliflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Parse parses args into fs. -h or -help prints fs's usage to stdout and reports help: the
// command exits 0. Any other error has been printed to fs's output, followed by hint (e.g. how
// to see the flags), and is returned.
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer, hint string) (help bool, err error) {
	usage := fs.Usage
	// The flag package prints the usage after every error; a typo deserves the error and the
	// hint, not the whole list.
	fs.Usage = func() {}
	err = fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		out := fs.Output()
		fs.SetOutput(stdout)
		if fs.Usage != nil {
			fs.Usage()
		} else {
			fmt.Fprintf(stdout, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		fs.SetOutput(out)
		return true, nil
	case err != nil && hint != "":
		fmt.Fprintln(fs.Output(), hint)
	}
	return false, err
}

// Duration defines a flag of a non-negative duration that, given a number without a unit, says
// which unit to add (time.ParseDuration only says "missing unit").
func Duration(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var((*duration)(&d), name, usage)
	return &d
}

type duration time.Duration

func (d *duration) String() string {
	if d == nil {
		return "0s"
	}
	return time.Duration(*d).String()
}

func (d *duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	switch {
	case err == nil && v < 0:
		return fmt.Errorf("%s is negative; give a positive duration such as 90s or 5m", s)
	case err == nil:
		*d = duration(v)
		return nil
	}
	if n, numErr := strconv.ParseFloat(strings.TrimSpace(s), 64); numErr == nil {
		return fmt.Errorf("%q has no unit; add one, e.g. %[2]vs for seconds or %[2]vm for minutes", s, n)
	}
	return fmt.Errorf("%q is not a duration; write one such as 90s, 5m or 1h30m", s)
}

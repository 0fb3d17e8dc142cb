//go:build !race

package release

// raceBuildFlags makes programs that tests build share the standard library the test binary was
// compiled with, instead of compiling another copy on a cold build cache.
var raceBuildFlags []string

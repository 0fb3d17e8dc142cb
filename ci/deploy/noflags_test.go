package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The engine speaks in its own terms: no string it can print names a command-line flag, which
// only the CLI has (the Dagger module's are spelled differently). Callers word flags.
func TestNoEngineStringNamesAFlag(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(\x60"'])--[a-z]`)
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			checked++
			if flag.MatchString(s) {
				t.Errorf("%s: %q names a flag; say the field (cluster, service, image…) and let the caller word it", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d string literals checked; the scan is not reading the engine", checked)
	}
}

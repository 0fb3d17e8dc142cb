package docs

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The README documents every Dagger function the module registers, and nothing else: what a
// person reads is what `dagger call --help` lists.
func TestReadmeDocumentsExactlyTheRegisteredFunctions(t *testing.T) {
	generated, err := os.ReadFile("../../dagger.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	registered := registeredFunctions(t, string(generated))
	documented := documentedFunctions(string(readme))
	if !slices.Equal(registered, documented) {
		t.Errorf("README.md documents %v (headings \"### `dagger call NAME`\"),\nbut dagger.gen.go registers %v", documented, registered)
	}
}

// registeredFunctions lists the functions dispatched for the Pipeline object, kebab-cased as the
// dagger CLI shows them.
func registeredFunctions(t *testing.T, generated string) []string {
	t.Helper()
	start := strings.Index(generated, `case "Pipeline":`)
	if start < 0 {
		t.Fatal(`dagger.gen.go has no case "Pipeline"`)
	}
	body := generated[start:]
	if end := strings.Index(body, `case "":`); end >= 0 {
		body = body[:end]
	}
	var names []string
	for _, m := range regexp.MustCompile(`\n\t\tcase "([A-Z]\w*)":`).FindAllStringSubmatch(body, -1) {
		names = append(names, kebab(m[1]))
	}
	if len(names) == 0 {
		t.Fatal("found no registered functions in dagger.gen.go")
	}
	slices.Sort(names)
	return names
}

// documentedFunctions lists the functions that have a "### `dagger call NAME ...`" heading.
func documentedFunctions(readme string) []string {
	var names []string
	for _, m := range regexp.MustCompile("(?m)^### `dagger call ([a-z-]+)").FindAllStringSubmatch(readme, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func kebab(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

package plan

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Diff compares two JSON documents and lists what changed, in a stable order: object keys
// sorted, named array elements sorted by name. Empty input or null is an absent document
// (everything is added or removed). null, "", [] and {} equal a missing key.
//
// Arrays whose elements are all objects carrying a unique name (a "name"/"Name" key, else
// "key"/"Key", else "containerName"/"ContainerName") are matched by that name whatever their
// order, as containers, environment variables, secrets, volumes, tags and dependencies are;
// other arrays of objects are matched by index; arrays of scalars (commands, entry points) are
// compared as a whole. A named element with one field besides its name (an environment
// variable) shows as that field's value: environment[FEATURE_X]: "on".
//
// Values of environment variables whose name looks secret (PASSWORD, SECRET, TOKEN, KEY, …) are
// never put in a Change; they render as "(sensitive, changed)".
func Diff(before, after []byte) ([]Change, error) {
	return diffDocuments(before, after, nil)
}

// taskDefinitionReadOnly are the top-level fields that ECS sets on a registered task definition,
// which a definition about to be registered cannot have.
var taskDefinitionReadOnly = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt",
}

// DiffTaskDefinitions is Diff for task definitions, ignoring the top-level fields that ECS sets
// on registration (taskDefinitionArn, revision, status, requiresAttributes, compatibilities,
// registeredAt, registeredBy, deregisteredAt, in either key style), so that the described current
// definition compares with the one a deploy would register.
func DiffTaskDefinitions(before, after []byte) ([]Change, error) {
	return diffDocuments(before, after, taskDefinitionReadOnly)
}

func diffDocuments(before, after []byte, ignoreTopLevel []string) ([]Change, error) {
	b, err := parse("before", before)
	if err != nil {
		return nil, err
	}
	a, err := parse("after", after)
	if err != nil {
		return nil, err
	}
	b, a = dropKeys(b, ignoreTopLevel), dropKeys(a, ignoreTopLevel)
	var d differ
	d.value("", b, a, false)
	return d.changes, nil
}

// dropKeys deletes keys from a top-level object, matching them in either key style.
func dropKeys(v any, keys []string) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k := range obj {
		if slices.Contains(keys, lowerFirst(k)) {
			delete(obj, k)
		}
	}
	if len(obj) == 0 {
		return nil
	}
	return obj
}

// differ collects changes between normalized values.
type differ struct{ changes []Change }

// value compares two values at path; sensitive hides them.
func (d *differ) value(path string, b, a any, sensitive bool) {
	switch {
	case b == nil && a == nil:
	case b == nil:
		d.added(path, a, sensitive)
	case a == nil:
		d.removed(path, b, sensitive)
	default:
		bo, bIsObj := b.(map[string]any)
		ao, aIsObj := a.(map[string]any)
		if bIsObj && aIsObj {
			d.object(path, bo, ao, sensitive)
			return
		}
		ba, bIsArr := b.([]any)
		aa, aIsArr := a.([]any)
		if bIsArr && aIsArr && !(allScalars(ba) && allScalars(aa)) {
			d.array(path, ba, aa, sensitive)
			return
		}
		if equal(b, a) {
			return
		}
		if (isComposite(b) || isComposite(a)) && !(bIsArr && aIsArr) {
			// A change of shape: listing the new value leaf by leaf keeps sensitive ones hidden.
			d.removed(path, b, sensitive)
			d.added(path, a, sensitive)
			return
		}
		d.add(Change{Kind: Modified, Path: path, Before: compact(b), After: compact(a)}, sensitive)
	}
}

func (d *differ) object(path string, b, a map[string]any, sensitive bool) {
	environment := isEnvironment(path)
	for _, k := range unionKeys(b, a) {
		d.value(joinKey(path, k), b[k], a[k], sensitive || (environment && looksSecret(k)))
	}
}

func (d *differ) array(path string, b, a []any, sensitive bool) {
	id, ok := identity(b, a)
	if !ok {
		for i := range max(len(b), len(a)) {
			d.value(path+"["+strconv.Itoa(i)+"]", at(b, i), at(a, i), sensitive || d.secretElement(path, at(b, i), at(a, i)))
		}
		return
	}
	bByName, aByName := byName(b, id), byName(a, id)
	names := unionKeys(bByName, aByName)
	for _, name := range names {
		be, ae := bByName[name], aByName[name]
		d.element(joinName(path, name), be, ae, sensitive || (isEnvironment(path) && looksSecret(name)))
	}
}

// element compares two named elements (either may be nil), without their name, which is in path.
func (d *differ) element(path string, b, a map[string]any, sensitive bool) {
	if field, ok := valueField(b, a); ok {
		// {name, value} pairs (environment, secrets, tags) read best as NAME: VALUE.
		d.value(path, b[field], a[field], sensitive)
		return
	}
	switch {
	case b == nil && len(a) == 0:
		d.add(Change{Kind: Added, Path: path}, sensitive)
	case a == nil && len(b) == 0:
		d.add(Change{Kind: Removed, Path: path}, sensitive)
	default:
		d.value(path, nilIfEmpty(b), nilIfEmpty(a), sensitive)
	}
}

// added lists a new value leaf by leaf, so that sensitive values inside it stay hidden.
func (d *differ) added(path string, a any, sensitive bool) {
	switch v := a.(type) {
	case map[string]any:
		d.object(path, nil, v, sensitive)
	case []any:
		if allScalars(v) {
			d.add(Change{Kind: Added, Path: path, After: compact(v)}, sensitive)
			return
		}
		d.array(path, nil, v, sensitive)
	default:
		d.add(Change{Kind: Added, Path: path, After: compact(v)}, sensitive)
	}
}

// removed lists a removed value: an object as one line without its value, since its path says
// enough; an array of objects element by element; the document's top-level keys one by one.
func (d *differ) removed(path string, b any, sensitive bool) {
	switch v := b.(type) {
	case map[string]any:
		if path == "" {
			d.object(path, v, nil, sensitive)
			return
		}
		d.add(Change{Kind: Removed, Path: path}, sensitive)
	case []any:
		if !allScalars(v) {
			d.array(path, v, nil, sensitive)
			return
		}
		d.add(Change{Kind: Removed, Path: path, Before: compact(v)}, sensitive)
	default:
		d.add(Change{Kind: Removed, Path: path, Before: compact(v)}, sensitive)
	}
}

func (d *differ) add(c Change, sensitive bool) {
	if sensitive {
		c.Before, c.After, c.Sensitive = "", "", true
	}
	d.changes = append(d.changes, c)
}

// secretElement reports an element of an environment array whose name looks secret, for
// environments matched by index (when names repeat).
func (d *differ) secretElement(path string, elems ...any) bool {
	if !isEnvironment(path) {
		return false
	}
	for _, e := range elems {
		if obj, ok := e.(map[string]any); ok {
			for _, k := range []string{"name", "Name"} {
				if name, ok := obj[k].(string); ok && looksSecret(name) {
					return true
				}
			}
		}
	}
	return false
}

// identityKeys are the spellings of the keys that name array elements, by preference.
var identityKeys = [][]string{{"name", "Name"}, {"key", "Key"}, {"containerName", "ContainerName"}}

// identity finds the key spellings that name every element of both arrays uniquely.
func identity(arrays ...[]any) ([]string, bool) {
next:
	for _, spellings := range identityKeys {
		for _, arr := range arrays {
			seen := map[string]bool{}
			for _, e := range arr {
				name, ok := nameOf(e, spellings)
				if !ok || seen[name] {
					continue next
				}
				seen[name] = true
			}
		}
		return spellings, true
	}
	return nil, false
}

func nameOf(e any, spellings []string) (string, bool) {
	obj, ok := e.(map[string]any)
	if !ok {
		return "", false
	}
	found := ""
	for _, k := range spellings {
		if v, ok := obj[k]; ok {
			s, isString := v.(string)
			if !isString || found != "" {
				return "", false
			}
			found = s
		}
	}
	return found, found != ""
}

// byName indexes elements by name; each is a copy without the key that holds its name.
func byName(arr []any, spellings []string) map[string]map[string]any {
	m := make(map[string]map[string]any, len(arr))
	for _, e := range arr {
		name, _ := nameOf(e, spellings)
		elem := make(map[string]any)
		for k, v := range e.(map[string]any) {
			if !slices.Contains(spellings, k) {
				elem[k] = v
			}
		}
		m[name] = elem
	}
	return m
}

// valueField reports the key of the value of a {name, value} pair, when that is all that the
// two elements hold between them.
func valueField(b, a map[string]any) (string, bool) {
	keys := unionKeys(b, a)
	if len(keys) != 1 {
		return "", false
	}
	switch lowerFirst(keys[0]) {
	case "value", "valueFrom":
		return keys[0], true
	}
	return "", false
}

func nilIfEmpty(obj map[string]any) any {
	if len(obj) == 0 {
		return nil
	}
	return obj
}

func allScalars(arr []any) bool {
	for _, e := range arr {
		if isComposite(e) {
			return false
		}
	}
	return true
}

func at(arr []any, i int) any {
	if i < len(arr) {
		return arr[i]
	}
	return nil
}

func unionKeys[V any](b, a map[string]V) []string {
	keys := make([]string, 0, len(b)+len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

var (
	plainKey  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	plainName = regexp.MustCompile(`^[A-Za-z0-9_.:/@+-]*[A-Za-z_.:/@+-][A-Za-z0-9_.:/@+-]*$`)
)

// joinKey appends an object key to a path, quoting keys that would read as path syntax.
func joinKey(path, key string) string {
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinName appends an element's name; names that look like an index or hold brackets are quoted.
func joinName(path, name string) string {
	if !plainName.MatchString(name) {
		name = strconv.Quote(name)
	}
	return path + "[" + name + "]"
}

// isEnvironment reports a path that ends in an "environment" key, in either key style.
func isEnvironment(path string) bool {
	i := strings.LastIndexAny(path, ".]")
	return strings.EqualFold(path[i+1:], "environment")
}

// secretWords mark an environment variable whose value must not be shown.
var secretWords = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE"}

func looksSecret(name string) bool {
	upper := strings.ToUpper(name)
	for _, w := range secretWords {
		if strings.Contains(upper, w) {
			return true
		}
	}
	return false
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

package deploy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// apiJSON renders an SDK value (a RegisterTaskDefinitionInput) as canonical JSON in the API's
// spelling: struct fields under their API names (containerDefinitions, image, …), keys sorted,
// unset and empty values left out, map keys (docker labels, log options) as they are. It is the
// document a plan diffs: two definitions that register the same revision render the same.
func apiJSON(v any) ([]byte, error) {
	doc := apiValue(reflect.ValueOf(v), false)
	if doc == nil {
		doc = map[string]any{}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// apiValue converts v; set says it was pointed to, so a zero value was set on purpose (a
// *bool false, a *int32 0) and is kept.
func apiValue(v reflect.Value, set bool) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return apiValue(v.Elem(), true)
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.UTC().Format(time.RFC3339)
		}
		obj := map[string]any{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if x := apiValue(v.Field(i), false); x != nil {
				obj[strings.ToLower(f.Name[:1])+f.Name[1:]] = x
			}
		}
		if len(obj) == 0 {
			return nil
		}
		return obj
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return nil
		}
		list := make([]any, 0, v.Len())
		for i := range v.Len() {
			list = append(list, apiValue(v.Index(i), true))
		}
		return list
	case reflect.Map:
		if v.Len() == 0 {
			return nil
		}
		obj := map[string]any{} // encoding/json sorts the keys
		for _, k := range v.MapKeys() {
			obj[fmt.Sprint(k.Interface())] = apiValue(v.MapIndex(k), true)
		}
		return obj
	}
	if !set && v.IsZero() {
		return nil
	}
	return v.Interface()
}

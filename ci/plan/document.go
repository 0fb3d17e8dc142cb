package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// parse reads one JSON document; empty input or null is an absent document. Errors never quote
// the input, which may hold environment values.
func parse(which string, data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("plan: the %s document is not valid JSON (%v, at byte %d of %d); pass json.Marshal's output", which, err, syntax.Offset, len(data))
		}
		return nil, fmt.Errorf("plan: the %s document is not valid JSON (%v, %d bytes); pass json.Marshal's output", which, err, len(data))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("plan: the %s document has more than one JSON value (trailing data after byte %d); pass exactly one document", which, dec.InputOffset())
	}
	return normalize(v), nil
}

// normalize drops what means "not set" so that it compares equal to a missing key: null, "",
// empty arrays and objects, and objects left empty by that. Scalars inside arrays are kept, since
// an array's elements are positional ("" is a real argument in a command).
func normalize(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if v == "" {
			return nil
		}
		return v
	case map[string]any:
		for k, member := range v {
			if n := normalize(member); n != nil {
				v[k] = n
			} else {
				delete(v, k)
			}
		}
		if len(v) == 0 {
			return nil
		}
		return v
	case []any:
		if len(v) == 0 {
			return nil
		}
		for i, e := range v {
			switch e.(type) {
			case map[string]any, []any:
				v[i] = normalize(e)
			}
		}
		return v
	}
	return v
}

// isComposite reports objects and arrays.
func isComposite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// equal compares normalized values; numbers compare by value, so 1 equals 1.0.
func equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, err1 := strconv.ParseFloat(string(a), 64)
		y, err2 := strconv.ParseFloat(string(b), 64)
		return err1 == nil && err2 == nil && x == y
	}
	return a == b
}

// compact renders a value as compact JSON, without HTML escaping (it is for people).
func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values come from json.Unmarshal, so they always encode.
		return fmt.Sprintf("%v", v)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

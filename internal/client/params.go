package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
)

// BuildParams returns a submit's parameters: base (a --params-file's
// object; nil for none) with each key=value of sets on top, in order.
//
// Each value is typed by its parameter's JSON Schema in schema, the
// "parameters" of GET /tasks/types/{name} (nil: every value a string):
// integer and number parse as JSON numbers, boolean as true or false,
// array and object as JSON, and string stays as written. A value that
// does not parse as its type, or a key the schema does not know, is sent
// as a string, so that the API names what is wrong. A dotted key sets a
// field of an object parameter (-p options.depth=2).
func BuildParams(schema map[string]any, base map[string]any, sets []string) (map[string]any, error) {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for _, kv := range sets {
		key, raw, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("-p %q: want key=value", kv)
		}
		if err := setParam(out, schema, key, raw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setParam sets key (maybe dotted) in obj to raw, typed by schema.
func setParam(obj, schema map[string]any, key, raw string) error {
	if _, ok := property(schema, key); ok || !strings.Contains(key, ".") {
		prop, _ := property(schema, key)
		obj[key] = typedValue(prop, raw)
		return nil
	}
	parts := strings.Split(key, ".")
	for i, part := range parts {
		if part == "" {
			return fmt.Errorf("-p %s=…: empty name in the key", key)
		}
		prop, _ := property(schema, part)
		if i == len(parts)-1 {
			obj[part] = typedValue(prop, raw)
			return nil
		}
		switch child := obj[part].(type) {
		case nil:
			m := map[string]any{}
			obj[part] = m
			obj = m
		case map[string]any:
			obj = child
		default:
			return fmt.Errorf("-p %s=…: %s is not an object", key, strings.Join(parts[:i+1], "."))
		}
		schema = prop
	}
	return nil
}

// property returns the schema of an object schema's property.
func property(schema map[string]any, name string) (map[string]any, bool) {
	props, _ := schema["properties"].(map[string]any)
	p, ok := props[name].(map[string]any)
	return p, ok
}

// typedValue parses raw as the kind of value prop allows; what fits no
// kind stays a string.
func typedValue(prop map[string]any, raw string) any {
	kinds := schemaKinds(prop)
	if len(kinds) == 0 {
		return raw
	}
	if v, ok := parseJSON(raw); ok {
		switch v := v.(type) {
		case json.Number:
			if kinds["integer"] || kinds["number"] {
				return v
			}
		case bool:
			if kinds["boolean"] {
				return v
			}
		case []any:
			if kinds["array"] {
				return v
			}
		case map[string]any:
			if kinds["object"] {
				return v
			}
		case nil:
			if kinds["null"] && !kinds["string"] {
				return nil
			}
		}
	}
	if kinds["boolean"] {
		if b, err := strconv.ParseBool(strings.TrimSpace(raw)); err == nil {
			return b
		}
	}
	return raw
}

// parseJSON parses s as exactly one JSON value, keeping numbers as
// written.
func parseJSON(s string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// schemaKinds collects the JSON types a schema allows: its "type", the
// types of its "const" and "enum" values, and those of its oneOf, anyOf
// and allOf alternatives.
func schemaKinds(s map[string]any) map[string]bool {
	kinds := map[string]bool{}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		switch t := s["type"].(type) {
		case string:
			kinds[t] = true
		case []any:
			for _, x := range t {
				if name, ok := x.(string); ok {
					kinds[name] = true
				}
			}
		}
		if c, ok := s["const"]; ok {
			kinds[kindOf(c)] = true
		}
		if e, ok := s["enum"].([]any); ok {
			for _, v := range e {
				kinds[kindOf(v)] = true
			}
		}
		if _, ok := s["properties"]; ok {
			kinds["object"] = true
		}
		if _, ok := s["items"]; ok {
			kinds["array"] = true
		}
		for _, key := range []string{"oneOf", "anyOf", "allOf"} {
			alts, _ := s[key].([]any)
			for _, a := range alts {
				if m, ok := a.(map[string]any); ok {
					walk(m)
				}
			}
		}
	}
	if s != nil {
		walk(s)
	}
	return kinds
}

// kindOf is the JSON Schema type name of a decoded JSON value.
func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// ReadParamsFile reads a JSON object of parameters.
func ReadParamsFile(r io.Reader, name string) (map[string]any, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("--params-file %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("--params-file %s: want a JSON object of parameters: %v", name, errOrNull(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("--params-file %s: more than one JSON value", name)
	}
	return m, nil
}

func errOrNull(err error) any {
	if err == nil {
		return "got null"
	}
	return err
}

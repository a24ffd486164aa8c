package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Params is a task type's typed parameters. Kind is the task type's stable
// name: it names the Temporal workflow, so it must never change once tasks of
// that type exist. Validate checks what the field tags cannot express (rules
// across fields); decoding has already applied the tags.
//
// Fields describe themselves with two struct tags besides json:
//
//	param:"required,min=0,max=3600,enum=a|b,minlen=1,maxlen=64,minitems=1,maxitems=500"
//	doc:"What the field means, for the JSON Schema."
type Params interface {
	Kind() string
	Validate() error
}

// rules are the constraints of one field, parsed from its param tag.
type rules struct {
	required           bool
	min, max           *float64
	minLen, maxLen     *int
	minItems, maxItems *int
	enum               []string
}

func parseRules(tag string) (rules, error) {
	var r rules
	if tag == "" {
		return r, nil
	}
	for part := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(part, "=")
		switch key {
		case "required":
			r.required = true
		case "min", "max":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return r, fmt.Errorf("param tag %q: %w", part, err)
			}
			if key == "min" {
				r.min = &f
			} else {
				r.max = &f
			}
		case "minlen", "maxlen", "minitems", "maxitems":
			n, err := strconv.Atoi(val)
			if err != nil {
				return r, fmt.Errorf("param tag %q: %w", part, err)
			}
			switch key {
			case "minlen":
				r.minLen = &n
			case "maxlen":
				r.maxLen = &n
			case "minitems":
				r.minItems = &n
			default:
				r.maxItems = &n
			}
		case "enum":
			r.enum = strings.Split(val, "|")
		default:
			return r, fmt.Errorf("param tag: unknown rule %q", key)
		}
	}
	return r, nil
}

// field is one JSON-visible struct field.
type field struct {
	name  string
	index int
	doc   string
	rules rules
}

func structFields(t reflect.Type) ([]field, error) {
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		r, err := parseRules(sf.Tag.Get("param"))
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), sf.Name, err)
		}
		fields = append(fields, field{name: name, index: i, doc: sf.Tag.Get("doc"), rules: r})
	}
	return fields, nil
}

// decoder decodes JSON into a value of a Params type, collecting every bad
// field instead of stopping at the first.
type decoder struct {
	errs []derrors.FieldError
}

func (d *decoder) fail(path, format string, args ...any) {
	d.errs = append(d.errs, derrors.FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// decodeValue decodes raw into v (addressable), applying the rules.
func (d *decoder) decodeValue(v reflect.Value, raw json.RawMessage, path string, r rules) {
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(v, raw, path)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct || v.Type().Implements(reflect.TypeFor[json.Unmarshaler]()) {
			if !d.decodeLeaf(v, raw, path) {
				return // one error per field: the rules need a value
			}
			break
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			d.fail(path, "must be an array")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			d.decodeStruct(s.Index(i), item, fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	default:
		if !d.decodeLeaf(v, raw, path) {
			return
		}
	}
	d.check(v, path, r)
}

func (d *decoder) decodeLeaf(v reflect.Value, raw json.RawMessage, path string) bool {
	target := reflect.New(v.Type())
	if err := json.Unmarshal(raw, target.Interface()); err != nil {
		d.fail(path, "must be %s", describeType(v.Type()))
		return false
	}
	v.Set(target.Elem())
	return true
}

func (d *decoder) decodeStruct(v reflect.Value, raw json.RawMessage, path string) {
	var obj map[string]json.RawMessage
	if isNull(raw) {
		raw = json.RawMessage("{}")
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		name := path
		if name == "" {
			name = "parameters"
		}
		d.fail(name, "must be an object")
		return
	}
	fields, err := structFields(v.Type())
	if err != nil {
		// A bad tag is a programming error in a task package, caught by its tests.
		panic(err)
	}
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.name] = true
		p := join(path, f.name)
		val, ok := obj[f.name]
		if !ok || isNull(val) {
			if f.rules.required {
				d.fail(p, "is required")
			}
			continue
		}
		d.decodeValue(v.Field(f.index), val, p, f.rules)
	}
	var unknown []string
	for name := range obj {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		d.fail(join(path, name), "is not a parameter of this task")
	}
}

// check applies the numeric, length and enum rules to a decoded value.
func (d *decoder) check(v reflect.Value, path string, r rules) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		var f float64
		if v.CanInt() {
			f = float64(v.Int())
		} else {
			f = v.Float()
		}
		if r.min != nil && f < *r.min {
			d.fail(path, "must be at least %s", fmtNum(*r.min))
		}
		if r.max != nil && f > *r.max {
			d.fail(path, "must be at most %s", fmtNum(*r.max))
		}
	case reflect.String:
		s := v.String()
		n := len([]rune(s))
		if r.minLen != nil && n < *r.minLen {
			d.fail(path, "must be at least %d characters", *r.minLen)
		}
		if r.maxLen != nil && n > *r.maxLen {
			d.fail(path, "must be at most %d characters", *r.maxLen)
		}
		if r.enum != nil && !slices.Contains(r.enum, s) {
			d.fail(path, "must be one of %s", strings.Join(r.enum, ", "))
		}
	case reflect.Slice:
		if r.minItems != nil && v.Len() < *r.minItems {
			d.fail(path, "must have at least %d items", *r.minItems)
		}
		if r.maxItems != nil && v.Len() > *r.maxItems {
			d.fail(path, "must have at most %d items", *r.maxItems)
		}
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "a "), "an ") + "s"
	default:
		return "an object"
	}
}

// decodeParams decodes raw JSON over defaults (a struct value) and validates
// it, returning the typed value or a *derrors.InvalidError naming each bad field.
func decodeParams[P Params](defaults P, raw json.RawMessage) (P, error) {
	p := defaults
	v := reflect.ValueOf(&p).Elem()
	var d decoder
	d.decodeStruct(v, raw, "")
	if len(d.errs) > 0 {
		return p, &derrors.InvalidError{Fields: d.errs}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// schemaFor returns the JSON Schema (draft 2020-12) of a Params struct type,
// with defaults taken from the given value.
func schemaFor(v reflect.Value) map[string]any {
	s := objectSchema(v)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	return s
}

func objectSchema(v reflect.Value) map[string]any {
	fields, err := structFields(v.Type())
	if err != nil {
		panic(err)
	}
	props := make(map[string]any, len(fields))
	required := []string{}
	for _, f := range fields {
		fv := v.Field(f.index)
		p := valueSchema(fv)
		if f.doc != "" {
			p["description"] = f.doc
		}
		applyRules(p, f.rules)
		if f.rules.required {
			required = append(required, f.name)
		} else if fv.Kind() != reflect.Struct && fv.Kind() != reflect.Slice {
			p["default"] = fv.Interface()
		}
		props[f.name] = p
	}
	return map[string]any{
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

// SchemaProvider is a field type that describes itself, for a value the
// reflection rules cannot express (a string or a list).
type SchemaProvider interface {
	JSONSchema() map[string]any
}

func valueSchema(v reflect.Value) map[string]any {
	t := v.Type()
	if sp, ok := v.Interface().(SchemaProvider); ok {
		return sp.JSONSchema()
	}
	switch t.Kind() {
	case reflect.Struct:
		return objectSchema(v)
	case reflect.Slice:
		return map[string]any{"type": "array", "items": valueSchema(reflect.New(t.Elem()).Elem())}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	default:
		return map[string]any{"type": "integer"}
	}
}

func applyRules(p map[string]any, r rules) {
	if r.min != nil {
		p["minimum"] = *r.min
	}
	if r.max != nil {
		p["maximum"] = *r.max
	}
	if r.minLen != nil {
		p["minLength"] = *r.minLen
	}
	if r.maxLen != nil {
		p["maxLength"] = *r.maxLen
	}
	if r.minItems != nil {
		p["minItems"] = *r.minItems
	}
	if r.maxItems != nil {
		p["maxItems"] = *r.maxItems
	}
	if r.enum != nil {
		p["enum"] = r.enum
	}
}

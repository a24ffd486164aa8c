package codeability

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kind is the Python type of a value, as the harness names it.
type Kind string

// The kinds of value the harness encodes.
const (
	KindNone      Kind = "NoneType"
	KindBool      Kind = "bool"
	KindInt       Kind = "int"
	KindFloat     Kind = "float"
	KindComplex   Kind = "complex"
	KindStr       Kind = "str"
	KindBytes     Kind = "bytes"
	KindList      Kind = "list"
	KindTuple     Kind = "tuple"
	KindSet       Kind = "set"
	KindFrozenset Kind = "frozenset"
	KindDict      Kind = "dict"
	KindRange     Kind = "range"
	// KindNDArray is a numpy array: DType, Shape, and its elements flat
	// in Items (C order).
	KindNDArray Kind = "ndarray"
	// KindNumpyScalar is a numpy scalar (numpy.float64, numpy.int32, ...);
	// Type holds its type name, DType its dtype, and the number is in Int,
	// Float or Bool.
	KindNumpyScalar Kind = "numpy"
	// KindOther is anything else: only its type name and str() are known.
	KindOther Kind = "other"
)

// Value is a Python value as the harness reported it, or as test.yaml
// gives it.
type Value struct {
	Kind Kind
	// Type is the Python type's name: Kind's own, or for KindOther and
	// KindNumpyScalar the class's (numpy.float64, Fraction, ...).
	Type string
	// Int holds an int (any size), Float a float, Bool a bool; a complex
	// number is Float + Imag*i.
	Int   *big.Int
	Float float64
	Imag  float64
	Bool  bool
	Str   string
	// Items are the elements of a list, tuple, set, array or range, or
	// the values of a dict, whose keys are in Keys.
	Items []Value
	Keys  []Value
	DType string
	Shape []int
	// Text is Python's str() of the value, which the string qualifications
	// (matches, contains, ...) compare, as the published engine does.
	Text string
}

// Limits on what is decoded from a harness, whose output is untrusted.
const (
	valueDepthMax = 64
)

// wireValue is a value as the harness writes it.
type wireValue struct {
	T     string            `json:"t"`
	Type  string            `json:"type,omitempty"`
	V     json.RawMessage   `json:"v,omitempty"`
	Items []json.RawMessage `json:"items,omitempty"`
	Keys  []json.RawMessage `json:"keys,omitempty"`
	DType string            `json:"dtype,omitempty"`
	Shape []int             `json:"shape,omitempty"`
	S     string            `json:"s"`
}

// decodeValue decodes one value of a harness's output.
func decodeValue(raw json.RawMessage, depth int) (Value, error) {
	if depth > valueDepthMax {
		return Value{}, fmt.Errorf("value nested deeper than %d", valueDepthMax)
	}
	var w wireValue
	if err := json.Unmarshal(raw, &w); err != nil {
		return Value{}, err
	}
	v := Value{Kind: Kind(w.T), Type: w.Type, Text: w.S, DType: w.DType, Shape: w.Shape}
	if v.Type == "" {
		v.Type = w.T
	}
	var err error
	switch v.Kind {
	case KindNone:
	case KindBool:
		err = json.Unmarshal(w.V, &v.Bool)
	case KindInt:
		v.Int, err = decodeInt(w.V)
	case KindFloat:
		v.Float, err = decodeFloat(w.V)
	case KindComplex:
		var parts [2]json.RawMessage
		if err = json.Unmarshal(w.V, &parts); err == nil {
			if v.Float, err = decodeFloat(parts[0]); err == nil {
				v.Imag, err = decodeFloat(parts[1])
			}
		}
	case KindStr, KindBytes:
		err = json.Unmarshal(w.V, &v.Str)
	case KindNumpyScalar:
		var inner Value
		if inner, err = decodeValue(w.V, depth+1); err == nil {
			v.Int, v.Float, v.Imag, v.Bool, v.Str = inner.Int, inner.Float, inner.Imag, inner.Bool, inner.Str
			v.Items = []Value{inner}
		}
	case KindList, KindTuple, KindSet, KindFrozenset, KindRange, KindNDArray, KindDict:
		v.Items = make([]Value, 0, len(w.Items))
		for _, it := range w.Items {
			x, err := decodeValue(it, depth+1)
			if err != nil {
				return v, err
			}
			v.Items = append(v.Items, x)
		}
		if v.Kind == KindDict {
			if len(w.Keys) != len(w.Items) {
				return v, fmt.Errorf("dict with %d keys and %d values", len(w.Keys), len(w.Items))
			}
			for _, k := range w.Keys {
				x, err := decodeValue(k, depth+1)
				if err != nil {
					return v, err
				}
				v.Keys = append(v.Keys, x)
			}
		}
		if v.Kind == KindNDArray {
			n := 1
			for _, d := range v.Shape {
				if d < 0 {
					return v, fmt.Errorf("array with a negative dimension")
				}
				n *= d
			}
			if n != len(v.Items) {
				return v, fmt.Errorf("array of shape %v with %d elements", v.Shape, len(v.Items))
			}
		}
	case KindOther:
	default:
		return v, fmt.Errorf("unknown value kind %q", w.T)
	}
	return v, err
}

func decodeInt(raw json.RawMessage) (*big.Int, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("bad int %q", s)
	}
	return n, nil
}

// decodeFloat reads a float, written as a JSON number or, for those JSON
// cannot hold, as "nan", "inf" or "-inf".
func decodeFloat(raw json.RawMessage) (float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "nan":
			return math.NaN(), nil
		case "inf":
			return math.Inf(1), nil
		case "-inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("bad float %q", s)
	}
	var f float64
	err := json.Unmarshal(raw, &f)
	return f, err
}

// valueFromYAML turns a test's value into a Value as Python's YAML loader
// would: ints, floats, bools, null, strings, lists and dicts.
func valueFromYAML(n *yaml.Node, field string, depth int) (Value, error) {
	n = deref(n)
	if depth > valueDepthMax {
		return Value{}, errorf(n.Line, "%s is nested too deeply", field)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return Value{Kind: KindNone, Type: string(KindNone), Text: "None"}, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return Value{}, errorf(n.Line, "%s: %v", field, err)
			}
			return boolValue(b), nil
		case "!!int":
			i, ok := new(big.Int).SetString(strings.ReplaceAll(n.Value, "_", ""), 0)
			if !ok {
				var x int64
				if err := n.Decode(&x); err != nil {
					return Value{}, errorf(n.Line, "%s is not a whole number this worker reads", field)
				}
				i = big.NewInt(x)
			}
			return Value{Kind: KindInt, Type: string(KindInt), Int: i, Text: i.String()}, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return Value{}, errorf(n.Line, "%s: %v", field, err)
			}
			return floatValue(f), nil
		default:
			if !validUTF8(n.Value) {
				return Value{}, errorf(n.Line, "%s must be valid UTF-8", field)
			}
			return Value{Kind: KindStr, Type: string(KindStr), Str: n.Value, Text: n.Value}, nil
		}
	case yaml.SequenceNode:
		v := Value{Kind: KindList, Type: string(KindList)}
		texts := make([]string, 0, len(n.Content))
		for i, e := range n.Content {
			x, err := valueFromYAML(e, fmt.Sprintf("%s[%d]", field, i), depth+1)
			if err != nil {
				return v, err
			}
			v.Items = append(v.Items, x)
			texts = append(texts, pyRepr(x))
		}
		v.Text = "[" + strings.Join(texts, ", ") + "]"
		return v, nil
	case yaml.MappingNode:
		v := Value{Kind: KindDict, Type: string(KindDict)}
		texts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := valueFromYAML(n.Content[i], field+" key", depth+1)
			if err != nil {
				return v, err
			}
			x, err := valueFromYAML(n.Content[i+1], field+"."+n.Content[i].Value, depth+1)
			if err != nil {
				return v, err
			}
			v.Keys = append(v.Keys, k)
			v.Items = append(v.Items, x)
			texts = append(texts, pyRepr(k)+": "+pyRepr(x))
		}
		v.Text = "{" + strings.Join(texts, ", ") + "}"
		return v, nil
	}
	return Value{}, errorf(n.Line, "%s must be a number, string, boolean, null, list or mapping", field)
}

func boolValue(b bool) Value {
	t := "False"
	if b {
		t = "True"
	}
	return Value{Kind: KindBool, Type: string(KindBool), Bool: b, Text: t}
}

func floatValue(f float64) Value {
	return Value{Kind: KindFloat, Type: string(KindFloat), Float: f, Text: pyFloat(f)}
}

// pyFloat formats f as Python's str() does for the common cases.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == math.Trunc(f) && math.Abs(f) < 1e16:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.Contains(s, "e") {
		// Python writes 1e-05 where Go writes 1e-05 too, but 1e+20 as 1e+20.
		return s
	}
	return s
}

// pyRepr is Python's repr() of a value made from YAML: strings quoted.
func pyRepr(v Value) string {
	if v.Kind == KindStr {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(v.Str, `\`, `\\`), "'", `\'`) + "'"
	}
	return v.Text
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

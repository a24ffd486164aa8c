package specyaml

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestInt(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		src  string
		bits int
		want int64
		err  string
	}{
		{"2147483647", 32, 2147483647, ""},
		{"-2147483648", 32, -2147483648, ""},
		{"2147483648", 32, 0, "out of range"},
		{"-2147483649", 32, 0, "out of range"},
		{"2147483648", 64, 2147483648, ""},
		{"9223372036854775807", 64, 9223372036854775807, ""},
		{"9223372036854775808", 64, 0, "out of range"},
		{"1.5", 64, 0, "whole number"},
		{"'3'", 64, 0, "whole number"},
	} {
		got, err := Int(node(t, tt.src), "n", tt.bits)
		if tt.err == "" && (err != nil || got != tt.want) || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Int(%s, %d) = %d, %v; want %d, %q", tt.src, tt.bits, got, err, tt.want, tt.err)
		}
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	n := node(t, "a: 1\nb: ~\nc: x\n")
	if _, err := Fields(n, "t", []string{"a", "b"}, nil, ""); err == nil || err.Error() != `test.yaml: line 3: t: unknown key "c" (allowed: a, b)` {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := Fields(n, "t", []string{"a", "b"}, []string{"c"}, "here"); err == nil || err.Error() != "test.yaml: line 3: t.c is not supported here" {
		t.Errorf("unsupported key: %v", err)
	}
	f, err := Fields(n, "", []string{"a", "b", "c"}, nil, "")
	if err != nil || len(f) != 2 || f["b"] != nil {
		t.Errorf("fields %v, %v; want a and c (b is null)", f, err)
	}
	if _, err := Fields(node(t, "a: 1\na: 2\n"), "", []string{"a"}, nil, ""); err == nil || !strings.Contains(err.Error(), "line 2: a is given twice") {
		t.Errorf("repeated key: %v", err)
	}
}

func TestYAMLErrorLine(t *testing.T) {
	t.Parallel()
	b := []byte("a: 1\nb: 2\nc: \x01\n")
	var v any
	err := yaml.Unmarshal(b, &v)
	if err == nil {
		t.Fatal("control character accepted")
	}
	var e *Error
	if got := YAMLError(b, err); !errors.As(error(got), &e) || e.Line != 3 {
		t.Errorf("YAMLError = %v, want line 3", got)
	}
}

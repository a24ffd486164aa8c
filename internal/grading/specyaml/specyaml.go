// Package specyaml holds the strict readers of test.yaml that both of its
// formats share (ours, in package grading, and CodeAbility's, in package
// codeability): a mapping's keys checked against the allowed ones, typed
// values, and every error naming the line and the field.
package specyaml

import (
	"bytes"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// File is the name errors give the file they are about.
const File = "test.yaml"

// Error is a test.yaml that is rejected: the line at fault and what is
// wrong, naming the field.
type Error struct {
	// Line is the 1-based line of test.yaml at fault.
	Line int
	// Msg says what is wrong and names the field, as in
	// "tests[1].type must be io, command or junit".
	Msg string
}

// Error returns "test.yaml: line N: " followed by Msg.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: line %d: %s", File, e.Line, e.Msg)
}

// Errorf returns an *Error on line (line 1 when below 1).
func Errorf(line int, format string, args ...any) *Error {
	if line < 1 {
		line = 1
	}
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Fields returns the values of mapping n, at path p, by key, rejecting
// repeated keys and keys not in known: those in unsupported with
// "<key> is not supported <why>", others as unknown. A null value counts
// as absent. Aliases are resolved.
func Fields(n *yaml.Node, p string, known, unsupported []string, why string) (map[string]*yaml.Node, error) {
	where := func(key string) string {
		if p == "" {
			return key
		}
		return p + "." + key
	}
	f := make(map[string]*yaml.Node, len(n.Content)/2)
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Deref(n.Content[i]), Deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, Errorf(k.Line, "%s: keys must be plain names", OrTop(p))
		}
		if !slices.Contains(known, k.Value) {
			if slices.Contains(unsupported, k.Value) {
				return nil, Errorf(k.Line, "%s is not supported %s", where(k.Value), why)
			}
			return nil, Errorf(k.Line, "%s: unknown key %q (allowed: %s)", OrTop(p), k.Value, strings.Join(known, ", "))
		}
		if seen[k.Value] {
			return nil, Errorf(k.Line, "%s is given twice", where(k.Value))
		}
		seen[k.Value] = true
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			continue
		}
		f[k.Value] = v
	}
	return f, nil
}

// OrTop names path p in messages: "top level" when empty.
func OrTop(p string) string {
	if p == "" {
		return "top level"
	}
	return p
}

// LineOf is the line of field key of f, or of parent without it.
func LineOf(f map[string]*yaml.Node, key string, parent *yaml.Node) int {
	if v, ok := f[key]; ok {
		return v.Line
	}
	return parent.Line
}

// Deref resolves an alias to the node it names. Anchors are never set on
// alias nodes, so one step is enough.
func Deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// String accepts any scalar: `stdout: 3` means the text "3", as written.
func String(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", Errorf(n.Line, "%s must be a string", field)
	}
	if !utf8.ValidString(n.Value) {
		return "", Errorf(n.Line, "%s must be valid UTF-8", field)
	}
	return n.Value, nil
}

// StringList reads a list of strings.
func StringList(n *yaml.Node, field string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, Errorf(n.Line, "%s must be a list of strings", field)
	}
	out := make([]string, 0, len(n.Content))
	for i, e := range n.Content {
		e = Deref(e)
		if e.Kind != yaml.ScalarNode || e.ShortTag() == "!!null" {
			return nil, Errorf(e.Line, "%s[%d] must be a string", field, i)
		}
		s, err := String(e, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// StringOrList reads a string or a list of strings.
func StringOrList(n *yaml.Node, field string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		s, err := String(n, field)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, Errorf(n.Line, "%s must be a string or a list of strings", field)
	}
	return StringList(n, field)
}

// Number reads a finite number.
func Number(n *yaml.Node, field string) (float64, error) {
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
		return 0, Errorf(n.Line, "%s must be a number", field)
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, Errorf(n.Line, "%s must be a finite number", field)
	}
	return f, nil
}

// Int reads a whole number that fits in bits (32 or 64) bits.
func Int(n *yaml.Node, field string, bits int) (int64, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, Errorf(n.Line, "%s must be a whole number", field)
	}
	var i int64
	if err := n.Decode(&i); err != nil || (bits < 64 && (i < -(1<<(bits-1)) || i >= 1<<(bits-1))) {
		return 0, Errorf(n.Line, "%s is out of range", field)
	}
	return i, nil
}

// Bool reads true or false.
func Bool(n *yaml.Node, field string) (bool, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return false, Errorf(n.Line, "%s must be true or false", field)
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, Errorf(n.Line, "%s must be true or false", field)
	}
	return b, nil
}

// LocalPath reports whether p is a slash-separated relative path that
// stays inside the directory it is relative to and names something below
// it.
func LocalPath(p string) bool {
	return p != "" && !strings.Contains(p, `\`) && !strings.ContainsFunc(p, IsControl) &&
		filepath.IsLocal(filepath.FromSlash(p)) && path.Clean(p) != "."
}

// IsControl reports whether r is an ASCII control character.
func IsControl(r rune) bool {
	return r < 0x20 || r == 0x7f
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// YAMLError turns an error of the YAML parser on b into an *Error. The
// parser leaves the line out for some errors; those are placed where the
// text shows them, or on line 1.
func YAMLError(b []byte, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Errorf(line, "invalid YAML: %s", m[2])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1
	switch {
	case strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters"):
		line = badCharLine(b)
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		if i := bytes.Index(b, []byte("*"+name)); i >= 0 {
			line = 1 + bytes.Count(b[:i], []byte("\n"))
		}
	}
	return Errorf(line, "invalid YAML: %s", msg)
}

// badCharLine is the line of the first byte that is not valid UTF-8 or is
// a control character YAML does not allow.
func badCharLine(b []byte) int {
	line := 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		} else if (r < 0x20 && r != '\t' && r != '\r') || r == 0x7f {
			return line
		}
		i += size
	}
	return line
}

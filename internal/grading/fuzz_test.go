package grading

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParseSpec checks that ParseSpec never panics, that every rejection is
// a *SpecError naming a line of the input, and that every accepted spec
// keeps the rules Grade relies on.
func FuzzParseSpec(f *testing.F) {
	for _, seed := range []string{
		readTestdata(f, "sum/test.yaml"),
		"build: {command: make, time_limit: 30, memory_limit: 64}\ntests:\n  - {name: a, type: command, command: ./a, exit_code: 1}\n",
		"tests:\n  - {name: r, type: io, command: c, stdout: '\\d+', compare: regex}\n",
		"tests:\n  - {name: j, type: junit, command: c, report: out/r.xml, points: 3}\n",
		"tests:\n  - &t {name: a, type: io, command: c, stdout: x, args: [1, 'b c']}\n  - *t\n",
		"tests: &l [*l]\n",
		"tests:\n  - name: a\n    name: a\n",
		"tests: [a\n",
		"---\n---\n",
		"\xff",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		spec, err := ParseSpec(in)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %#v is not a *SpecError", err)
			}
			if lines := lineBreaks(in) + 2; se.Line < 1 || se.Line > lines {
				t.Fatalf("error names line %d of an input of %d lines: %v", se.Line, lines-1, err)
			}
			if !strings.HasPrefix(err.Error(), "test.yaml: line ") || se.Msg == "" {
				t.Fatalf("error %q does not read test.yaml: line N: ...", err)
			}
			if spec != nil {
				t.Fatalf("ParseSpec returned a spec with error %v", err)
			}
			return
		}
		if len(spec.Tests) == 0 {
			t.Fatal("accepted a spec without tests")
		}
		if b := spec.Build; b != nil && (strings.TrimSpace(b.Command) == "" || b.TimeLimit <= 0 || b.TimeLimit > TimeLimitMax || b.MemoryBytes <= 0) {
			t.Fatalf("accepted a bad build %+v", *b)
		}
		names := map[string]bool{}
		for _, tc := range spec.Tests {
			switch {
			case tc.Name == "" || names[tc.Name]:
				t.Fatalf("accepted an empty or repeated name %q", tc.Name)
			case strings.TrimSpace(tc.Command) == "":
				t.Fatalf("accepted test %q without a command", tc.Name)
			case tc.Points < 0 || tc.TimeLimit <= 0 || tc.TimeLimit > TimeLimitMax || tc.MemoryBytes <= 0 || tc.MemoryBytes > MemoryLimitMax:
				t.Fatalf("accepted test %q with bad limits %+v", tc.Name, tc)
			case tc.Type == TypeIO && tc.Compare == "":
				t.Fatalf("io test %q has no compare mode", tc.Name)
			case tc.Type == TypeJUnit && !localPath(tc.Report):
				t.Fatalf("junit test %q has report %q outside the work directory", tc.Name, tc.Report)
			case tc.Type != TypeIO && tc.Type != TypeCommand && tc.Type != TypeJUnit:
				t.Fatalf("test %q has type %q", tc.Name, tc.Type)
			}
			if tc.Compare == CompareRegex {
				if _, err := compileFullMatch(tc.Stdout); err != nil {
					t.Fatalf("accepted pattern %q that does not compile: %v", tc.Stdout, err)
				}
			}
			names[tc.Name] = true
		}
	})
}

// lineBreaks counts what YAML may count as line breaks: LF, CR, NEL, LS and
// PS.
func lineBreaks(b []byte) int {
	n := bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r"))
	for _, r := range string(b) {
		if r == 0x85 || r == 0x2028 || r == 0x2029 {
			n++
		}
	}
	return n
}

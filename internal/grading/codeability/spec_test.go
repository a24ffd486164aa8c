package codeability

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/grading"
)

func TestParseCascadesDefaults(t *testing.T) {
	s, err := Parse([]byte(`type: python
name: n
version: "1.0"
properties:
  relativeTolerance: 0.01
  typeCheck: false
  timeout: 7
  tests:
    - name: a
      entryPoint: a.py
      absoluteTolerance: 0.5
      shapeCheck: false
      tests:
        - name: x
        - name: y
          relativeTolerance: 0.2
          qualification: contains
          pattern: "1"
    - type: structural
      name: s
      file: a.py
      timeout: 3
      tests:
        - name: for
          allowedOccurrenceRange: [1, 2]
        - name: while
`))
	if err != nil {
		t.Fatal(err)
	}
	x, y := s.Collections[0].Tests[0], s.Collections[0].Tests[1]
	if x.RelativeTolerance != 0.01 || x.AbsoluteTolerance != 0.5 || x.TypeCheck || x.ShapeCheck || x.Qualification != VerifyEqual {
		t.Errorf("x inherits %+v", x)
	}
	if y.RelativeTolerance != 0.2 || y.AbsoluteTolerance != 0.5 || y.Qualification != Contains || y.Pattern != "1" {
		t.Errorf("y %+v", y)
	}
	if s.Collections[0].Type != TypeVariable || s.Collections[0].Timeout != 7*time.Second || s.Collections[1].Timeout != 3*time.Second {
		t.Errorf("collections %+v", s.Collections)
	}
	st := s.Collections[1].Tests
	if st[0].AllowedRange != [2]int{1, 2} || st[1].AllowedRange != [2]int{0, 0} || !st[1].TypeCheck == false {
		t.Errorf("structural %+v", st)
	}
	if s.SuccessMessage != SuccessMessageDefault || s.TestCount() != 4 {
		t.Errorf("suite %+v", s)
	}
}

func TestParseDefaultsArePublished(t *testing.T) {
	s, err := Parse([]byte("type: python\nproperties:\n  tests:\n    - {name: c, tests: [{name: v}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := s.Collections[0].Tests[0]
	// computor-types DEFAULTS["properties"].
	if v.RelativeTolerance != 1e-12 || v.AbsoluteTolerance != 1e-4 || !v.TypeCheck || !v.ShapeCheck || s.Collections[0].Timeout != 180*time.Second {
		t.Errorf("defaults %+v", v)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		line       int
		msg        string
	}{
		{"unknown root key", "type: python\nfoo: 1\nproperties: {tests: [{name: c, tests: [{name: v}]}]}\n", 2, `unknown key "foo"`},
		{"other language", "type: matlab\nproperties: {tests: []}\n", 1, `type "matlab" is not supported`},
		{"no properties", "type: python\nname: x\n", 1, "properties is required"},
		{"unknown collection key", "type: python\nproperties:\n  tests:\n    - name: c\n      bogus: 1\n      tests: [{name: v}]\n", 5, `properties.tests[0]: unknown key "bogus"`},
		{"unsupported key", "type: python\nproperties:\n  tests:\n    - name: c\n      compiler: gcc\n      tests: [{name: v}]\n", 5, "properties.tests[0].compiler is not supported"},
		{"bad type", "type: python\nproperties:\n  tests:\n    - name: c\n      type: video\n      tests: [{name: v}]\n", 5, "properties.tests[0].type must be one of variable"},
		{"bad qualification", "type: python\nproperties:\n  tests:\n    - name: c\n      tests:\n        - name: v\n          qualification: equals\n", 7, "properties.tests[0].tests[0].qualification must be one of"},
		{"pattern missing", "type: python\nproperties:\n  tests:\n    - name: c\n      tests:\n        - name: v\n          qualification: contains\n", 6, "pattern is required with qualification contains"},
		{"bad regexp", "type: python\nproperties:\n  tests:\n    - name: c\n      tests:\n        - name: v\n          qualification: regexp\n          pattern: 'a)(b'\n", 8, "not a regular expression"},
		{"python-only regexp", "type: python\nproperties:\n  tests:\n    - name: c\n      tests:\n        - name: v\n          qualification: regexp\n          pattern: '(?=a)'\n", 8, "RE2"},
		{"negative tolerance", "type: python\nproperties:\n  absoluteTolerance: -1\n  tests: [{name: c, tests: [{name: v}]}]\n", 3, "absoluteTolerance must not be negative"},
		{"zero relative tolerance", "type: python\nproperties:\n  relativeTolerance: 0\n  tests: [{name: c, tests: [{name: v}]}]\n", 3, "relativeTolerance must be more than 0"},
		{"bad range", "type: python\nproperties:\n  tests:\n    - name: c\n      type: structural\n      file: a.py\n      tests:\n        - name: for\n          allowedOccuranceRange: [3, 1]\n", 9, "allowedOccuranceRange must be [min, max]"},
		{"structural without file", "type: python\nproperties:\n  tests:\n    - name: c\n      type: structural\n      tests: [{name: for}]\n", 4, "file is required for structural"},
		{"escaping entry point", "type: python\nproperties:\n  tests:\n    - name: c\n      entryPoint: ../x.py\n      tests: [{name: v}]\n", 5, "entryPoint must be a relative path"},
		{"unknown dependency", "type: python\nproperties:\n  tests:\n    - name: c\n      successDependency: nope\n      tests: [{name: v}]\n", 4, `successDependency "nope" names no collection`},
		{"later dependency", "type: python\nproperties:\n  tests:\n    - name: c\n      successDependency: 2\n      tests: [{name: v}]\n    - name: d\n      tests: [{name: v}]\n", 4, "must name an earlier collection"},
		{"duplicate id", "type: python\nproperties:\n  tests:\n    - {name: c, id: a, tests: [{name: v}]}\n    - {name: d, id: a, tests: [{name: v}]}\n", 5, `id "a" is already used`},
		{"timeout too long", "type: python\nproperties:\n  timeout: 1000\n  tests: [{name: c, tests: [{name: v}]}]\n", 3, "timeout must be more than 0 and at most 300"},
		{"no tests", "type: python\nproperties:\n  tests:\n    - name: c\n      tests: []\n", 5, "tests must be a list of at least one test"},
		{"test without name", "type: python\nproperties:\n  tests:\n    - name: c\n      tests:\n        - value: 1\n", 6, "tests[0].name is required"},
		{"two documents", "type: python\n---\ntype: python\n", 2, "only one YAML document"},
		{"bad yaml", "type: python\nproperties: [\n", 2, "invalid YAML"},
		{"setUpCodeDependency", "type: python\nproperties:\n  tests:\n    - name: c\n      setUpCodeDependency: a\n      tests: [{name: v}]\n", 5, "setUpCodeDependency is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			var se *grading.SpecError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *grading.SpecError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("got line %d %q, want line %d containing %q", se.Line, se.Msg, tc.line, tc.msg)
			}
		})
	}
}

func TestIs(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want bool
	}{
		{"type: python\nproperties: {}\n", true},
		{"properties:\n  tests: []\n", true},
		{"tests:\n  - {name: a, type: io, command: x, stdout: y}\n", false},
		{"build: {command: make}\ntests: []\n", false},
		{"- a\n", false},
		{"", false},
	} {
		if got := Is([]byte(tc.yaml)); got != tc.want {
			t.Errorf("Is(%q) = %v", tc.yaml, got)
		}
	}
}

func TestSupportedBackend(t *testing.T) {
	if !SupportedBackend("itpcp.exec.py") || !SupportedBackend("python-itp") || SupportedBackend("itpcp.exec.mat") {
		t.Error("backend slugs")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"type: python\nproperties:\n  tests:\n    - name: c\n      tests: [{name: v, value: [1, 2.5, {a: null}]}]\n",
		"type: python\nproperties:\n  relativeTolerance: 1e-3\n  tests:\n    - {name: s, type: structural, file: a.py, tests: [{name: for, allowedOccuranceRange: [1, 2]}]}\n",
		"type: python\nproperties:\n  tests:\n    - {name: c, id: a, tests: [{name: v, qualification: regexp, pattern: 'a+'}]}\n    - {name: d, successDependency: [a, 1], tests: [{name: v}]}\n",
		"properties: &p {tests: *p}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			var se *grading.SpecError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Fatalf("error %v is not a SpecError with a line", err)
			}
			return
		}
		for i, c := range s.Collections {
			if c.Name == "" || len(c.Tests) == 0 {
				t.Fatalf("collection %d accepted without name or tests", i)
			}
			for _, d := range c.SuccessDependency {
				if j, ok := s.dependency(d); !ok || j >= i {
					t.Fatalf("dependency %q accepted", d)
				}
			}
			for _, x := range c.Tests {
				if x.AllowedRange[0] > x.AllowedRange[1] || x.RelativeTolerance <= 0 || x.AbsoluteTolerance < 0 {
					t.Fatalf("test %+v accepted", x)
				}
			}
		}
		_ = studentJob(s)
		_, _ = referenceJob(s)
	})
}

package grading

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func intPtr(i int) *int { return &i }

func TestParseSpec(t *testing.T) {
	t.Parallel()

	// full is the format as documented, with every key.
	const full = `build: {command: "gcc -O2 -o prog prog.c", time_limit: 30}   # optional
tests:
  - name: small
    points: 1
    type: io
    command: python3 sum.py
    args: []
    stdin: "1 2\n"
    stdout: "3"
    compare: trimmed
    exit_code: 0
    time_limit: 5
    memory_limit: 256
  - {name: unit, points: 2, type: command, command: "python3 -m unittest test_sum.py", time_limit: 10}
  - {name: suite, type: junit, command: "./run-tests.sh", report: report.xml, time_limit: 60}
`
	tests := []struct {
		name string
		in   string
		want *Spec
	}{
		{
			name: "full",
			in:   full,
			want: &Spec{
				Build: &Build{Command: "gcc -O2 -o prog prog.c", TimeLimit: 30 * time.Second, MemoryBytes: 512 << 20, DiskBytes: DiskLimitDefault, Line: 1},
				Tests: []Test{
					{Name: "small", Type: TypeIO, Points: 1, Command: "python3 sum.py", Args: []string{}, Stdin: "1 2\n", Stdout: "3", Compare: CompareTrimmed, ExitCode: intPtr(0), TimeLimit: 5 * time.Second, MemoryBytes: 256 << 20, DiskBytes: DiskLimitDefault, Line: 3},
					{Name: "unit", Type: TypeCommand, Points: 2, Command: "python3 -m unittest test_sum.py", TimeLimit: 10 * time.Second, MemoryBytes: 512 << 20, DiskBytes: DiskLimitDefault, Line: 14},
					{Name: "suite", Type: TypeJUnit, Points: 1, Command: "./run-tests.sh", Report: "report.xml", TimeLimit: 60 * time.Second, MemoryBytes: 512 << 20, DiskBytes: DiskLimitDefault, Line: 15},
				},
			},
		},
		{
			name: "defaults",
			in:   "tests:\n  - {name: a, type: io, command: ./a, stdout: ''}\n",
			want: &Spec{Tests: []Test{{Name: "a", Type: TypeIO, Points: PointsDefault, Command: "./a", Compare: CompareTrimmed, TimeLimit: TimeLimitDefault, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 2}}},
		},
		{
			name: "build defaults",
			in:   "build:\n  command: make\ntests:\n  - {name: a, type: command, command: ./a}\n",
			want: &Spec{
				Build: &Build{Command: "make", TimeLimit: BuildTimeLimitDefault, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 2},
				Tests: []Test{{Name: "a", Type: TypeCommand, Points: 1, Command: "./a", TimeLimit: TimeLimitDefault, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 4}},
			},
		},
		{
			name: "scalars as text, fractions, nulls, aliases, cleaned report",
			in: `tests:
  - name: 42
    type: io
    command: &run java -jar app.jar
    args: [--size, 3, "two words", "it's"]
    stdout: 3.10
    stdin:
    points: 2.5
    time_limit: 0.5
    exit_code: 3
  - {name: " spaced ", type: junit, command: *run, report: ./reports/../junit.xml, points: 0}
`,
			want: &Spec{Tests: []Test{
				{Name: "42", Type: TypeIO, Points: 2.5, Command: "java -jar app.jar", Args: []string{"--size", "3", "two words", "it's"}, Stdout: "3.10", Compare: CompareTrimmed, ExitCode: intPtr(3), TimeLimit: 500 * time.Millisecond, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 2},
				{Name: "spaced", Type: TypeJUnit, Points: 0, Command: "java -jar app.jar", Report: "junit.xml", TimeLimit: TimeLimitDefault, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 11},
			}},
		},
		{
			name: "regex and exact",
			in:   "tests:\n  - {name: r, type: io, command: c, stdout: '\\d+ (apples|pears)', compare: regex}\n  - {name: e, type: io, command: c, stdout: \"x\\n\", compare: exact, memory_limit: 16384, time_limit: 300}\n",
			want: &Spec{Tests: []Test{
				{Name: "r", Type: TypeIO, Points: 1, Command: "c", Stdout: `\d+ (apples|pears)`, Compare: CompareRegex, TimeLimit: TimeLimitDefault, MemoryBytes: MemoryLimitDefault, DiskBytes: DiskLimitDefault, Line: 2},
				{Name: "e", Type: TypeIO, Points: 1, Command: "c", Stdout: "x\n", Compare: CompareExact, TimeLimit: TimeLimitMax, MemoryBytes: MemoryLimitMax, DiskBytes: DiskLimitDefault, Line: 3},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSpec([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseSpec: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSpec =\n%s\nwant\n%s", dumpSpec(got), dumpSpec(tt.want))
			}
		})
	}
}

func TestParseSpecSumFixture(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, readTestdata(t, "sum/test.yaml"))
	var names []string
	var points float64
	for _, tt := range spec.Tests {
		names = append(names, tt.Name)
		points += tt.Points
	}
	if got := strings.Join(names, ","); got != "small,negative,big" || points != 4 {
		t.Errorf("tests %s worth %v, want small,negative,big worth 4", got, points)
	}
}

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "test.yaml: line 1: file is empty; it must list tests"},
		{"comments only", "# nothing\n", "test.yaml: line 1: file is empty; it must list tests"},
		{"syntax", "tests:\n  - name: a\n    command: x: y\n", "test.yaml: line 3: invalid YAML: mapping values are not allowed in this context"},
		{"unclosed flow", "tests: [a\n", "test.yaml: line 1: invalid YAML: did not find expected ',' or ']'"},
		{"tab indentation", "tests:\n\t- {name: a, type: command, command: x}\n", "test.yaml: line 2: invalid YAML: found character that cannot start any token"},
		{"invalid UTF-8", "tests:\n  - {name: a, type: command, command: \"x\xff\"}\n", "test.yaml: line 2: invalid YAML: invalid leading UTF-8 octet"},
		{"control character", "tests:\n\n  - {name: a, type: command, command: \"x\x01\"}\n", "test.yaml: line 3: invalid YAML: control characters are not allowed"},
		{"unknown anchor", "tests:\n  - {name: a, type: command, command: x}\n  - {name: b, type: command, command: *cmd}\n", "test.yaml: line 3: invalid YAML: unknown anchor 'cmd' referenced"},
		{"two documents", "tests:\n  - {name: a, type: command, command: x}\n---\ntests: []\n", "test.yaml: line 3: only one YAML document is allowed"},
		{"top level list", "- name: a\n", "test.yaml: line 1: the top level must be a mapping with the keys build and tests"},
		{"unknown top-level key", "tests:\n  - {name: a, type: command, command: x}\nversion: 2\n", `test.yaml: line 3: top level: unknown key "version" (allowed: build, tests)`},
		{"CodeAbility test.yaml", "# CodeAbility\ntype: python\nname: T\nproperties:\n  tests: []\n",
			"test.yaml: line 2: this is a CodeAbility test.yaml (type at the top level): it is read by the CodeAbility engine (internal/grading/codeability), not as this system's own format"},
		{"CodeAbility test.yaml without type", "properties:\n  tests: []\n",
			"test.yaml: line 1: this is a CodeAbility test.yaml (properties at the top level): it is read by the CodeAbility engine (internal/grading/codeability), not as this system's own format"},
		{"no tests", "build: {command: make}\n", "test.yaml: line 1: tests is required"},
		{"tests not a list", "tests:\n  a: 1\n", "test.yaml: line 2: tests must be a list"},
		{"tests empty", "tests: []\n", "test.yaml: line 1: tests must list at least one test"},
		{"test not a mapping", "tests:\n  - {name: a, type: command, command: x}\n  - just a string\n", "test.yaml: line 3: tests[1] must be a mapping"},
		{"bad type", "tests:\n  - name: small\n    type: io\n    command: python3 sum.py\n    stdout: \"3\"\n  - name: unit\n    type: unit\n    command: x\n", "test.yaml: line 7: tests[1].type must be io, command or junit"},
		{"missing type", "tests:\n  - {name: a, command: x}\n", "test.yaml: line 2: tests[0].type is required (io, command or junit)"},
		{"bad visibility", "tests:\n  - name: a\n    type: command\n    command: x\n    visibility: secret\n", `test.yaml: line 5: tests[0].visibility must be visible, after_deadline or hidden`},
		{"unknown key", "tests:\n  - name: a\n    type: command\n    command: x\n    tmie_limit: 5\n", `test.yaml: line 5: tests[0]: unknown key "tmie_limit" (allowed: name, type, points, command, args, stdin, stdout, compare, exit_code, time_limit, memory_limit, disk_limit, report, visibility)`},
		{"repeated key", "tests:\n  - name: a\n    name: b\n    type: command\n    command: x\n", "test.yaml: line 3: tests[0].name is given twice"},
		{"complex key", "tests:\n  - {? [a]: 1}\n", "test.yaml: line 2: tests[0]: keys must be plain names"},
		{"missing name", "tests:\n  - {name: a, type: command, command: x}\n  - type: command\n    command: x\n", "test.yaml: line 3: tests[1].name is required"},
		{"blank name", "tests:\n  - {type: command, command: x, name: \"  \"}\n", "test.yaml: line 2: tests[0].name is required"},
		{"two-line name", "tests:\n  - {name: \"a\\nb\", type: command, command: x}\n", "test.yaml: line 2: tests[0].name must be one line without control characters"},
		{"duplicate name", "tests:\n  - {name: a, type: command, command: x}\n  - {name: b, type: command, command: x}\n  - {name: a, type: command, command: y}\n", `test.yaml: line 4: tests[2].name "a" is already used by tests[0] (line 2)`},
		{"missing command", "tests:\n  - name: a\n    type: command\n", "test.yaml: line 2: tests[0].command is required"},
		{"points not a number", "tests:\n  - {name: a, type: command, command: x, points: two}\n", "test.yaml: line 2: tests[0].points must be a number"},
		{"points quoted", "tests:\n  - name: a\n    type: command\n    command: x\n    points: \"2\"\n", "test.yaml: line 5: tests[0].points must be a number"},
		{"negative points", "tests:\n  - {name: a, type: command, command: x, points: -1}\n", "test.yaml: line 2: tests[0].points must not be negative"},
		{"time limit a list", "tests:\n  - {name: a, type: command, command: x, time_limit: [1]}\n", "test.yaml: line 2: tests[0].time_limit must be a number"},
		{"time limit zero", "tests:\n  - {name: a, type: command, command: x, time_limit: 0}\n", "test.yaml: line 2: tests[0].time_limit must be more than 0 and at most 300 seconds"},
		{"time limit too long", "tests:\n  - name: a\n    type: command\n    command: x\n    time_limit: 301\n", "test.yaml: line 5: tests[0].time_limit must be more than 0 and at most 300 seconds"},
		{"time limit NaN", "tests:\n  - {name: a, type: command, command: x, time_limit: .nan}\n", "test.yaml: line 2: tests[0].time_limit must be a finite number"},
		{"memory limit zero", "tests:\n  - {name: a, type: command, command: x, memory_limit: 0}\n", "test.yaml: line 2: tests[0].memory_limit must be between 1 and 16384 MiB"},
		{"memory limit fraction", "tests:\n  - {name: a, type: command, command: x, memory_limit: 1.5}\n", "test.yaml: line 2: tests[0].memory_limit must be a whole number"},
		{"exit code out of range", "tests:\n  - {name: a, type: command, command: x, exit_code: 256}\n", "test.yaml: line 2: tests[0].exit_code must be between 0 and 255"},
		{"exit code quoted", "tests:\n  - {name: a, type: command, command: x, exit_code: \"0\"}\n", "test.yaml: line 2: tests[0].exit_code must be a whole number"},
		{"stdin a list", "tests:\n  - {name: a, type: command, command: x, stdin: [1]}\n", "test.yaml: line 2: tests[0].stdin must be a string"},
		{"args a string", "tests:\n  - {name: a, type: command, command: x, args: \"1 2\"}\n", "test.yaml: line 2: tests[0].args must be a list of strings"},
		{"args with a mapping", "tests:\n  - {name: a, type: command, command: x, args: [1, {b: 2}]}\n", "test.yaml: line 2: tests[0].args[1] must be a string"},
		{"io without stdout", "tests:\n  - name: a\n    type: io\n    command: x\n", "test.yaml: line 2: tests[0].stdout is required for io tests"},
		{"bad regex", "tests:\n  - name: a\n    type: io\n    command: x\n    compare: regex\n    stdout: \"a)(b\"\n", "test.yaml: line 6: tests[0].stdout is not a valid regular expression: unexpected ): `a)(b`"},
		{"bad compare", "tests:\n  - {name: a, type: io, command: x, stdout: \"3\", compare: fuzzy}\n", "test.yaml: line 2: tests[0].compare must be exact, trimmed or regex"},
		{"stdout on command test", "tests:\n  - {name: a, type: command, command: x, stdout: \"3\"}\n", "test.yaml: line 2: tests[0].stdout is only allowed for io tests"},
		{"compare on command test", "tests:\n  - {name: a, type: command, command: x, compare: exact}\n", "test.yaml: line 2: tests[0].compare is only allowed for io tests"},
		{"junit without report", "tests:\n  - name: a\n    type: junit\n    command: x\n", "test.yaml: line 2: tests[0].report is required for junit tests"},
		{"junit with exit code", "tests:\n  - {name: a, type: junit, command: x, report: r.xml, exit_code: 0}\n", "test.yaml: line 2: tests[0].exit_code is not allowed for junit tests; their report decides"},
		{"report on io test", "tests:\n  - {name: a, type: io, command: x, stdout: '', report: r.xml}\n", "test.yaml: line 2: tests[0].report is only allowed for junit tests"},
		{"report escapes", "tests:\n  - {name: a, type: junit, command: x, report: ../r.xml}\n", "test.yaml: line 2: tests[0].report must be a relative path inside the work directory, such as reports/junit.xml"},
		{"report absolute", "tests:\n  - {name: a, type: junit, command: x, report: /tmp/r.xml}\n", "test.yaml: line 2: tests[0].report must be a relative path inside the work directory, such as reports/junit.xml"},
		{"report is the directory", "tests:\n  - {name: a, type: junit, command: x, report: a/..}\n", "test.yaml: line 2: tests[0].report must be a relative path inside the work directory, such as reports/junit.xml"},
		{"build not a mapping", "build: make\ntests:\n  - {name: a, type: command, command: x}\n", "test.yaml: line 1: build must be a mapping with a command"},
		{"build without command", "build:\n  time_limit: 5\ntests:\n  - {name: a, type: command, command: x}\n", "test.yaml: line 2: build.command is required"},
		{"build unknown key", "build:\n  command: make\n  memory: 5\ntests:\n  - {name: a, type: command, command: x}\n", `test.yaml: line 3: build: unknown key "memory" (allowed: command, time_limit, memory_limit, disk_limit)`},
		{"build time limit", "build: {command: make, time_limit: 1000}\ntests:\n  - {name: a, type: command, command: x}\n", "test.yaml: line 1: build.time_limit must be more than 0 and at most 300 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec, err := ParseSpec([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseSpec accepted %q: %s", tt.in, dumpSpec(spec))
			}
			if err.Error() != tt.want {
				t.Errorf("ParseSpec error\n got %s\nwant %s", err, tt.want)
			}
			var se *SpecError
			if !errors.As(err, &se) || se.Line < 1 {
				t.Errorf("error %#v is not a *SpecError with a line", err)
			}
		})
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "python3 sum.py"},
		{[]string{"--size=3", "a/b.txt", "x@y:1,2+%"}, "python3 sum.py --size=3 a/b.txt x@y:1,2+%"},
		{[]string{"two words", "", "it's", "$HOME", "a;rm -rf /"}, `python3 sum.py 'two words' '' 'it'\''s' '$HOME' 'a;rm -rf /'`},
	}
	for _, tt := range tests {
		tc := Test{Command: "python3 sum.py", Args: tt.args}
		if got := tc.CommandLine(); got != tt.want {
			t.Errorf("CommandLine with %q = %s, want %s", tt.args, got, tt.want)
		}
	}
}

// dumpSpec prints a spec readably, following pointers.
func dumpSpec(s *Spec) string {
	if s == nil {
		return "<nil>"
	}
	var b strings.Builder
	if s.Build != nil {
		b.WriteString("build: ")
		b.WriteString(strings.TrimSpace(strings.ReplaceAll(fmtValue(*s.Build), "\n", " ")))
		b.WriteString("\n")
	}
	for _, t := range s.Tests {
		b.WriteString("test: ")
		b.WriteString(fmtValue(t))
		if t.ExitCode != nil {
			b.WriteString(" exit_code=")
			b.WriteString(fmtValue(*t.ExitCode))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func fmtValue(v any) string { return fmt.Sprintf("%+v", v) }

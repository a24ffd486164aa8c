package grading

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/computor-org/computor-go/internal/grading/specyaml"
)

// SpecFile is the name of the file that describes how an assignment is
// graded.
const SpecFile = specyaml.File

// Limits and defaults of test.yaml. Time limits are given in seconds in the
// file, memory limits in MiB.
const (
	// PointsDefault is what a test is worth when it names no points. A junit
	// test spreads its points evenly over its cases.
	PointsDefault = 1.0
	// TimeLimitDefault is a test's wall-clock limit when it names none.
	TimeLimitDefault = 10 * time.Second
	// BuildTimeLimitDefault is the build's wall-clock limit when it names
	// none.
	BuildTimeLimitDefault = 60 * time.Second
	// TimeLimitMax is the largest time_limit a test or the build may ask for.
	TimeLimitMax = 300 * time.Second
	// MemoryLimitDefault is the memory limit, in bytes, of a test or build
	// that names none (512 MiB).
	MemoryLimitDefault int64 = 512 << 20
	// MemoryLimitMax is the largest memory_limit, in bytes, a test or the
	// build may ask for (16 GiB).
	MemoryLimitMax int64 = 16 << 30
	// DiskLimitDefault is how much a test or the build may write to its
	// work directory (64 MiB) when it names no disk_limit. Written files
	// live in memory and count against memory_limit too.
	DiskLimitDefault int64 = 64 << 20
	// DiskLimitMax is the largest disk_limit, in bytes (4 GiB).
	DiskLimitMax int64 = 4 << 30
)

// TestType says how a test is run and judged.
type TestType string

// The test types of test.yaml.
const (
	// TypeIO feeds stdin to the command and compares its stdout (and, when
	// the test names one, its exit code) with the expected output.
	TypeIO TestType = "io"
	// TypeCommand passes when the command exits with the expected exit code
	// (0 unless the test names another).
	TypeCommand TestType = "command"
	// TypeJUnit runs the command and then reads a JUnit XML report it wrote;
	// every test case in the report counts on its own.
	TypeJUnit TestType = "junit"
)

// CompareMode says how an io test compares actual with expected output.
type CompareMode string

// The compare modes of test.yaml.
const (
	// CompareExact requires the output to be byte for byte the expected one.
	CompareExact CompareMode = "exact"
	// CompareTrimmed ignores trailing spaces, tabs and carriage returns on
	// every line and trailing newlines at the end, in both outputs. It is the
	// default.
	CompareTrimmed CompareMode = "trimmed"
	// CompareRegex requires the expected output, a Go (RE2) regular
	// expression, to match the whole output after trimming as in
	// CompareTrimmed.
	CompareRegex CompareMode = "regex"
)

// Spec is a parsed test.yaml.
type Spec struct {
	// Build, when set, runs once before the tests. If it fails, every test
	// fails.
	Build *Build
	// Tests run in order.
	Tests []Test
}

// Build is the build step of a test.yaml.
type Build struct {
	// Command is run with sh -c in the work directory.
	Command string
	// TimeLimit is the build's wall-clock limit.
	TimeLimit time.Duration
	// MemoryBytes is the build's memory limit in bytes.
	MemoryBytes int64
	// DiskBytes bounds what the build may write, its outputs included.
	DiskBytes int64
	// Line is where the build step starts in test.yaml.
	Line int
}

// Test is one test of a test.yaml.
type Test struct {
	// Name is unique within the file.
	Name string
	// Type says how the test is run and judged.
	Type TestType
	// Points is what the test is worth; a junit test spreads them evenly
	// over its cases.
	Points float64
	// Command is run with sh -c in the work directory, followed by Args.
	Command string
	// Args are appended to Command, each quoted for the shell.
	Args []string
	// Stdin is fed to the command.
	Stdin string
	// Stdout is the expected output of an io test (a regular expression
	// when Compare is CompareRegex).
	Stdout string
	// Compare is how an io test compares its output.
	Compare CompareMode
	// ExitCode, when set, is the exit code an io or command test must end
	// with. A command test without one must exit with 0.
	ExitCode *int
	// TimeLimit is the test's wall-clock limit.
	TimeLimit time.Duration
	// MemoryBytes is the test's memory limit in bytes.
	MemoryBytes int64
	// DiskBytes bounds what the test may write to its work directory,
	// which starts with the student's files and the build's outputs.
	DiskBytes int64
	// Report is where a junit test's command writes its JUnit XML report: a
	// slash-separated path relative to the work directory.
	Report string
	// Visibility says what a student sees of the test's result, and
	// when: VisibilityVisible (default), VisibilityAfterDeadline or
	// VisibilityHidden (see View).
	Visibility Visibility
	// Line is where the test starts in test.yaml.
	Line int
}

// Visibility is what a student sees of a test's result.
type Visibility string

// The visibilities of a test.
const (
	// VisibilityVisible: everything, at once.
	VisibilityVisible Visibility = "visible"
	// VisibilityAfterDeadline: nothing before the student's deadline,
	// everything after it.
	VisibilityAfterDeadline Visibility = "after_deadline"
	// VisibilityHidden: nothing before the deadline; after it the name,
	// result and points, never the message.
	VisibilityHidden Visibility = "hidden"
)

// CommandLine is the shell command a test runs: Command followed by its
// Args, each quoted for sh.
func (t *Test) CommandLine() string {
	if len(t.Args) == 0 {
		return t.Command
	}
	var b strings.Builder
	b.WriteString(t.Command)
	for _, a := range t.Args {
		b.WriteByte(' ')
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

// shellQuote quotes s as one word for sh.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SpecError is the error ParseSpec returns for a test.yaml it rejects:
// the line at fault and what is wrong, naming the field. Its Error is
// "test.yaml: line N: " followed by Msg.
type SpecError = specyaml.Error

// The strict readers of test.yaml, shared with package codeability.
var (
	specErrorf  = specyaml.Errorf
	orTop       = specyaml.OrTop
	lineOf      = specyaml.LineOf
	deref       = specyaml.Deref
	stringValue = specyaml.String
	stringList  = specyaml.StringList
	numberValue = specyaml.Number
	localPath   = specyaml.LocalPath
	isControl   = specyaml.IsControl
	yamlError   = specyaml.YAMLError
)

// mappingFields returns the values of a mapping by key, rejecting unknown
// and repeated keys (see specyaml.Fields).
func mappingFields(n *yaml.Node, p string, known []string) (map[string]*yaml.Node, error) {
	return specyaml.Fields(n, p, known, nil, "")
}

// intValue reads a whole number (see specyaml.Int).
func intValue(n *yaml.Node, field string) (int64, error) {
	return specyaml.Int(n, field, 64)
}

// ParseSpec reads a test.yaml strictly: an unknown key, a value of the wrong
// type, a missing name or command, a duplicate test name or a rule of a
// test's type that is broken is an error. Every error is a *SpecError that
// names the line and the field. Defaults are filled in: points 1, compare
// trimmed, time_limit 10 s (build: 60 s), memory_limit 512 MiB,
// disk_limit 64 MiB.
func ParseSpec(b []byte) (*Spec, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, specErrorf(1, "file is empty; it must list tests")
		}
		return nil, yamlError(b, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, specErrorf(next.Line, "only one YAML document is allowed")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(b, err)
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		return nil, specErrorf(root.Line, "the top level must be a mapping with the keys build and tests")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := deref(root.Content[i]); k.Value == "type" || k.Value == "properties" {
			return nil, specErrorf(k.Line, "this is a CodeAbility test.yaml (%s at the top level): it is read by the CodeAbility engine (internal/grading/codeability), not as this system's own format", k.Value)
		}
	}
	fields, err := mappingFields(root, "", []string{"build", "tests"})
	if err != nil {
		return nil, err
	}

	var spec Spec
	if n, ok := fields["build"]; ok {
		if spec.Build, err = parseBuild(n); err != nil {
			return nil, err
		}
	}
	tests, ok := fields["tests"]
	if !ok {
		return nil, specErrorf(root.Line, "tests is required")
	}
	if tests.Kind != yaml.SequenceNode {
		return nil, specErrorf(tests.Line, "tests must be a list")
	}
	if len(tests.Content) == 0 {
		return nil, specErrorf(tests.Line, "tests must list at least one test")
	}
	seen := make(map[string]int, len(tests.Content))
	for i, n := range tests.Content {
		t, err := parseTest(deref(n), i)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[t.Name]; dup {
			return nil, specErrorf(t.Line, "tests[%d].name %q is already used by tests[%d] (line %d)", i, t.Name, j, spec.Tests[j].Line)
		}
		seen[t.Name] = i
		spec.Tests = append(spec.Tests, t)
	}
	return &spec, nil
}

var testKeys = []string{"name", "type", "points", "command", "args", "stdin", "stdout", "compare", "exit_code", "time_limit", "memory_limit", "disk_limit", "report", "visibility"}

func parseTest(n *yaml.Node, i int) (Test, error) {
	p := fmt.Sprintf("tests[%d]", i)
	t := Test{Line: n.Line, Points: PointsDefault, TimeLimit: TimeLimitDefault, MemoryBytes: MemoryLimitDefault}
	if n.Kind != yaml.MappingNode {
		return t, specErrorf(n.Line, "%s must be a mapping", p)
	}
	f, err := mappingFields(n, p, testKeys)
	if err != nil {
		return t, err
	}

	var typ string
	for _, s := range []struct {
		key string
		dst *string
	}{{"name", &t.Name}, {"type", &typ}, {"command", &t.Command}, {"stdin", &t.Stdin}, {"stdout", &t.Stdout}, {"report", &t.Report}} {
		if v, ok := f[s.key]; ok {
			if *s.dst, err = stringValue(v, p+"."+s.key); err != nil {
				return t, err
			}
		}
	}
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		return t, specErrorf(lineOf(f, "name", n), "%s.name is required", p)
	case strings.ContainsFunc(t.Name, isControl):
		return t, specErrorf(f["name"].Line, "%s.name must be one line without control characters", p)
	case typ == "":
		return t, specErrorf(n.Line, "%s.type is required (io, command or junit)", p)
	}
	t.Type = TestType(typ)
	if t.Type != TypeIO && t.Type != TypeCommand && t.Type != TypeJUnit {
		return t, specErrorf(f["type"].Line, "%s.type must be io, command or junit", p)
	}
	if strings.TrimSpace(t.Command) == "" {
		return t, specErrorf(lineOf(f, "command", n), "%s.command is required", p)
	}

	if v, ok := f["args"]; ok {
		if t.Args, err = stringList(v, p+".args"); err != nil {
			return t, err
		}
	}
	if v, ok := f["points"]; ok {
		if t.Points, err = numberValue(v, p+".points"); err != nil {
			return t, err
		}
		if t.Points < 0 {
			return t, specErrorf(v.Line, "%s.points must not be negative", p)
		}
	}
	if t.TimeLimit, err = timeLimit(f, p, TimeLimitDefault); err != nil {
		return t, err
	}
	if t.MemoryBytes, err = memoryLimit(f, p); err != nil {
		return t, err
	}
	if t.DiskBytes, err = diskLimit(f, p); err != nil {
		return t, err
	}
	if v, ok := f["exit_code"]; ok {
		if t.Type == TypeJUnit {
			return t, specErrorf(v.Line, "%s.exit_code is not allowed for junit tests; their report decides", p)
		}
		code, err := intValue(v, p+".exit_code")
		if err != nil {
			return t, err
		}
		if code < 0 || code > 255 {
			return t, specErrorf(v.Line, "%s.exit_code must be between 0 and 255", p)
		}
		c := int(code)
		t.ExitCode = &c
	}

	if v, ok := f["visibility"]; ok { // unset: visible
		s, err := stringValue(v, p+".visibility")
		if err != nil {
			return t, err
		}
		t.Visibility = Visibility(s)
		if t.Visibility != VisibilityVisible && t.Visibility != VisibilityAfterDeadline && t.Visibility != VisibilityHidden {
			return t, specErrorf(v.Line, "%s.visibility must be visible, after_deadline or hidden", p)
		}
	}

	t.Compare = CompareTrimmed
	if v, ok := f["compare"]; ok {
		if t.Type != TypeIO {
			return t, specErrorf(v.Line, "%s.compare is only allowed for io tests", p)
		}
		s, err := stringValue(v, p+".compare")
		if err != nil {
			return t, err
		}
		t.Compare = CompareMode(s)
		if t.Compare != CompareExact && t.Compare != CompareTrimmed && t.Compare != CompareRegex {
			return t, specErrorf(v.Line, "%s.compare must be exact, trimmed or regex", p)
		}
	}
	if t.Type != TypeIO {
		t.Compare = ""
	}

	v, hasStdout := f["stdout"]
	switch {
	case t.Type == TypeIO && !hasStdout:
		return t, specErrorf(n.Line, "%s.stdout is required for io tests", p)
	case t.Type != TypeIO && hasStdout:
		return t, specErrorf(v.Line, "%s.stdout is only allowed for io tests", p)
	case t.Compare == CompareRegex:
		if _, err := compileFullMatch(t.Stdout); err != nil {
			return t, specErrorf(v.Line, "%s.stdout is not a valid regular expression: %s", p, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}

	v, hasReport := f["report"]
	switch {
	case t.Type == TypeJUnit && !hasReport:
		return t, specErrorf(n.Line, "%s.report is required for junit tests", p)
	case t.Type != TypeJUnit && hasReport:
		return t, specErrorf(v.Line, "%s.report is only allowed for junit tests", p)
	case hasReport && !localPath(t.Report):
		return t, specErrorf(v.Line, "%s.report must be a relative path inside the work directory, such as reports/junit.xml", p)
	case hasReport:
		t.Report = path.Clean(t.Report)
	}
	return t, nil
}

func parseBuild(n *yaml.Node) (*Build, error) {
	if n.Kind != yaml.MappingNode {
		return nil, specErrorf(n.Line, "build must be a mapping with a command")
	}
	f, err := mappingFields(n, "build", []string{"command", "time_limit", "memory_limit", "disk_limit"})
	if err != nil {
		return nil, err
	}
	b := &Build{Line: n.Line}
	if v, ok := f["command"]; ok {
		if b.Command, err = stringValue(v, "build.command"); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(b.Command) == "" {
		return nil, specErrorf(lineOf(f, "command", n), "build.command is required")
	}
	if b.TimeLimit, err = timeLimit(f, "build", BuildTimeLimitDefault); err != nil {
		return nil, err
	}
	if b.MemoryBytes, err = memoryLimit(f, "build"); err != nil {
		return nil, err
	}
	if b.DiskBytes, err = diskLimit(f, "build"); err != nil {
		return nil, err
	}
	return b, nil
}

func timeLimit(f map[string]*yaml.Node, p string, def time.Duration) (time.Duration, error) {
	v, ok := f["time_limit"]
	if !ok {
		return def, nil
	}
	sec, err := numberValue(v, p+".time_limit")
	if err != nil {
		return 0, err
	}
	d := time.Duration(sec * float64(time.Second))
	if sec <= 0 || d <= 0 || d > TimeLimitMax {
		return 0, specErrorf(v.Line, "%s.time_limit must be more than 0 and at most %d seconds", p, int(TimeLimitMax/time.Second))
	}
	return d, nil
}

func memoryLimit(f map[string]*yaml.Node, p string) (int64, error) {
	v, ok := f["memory_limit"]
	if !ok {
		return MemoryLimitDefault, nil
	}
	mib, err := intValue(v, p+".memory_limit")
	if err != nil {
		return 0, err
	}
	if mib < 1 || mib > MemoryLimitMax>>20 {
		return 0, specErrorf(v.Line, "%s.memory_limit must be between 1 and %d MiB", p, MemoryLimitMax>>20)
	}
	return mib << 20, nil
}

func diskLimit(f map[string]*yaml.Node, p string) (int64, error) {
	v, ok := f["disk_limit"]
	if !ok {
		return DiskLimitDefault, nil
	}
	mib, err := intValue(v, p+".disk_limit")
	if err != nil {
		return 0, err
	}
	if mib < 1 || mib > DiskLimitMax>>20 {
		return 0, specErrorf(v.Line, "%s.disk_limit must be between 1 and %d MiB", p, DiskLimitMax>>20)
	}
	return mib << 20, nil
}

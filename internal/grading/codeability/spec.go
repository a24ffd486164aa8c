package codeability

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/grading/specyaml"
)

// CollectionType says what a collection of tests checks.
type CollectionType string

// The collection types of a CodeAbility test.yaml.
const (
	// TypeVariable compares values of the student's namespace after the
	// run with a given value or with the reference solution's.
	TypeVariable CollectionType = "variable"
	// TypeStdout compares what the run printed.
	TypeStdout CollectionType = "stdout"
	// TypeExist checks that the file (a glob) was submitted.
	TypeExist CollectionType = "exist"
	// TypeError checks how the run ended: without an exception, or with
	// the one its tests name.
	TypeError CollectionType = "error"
	// TypeWarning checks the warnings the run raised.
	TypeWarning CollectionType = "warning"
	// TypeStructural counts names (keywords, calls, identifiers) in the
	// source of file, without running it.
	TypeStructural CollectionType = "structural"
	// TypeLinting, TypeGraphics and TypeHelp are read but reported as
	// skipped: their tools (flake8, matplotlib's figures, help texts) are
	// not part of this worker.
	TypeLinting  CollectionType = "linting"
	TypeGraphics CollectionType = "graphics"
	TypeHelp     CollectionType = "help"
)

var collectionTypes = []CollectionType{TypeVariable, TypeStdout, TypeExist, TypeError, TypeWarning, TypeStructural, TypeLinting, TypeGraphics, TypeHelp}

// Qualification says how a test compares the student's value.
type Qualification string

// The qualifications of a test.
const (
	VerifyEqual Qualification = "verifyEqual"
	Matches     Qualification = "matches"
	Contains    Qualification = "contains"
	StartsWith  Qualification = "startsWith"
	EndsWith    Qualification = "endsWith"
	Count       Qualification = "count"
	Regexp      Qualification = "regexp"
)

var qualifications = []Qualification{VerifyEqual, Matches, Contains, StartsWith, EndsWith, Count, Regexp}

// Defaults of the properties, as computor-types' DEFAULTS["properties"]
// publishes them. A collection inherits the suite's, a test its
// collection's.
const (
	RelativeToleranceDefault = 1.0e-12
	AbsoluteToleranceDefault = 0.0001
	TimeoutDefault           = 180 * time.Second
	SuccessMessageDefault    = "Congratulations! All tests passed"
	FailureMessageDefault    = "Some or all tests failed"
)

// Suite is a parsed CodeAbility test.yaml.
type Suite struct {
	Type, Name, Description, Version string
	SuccessMessage, FailureMessage   string
	Collections                      []Collection
}

// Collection is one entry of properties.tests.
type Collection struct {
	Type        CollectionType
	Name        string
	Description string
	// ID names the collection for successDependency; a dependency may
	// also be the collection's 1-based position.
	ID                string
	File              string
	EntryPoint        string
	SuccessDependency []string
	SetUpCode         []string
	TearDownCode      []string
	// InputAnswers are fed, one line each, to the program's stdin.
	InputAnswers []string
	Timeout      time.Duration
	Tests        []Test
	Line         int
}

// Test is one test of a collection, with the properties it inherits
// filled in.
type Test struct {
	Name string
	// Value, when set, is what the student's value must equal; without
	// one a variable or stdout test compares with the reference run.
	Value      *Value
	EvalString string
	Pattern    string
	// HasPattern distinguishes an empty pattern from none.
	HasPattern        bool
	Qualification     Qualification
	RelativeTolerance float64
	AbsoluteTolerance float64
	TypeCheck         bool
	ShapeCheck        bool
	// AllowedRange is allowedOccuranceRange: [min, max], inclusive.
	AllowedRange [2]int
	// CountRequirement, when set, is the exact count a count test needs.
	CountRequirement *int
	SuccessMessage   string
	FailureMessage   string
	Line             int
}

// properties are the fields that cascade from the suite to a collection
// to a test.
type properties struct {
	qualification                  Qualification
	relTol, absTol                 float64
	typeCheck, shapeCheck          bool
	allowed                        [2]int
	countRequirement               *int
	successMessage, failureMessage string
	timeout                        time.Duration
}

// Keys of each level. ignored are read and checked but have no effect on
// this worker; unsupported are published fields this worker rejects.
var (
	commonKeys    = []string{"failureMessage", "successMessage", "qualification", "relativeTolerance", "absoluteTolerance", "allowedOccuranceRange", "allowedOccurrenceRange", "occuranceType", "occurrenceType", "typeCheck", "shapeCheck", "ignoreClass", "verbosity"}
	rootKeys      = []string{"type", "name", "description", "version", "properties"}
	propertyKeys  = append([]string{"tests", "timeout", "resultMessage", "storeGraphicsArtifacts", "competency"}, commonKeys...)
	collectionKey = append([]string{"type", "name", "description", "id", "file", "entryPoint", "successDependency", "setUpCode", "tearDownCode", "inputAnswers", "timeout", "tests", "storeGraphicsArtifacts", "competency"}, commonKeys...)
	testKeys      = append([]string{"name", "value", "evalString", "pattern", "countRequirement"}, commonKeys...)
	unsupported   = []string{"setUpCodeDependency", "compiler", "compilerFlags", "linkerFlags", "sourceFiles", "executableName", "workingDirectory", "environment", "memoryLimit", "args", "stdin", "expectedStdout", "expectedStderr", "expectedExitCode", "lineNumber", "ignoreWhitespace", "ignoreCase", "trimOutput", "normalizeNewlines", "numericTolerance", "allowEmpty"}
)

// Backend slugs of meta.yaml's executionBackend that this engine runs.
var backendSlugs = []string{"itpcp.exec.py", "python-itp"}

// SupportedBackend reports whether a meta.yaml execution backend slug is
// one this engine runs.
func SupportedBackend(slug string) bool {
	for _, s := range backendSlugs {
		if slug == s {
			return true
		}
	}
	return false
}

// Is reports whether b looks like a CodeAbility test.yaml rather than
// this system's own: its top level is a mapping with a type or properties
// key, which the native format does not have. Parse then says what is
// wrong with it.
func Is(b []byte) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil || len(doc.Content) != 1 {
		return false
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch deref(root.Content[i]).Value {
		case "type", "properties":
			return true
		}
	}
	return false
}

// Parse reads a CodeAbility test.yaml strictly: an unknown key, a value
// of the wrong type or a rule broken is a *grading.SpecError naming the
// line and the field. Properties cascade: the suite's properties are the
// defaults of each collection, a collection's of each of its tests.
func Parse(b []byte) (*Suite, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errorf(1, "file is empty")
		}
		return nil, specyaml.YAMLError(b, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, errorf(next.Line, "only one YAML document is allowed")
	} else if !errors.Is(err, io.EOF) {
		return nil, specyaml.YAMLError(b, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		return nil, errorf(root.Line, "the top level must be a mapping with type, name, description, version and properties")
	}
	f, err := fields(root, "", rootKeys)
	if err != nil {
		return nil, err
	}
	s := &Suite{Type: "python"}
	for _, k := range []struct {
		key string
		dst *string
	}{{"type", &s.Type}, {"name", &s.Name}, {"description", &s.Description}, {"version", &s.Version}} {
		if v, ok := f[k.key]; ok {
			if *k.dst, err = str(v, k.key); err != nil {
				return nil, err
			}
		}
	}
	if s.Type != "python" {
		return nil, errorf(lineOf(f, "type", root), "type %q is not supported: this worker runs CodeAbility tests of type python only", s.Type)
	}
	props, ok := f["properties"]
	if !ok {
		return nil, errorf(root.Line, "properties is required: it lists the tests")
	}
	if props.Kind != yaml.MappingNode {
		return nil, errorf(props.Line, "properties must be a mapping")
	}
	pf, err := fields(props, "properties", propertyKeys)
	if err != nil {
		return nil, err
	}
	def := properties{
		qualification: VerifyEqual, relTol: RelativeToleranceDefault, absTol: AbsoluteToleranceDefault,
		typeCheck: true, shapeCheck: true, successMessage: SuccessMessageDefault, failureMessage: FailureMessageDefault,
		timeout: TimeoutDefault,
	}
	if def, err = cascade(pf, "properties", def, true); err != nil {
		return nil, err
	}
	s.SuccessMessage, s.FailureMessage = def.successMessage, def.failureMessage
	tests, ok := pf["tests"]
	if !ok {
		return nil, errorf(props.Line, "properties.tests is required")
	}
	if tests.Kind != yaml.SequenceNode || len(tests.Content) == 0 {
		return nil, errorf(tests.Line, "properties.tests must be a list of at least one collection")
	}
	ids := map[string]int{}
	for i, n := range tests.Content {
		c, err := parseCollection(deref(n), fmt.Sprintf("properties.tests[%d]", i), def)
		if err != nil {
			return nil, err
		}
		if c.ID != "" {
			if j, dup := ids[c.ID]; dup {
				return nil, errorf(c.Line, "properties.tests[%d].id %q is already used by properties.tests[%d]", i, c.ID, j)
			}
			ids[c.ID] = i
		}
		s.Collections = append(s.Collections, c)
	}
	for i, c := range s.Collections {
		for _, d := range c.SuccessDependency {
			j, ok := s.dependency(d)
			if !ok {
				return nil, errorf(c.Line, "properties.tests[%d].successDependency %q names no collection (by id or 1-based position)", i, d)
			}
			if j >= i {
				return nil, errorf(c.Line, "properties.tests[%d].successDependency %q must name an earlier collection", i, d)
			}
		}
	}
	return s, nil
}

// dependency finds the collection a successDependency names: by id, else
// by 1-based position, as the published engine does.
func (s *Suite) dependency(d string) (int, bool) {
	for i, c := range s.Collections {
		if c.ID != "" && c.ID == d {
			return i, true
		}
	}
	if n, err := strconv.Atoi(d); err == nil && n >= 1 && n <= len(s.Collections) {
		return n - 1, true
	}
	return 0, false
}

// TestCount is the number of tests of the suite.
func (s *Suite) TestCount() int {
	n := 0
	for _, c := range s.Collections {
		n += len(c.Tests)
	}
	return n
}

func parseCollection(n *yaml.Node, p string, def properties) (Collection, error) {
	c := Collection{Line: n.Line, Type: TypeVariable}
	if n.Kind != yaml.MappingNode {
		return c, errorf(n.Line, "%s must be a mapping", p)
	}
	f, err := fields(n, p, collectionKey)
	if err != nil {
		return c, err
	}
	var typ string
	for _, k := range []struct {
		key string
		dst *string
	}{{"type", &typ}, {"name", &c.Name}, {"description", &c.Description}, {"id", &c.ID}, {"file", &c.File}, {"entryPoint", &c.EntryPoint}} {
		if v, ok := f[k.key]; ok {
			if *k.dst, err = str(v, p+"."+k.key); err != nil {
				return c, err
			}
		}
	}
	if typ != "" {
		c.Type = CollectionType(typ)
		if !containsType(c.Type) {
			return c, errorf(f["type"].Line, "%s.type must be one of %s", p, joinTypes())
		}
	}
	if strings.TrimSpace(c.Name) == "" {
		return c, errorf(lineOf(f, "name", n), "%s.name is required", p)
	}
	for _, k := range []struct {
		key string
		v   string
	}{{"file", c.File}, {"entryPoint", c.EntryPoint}} {
		if k.v != "" && !localPath(k.v) {
			return c, errorf(f[k.key].Line, "%s.%s must be a relative path inside the example directory", p, k.key)
		}
	}
	for _, k := range []struct {
		key string
		dst *[]string
	}{{"successDependency", &c.SuccessDependency}, {"setUpCode", &c.SetUpCode}, {"tearDownCode", &c.TearDownCode}, {"inputAnswers", &c.InputAnswers}} {
		if v, ok := f[k.key]; ok {
			if *k.dst, err = strOrList(v, p+"."+k.key); err != nil {
				return c, err
			}
		}
	}
	switch c.Type {
	case TypeStructural, TypeLinting:
		if c.File == "" {
			return c, errorf(n.Line, "%s.file is required for %s collections", p, c.Type)
		}
	case TypeExist:
		if c.File == "" {
			return c, errorf(n.Line, "%s.file is required for exist collections: the file (a glob) that must be submitted", p)
		}
		if _, err := path.Match(c.File, ""); err != nil {
			return c, errorf(f["file"].Line, "%s.file is not a valid glob", p)
		}
	}
	if def, err = cascade(f, p, def, false); err != nil {
		return c, err
	}
	c.Timeout = def.timeout
	tests, ok := f["tests"]
	if !ok {
		return c, errorf(n.Line, "%s.tests is required", p)
	}
	if tests.Kind != yaml.SequenceNode || len(tests.Content) == 0 {
		return c, errorf(tests.Line, "%s.tests must be a list of at least one test", p)
	}
	for i, tn := range tests.Content {
		t, err := parseTest(deref(tn), fmt.Sprintf("%s.tests[%d]", p, i), c.Type, def)
		if err != nil {
			return c, err
		}
		c.Tests = append(c.Tests, t)
	}
	return c, nil
}

func parseTest(n *yaml.Node, p string, typ CollectionType, def properties) (Test, error) {
	t := Test{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return t, errorf(n.Line, "%s must be a mapping", p)
	}
	f, err := fields(n, p, testKeys)
	if err != nil {
		return t, err
	}
	if v, ok := f["name"]; ok {
		if t.Name, err = str(v, p+".name"); err != nil {
			return t, err
		}
	}
	if t.Name == "" {
		return t, errorf(lineOf(f, "name", n), "%s.name is required", p)
	}
	if v, ok := f["evalString"]; ok {
		if t.EvalString, err = str(v, p+".evalString"); err != nil {
			return t, err
		}
	}
	if v, ok := f["pattern"]; ok {
		if t.Pattern, err = str(v, p+".pattern"); err != nil {
			return t, err
		}
		t.HasPattern = true
	}
	if v, ok := f["value"]; ok {
		val, err := valueFromYAML(v, p+".value", 0)
		if err != nil {
			return t, err
		}
		t.Value = &val
	}
	if def, err = cascade(f, p, def, false); err != nil {
		return t, err
	}
	t.Qualification, t.RelativeTolerance, t.AbsoluteTolerance = def.qualification, def.relTol, def.absTol
	t.TypeCheck, t.ShapeCheck, t.AllowedRange, t.CountRequirement = def.typeCheck, def.shapeCheck, def.allowed, def.countRequirement
	t.SuccessMessage, t.FailureMessage = def.successMessage, def.failureMessage
	if v, ok := f["countRequirement"]; ok {
		c, err := integer(v, p+".countRequirement")
		if err != nil {
			return t, err
		}
		if c < 0 {
			return t, errorf(v.Line, "%s.countRequirement must not be negative", p)
		}
		t.CountRequirement = &c
	}
	switch {
	case t.Qualification != VerifyEqual && !t.HasPattern && (typ == TypeVariable || typ == TypeStdout || typ == TypeError || typ == TypeWarning):
		return t, errorf(n.Line, "%s.pattern is required with qualification %s", p, t.Qualification)
	case t.Qualification == Regexp && t.HasPattern:
		if _, err := compilePattern(t.Pattern); err != nil {
			return t, errorf(f["pattern"].Line, "%s.pattern: %v", p, err)
		}
	}
	return t, nil
}

// cascade reads the properties a level may set over those it inherits.
// root reads the suite's properties, where timeout also lives.
func cascade(f map[string]*yaml.Node, p string, def properties, root bool) (properties, error) {
	var err error
	if v, ok := f["qualification"]; ok {
		s, err := str(v, p+".qualification")
		if err != nil {
			return def, err
		}
		q := Qualification(s)
		if !containsQual(q) {
			return def, errorf(v.Line, "%s.qualification must be one of %s", p, joinQuals())
		}
		def.qualification = q
	}
	if v, ok := f["relativeTolerance"]; ok {
		if def.relTol, err = number(v, p+".relativeTolerance"); err != nil {
			return def, err
		}
		if def.relTol <= 0 {
			return def, errorf(v.Line, "%s.relativeTolerance must be more than 0", p)
		}
	}
	if v, ok := f["absoluteTolerance"]; ok {
		if def.absTol, err = number(v, p+".absoluteTolerance"); err != nil {
			return def, err
		}
		if def.absTol < 0 {
			return def, errorf(v.Line, "%s.absoluteTolerance must not be negative", p)
		}
	}
	for _, k := range []struct {
		key string
		dst *bool
	}{{"typeCheck", &def.typeCheck}, {"shapeCheck", &def.shapeCheck}, {"ignoreClass", new(bool)}} {
		if v, ok := f[k.key]; ok {
			if *k.dst, err = boolean(v, p+"."+k.key); err != nil {
				return def, err
			}
		}
	}
	for _, key := range []string{"allowedOccuranceRange", "allowedOccurrenceRange"} {
		v, ok := f[key]
		if !ok {
			continue
		}
		if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
			return def, errorf(v.Line, "%s.%s must be a list of two whole numbers [min, max]", p, key)
		}
		for i := range 2 {
			if def.allowed[i], err = integer(deref(v.Content[i]), fmt.Sprintf("%s.%s[%d]", p, key, i)); err != nil {
				return def, err
			}
		}
		if def.allowed[0] < 0 || def.allowed[0] > def.allowed[1] {
			return def, errorf(v.Line, "%s.%s must be [min, max] with 0 <= min <= max", p, key)
		}
	}
	for _, key := range []string{"occuranceType", "occurrenceType"} {
		if v, ok := f[key]; ok {
			s, err := str(v, p+"."+key)
			if err != nil {
				return def, err
			}
			if s != "NAME" {
				return def, errorf(v.Line, "%s.%s must be NAME: this worker counts names only", p, key)
			}
		}
	}
	if v, ok := f["verbosity"]; ok {
		n, err := integer(v, p+".verbosity")
		if err != nil {
			return def, err
		}
		if n < 0 || n > 3 {
			return def, errorf(v.Line, "%s.verbosity must be between 0 and 3", p)
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"successMessage", &def.successMessage}, {"failureMessage", &def.failureMessage}, {"resultMessage", new(string)}, {"competency", new(string)}} {
		if v, ok := f[k.key]; ok {
			if *k.dst, err = str(v, p+"."+k.key); err != nil {
				return def, err
			}
		}
	}
	if v, ok := f["storeGraphicsArtifacts"]; ok {
		if _, err := boolean(v, p+".storeGraphicsArtifacts"); err != nil {
			return def, err
		}
	}
	if v, ok := f["timeout"]; ok {
		sec, err := number(v, p+".timeout")
		if err != nil {
			return def, err
		}
		d := time.Duration(sec * float64(time.Second))
		if sec <= 0 || d > grading.TimeLimitMax {
			return def, errorf(v.Line, "%s.timeout must be more than 0 and at most %d seconds", p, int(grading.TimeLimitMax/time.Second))
		}
		def.timeout = d
	}
	_ = root
	return def, nil
}

// compilePattern compiles a regexp test's pattern as Python's re.match
// uses it: anchored at the start only. Patterns are RE2 (Go's regexp);
// Python-only syntax such as look-arounds and back-references is refused.
func compilePattern(p string) (*regexp.Regexp, error) {
	// Compiled alone first: wrapped alone, "a)(b" would be accepted.
	_, err := regexp.Compile(p)
	var re *regexp.Regexp
	if err == nil {
		re, err = regexp.Compile(`\A(?:` + p + `)`)
	}
	if err != nil {
		return nil, fmt.Errorf("not a regular expression this worker supports (RE2 syntax): %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return re, nil
}

func containsType(t CollectionType) bool {
	for _, x := range collectionTypes {
		if x == t {
			return true
		}
	}
	return false
}

func joinTypes() string {
	s := make([]string, len(collectionTypes))
	for i, t := range collectionTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func containsQual(q Qualification) bool {
	for _, x := range qualifications {
		if x == q {
			return true
		}
	}
	return false
}

func joinQuals() string {
	s := make([]string, len(qualifications))
	for i, q := range qualifications {
		s[i] = string(q)
	}
	return strings.Join(s, ", ")
}

// The strict readers of test.yaml, shared with package grading.
var (
	errorf    = specyaml.Errorf
	orTop     = specyaml.OrTop
	lineOf    = specyaml.LineOf
	deref     = specyaml.Deref
	str       = specyaml.String
	strOrList = specyaml.StringOrList
	number    = specyaml.Number
	boolean   = specyaml.Bool
	localPath = specyaml.LocalPath
)

// fields returns a mapping's values by key, rejecting unknown, unsupported
// and repeated keys (see specyaml.Fields). A null value counts as absent,
// as in the published models.
func fields(n *yaml.Node, p string, known []string) (map[string]*yaml.Node, error) {
	return specyaml.Fields(n, p, known, unsupported, "by this worker's python engine")
}

// integer reads a whole number of 32 bits, as the published models do.
func integer(n *yaml.Node, field string) (int, error) {
	i, err := specyaml.Int(n, field, 32)
	return int(i), err
}

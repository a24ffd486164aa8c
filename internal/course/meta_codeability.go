package course

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// CodeAbility is what a CodeAbility meta.yaml holds beyond the fields our
// format shares with it (title, the submission and test files, the course
// settings). Both generations of its field names are read: slug or
// identifier, executionBackend or the older executionBackendSlug,
// testDependencies at the top or in properties.
type CodeAbility struct {
	// Slug identifies the example, such as itpcp.pgph.py.caesar (slug or
	// identifier).
	Slug string
	// Version is the example's version, such as 1.0 or 1.2.3.
	Version string
	// Kind and Type are the older generation's kind (assignment) and type
	// (ProblemSet); read and kept, not used.
	Kind, Type  string
	Description string
	Language    string
	License     string
	Authors     []Person
	Maintainers []Person
	Links       []Link
	// SupportingMaterial is supportingMaterial.
	SupportingMaterial []Link
	Keywords           []string
	// StudentTemplates are globs (relative to the example) of the
	// students' starting versions of the submission files; see
	// [Meta.ReleasedFiles].
	StudentTemplates []string
	// AdditionalFiles are globs of files released to students as they
	// are, at the top of the assignment under their base name, as
	// Computor does.
	AdditionalFiles []string
	// ExecutionBackend runs the tests; nil when the example names none.
	ExecutionBackend *ExecutionBackend
	// TestDependencies are other examples the tests need (read, not yet
	// used).
	TestDependencies []TestDependency

	// lines holds the line of each list entry, by list key and value,
	// for the errors of ReleasedFiles.
	lines map[string]int
}

// ExecutionBackend is a CodeAbility example's executionBackend.
type ExecutionBackend struct {
	// Slug names the backend, such as itpcp.exec.py or python-itp.
	Slug    string
	Version string
	// Settings are the backend's own, as written.
	Settings map[string]any
}

// Person is an author or maintainer of a CodeAbility example.
type Person struct {
	Name        string `yaml:"name"`
	Email       string `yaml:"email"`
	Affiliation string `yaml:"affiliation"`
}

// Link is a link or supporting material of a CodeAbility example.
type Link struct {
	Description string `yaml:"description"`
	URL         string `yaml:"url"`
}

// TestDependency is another example a CodeAbility example's tests need:
// written as its slug alone or as slug and version constraint.
type TestDependency struct {
	Slug    string
	Version string
}

// codeAbilityOnlyKeys are top-level keys that only a CodeAbility meta.yaml
// has; any of them makes ParseMeta read the file as CodeAbility.
var codeAbilityOnlyKeys = []string{
	"slug", "identifier", "version", "kind", "type", "description", "language", "license",
	"authors", "maintainers", "links", "supportingMaterial", "keywords", "properties", "testDependencies",
}

// isCodeAbility reports whether a document's top level holds a key that
// only the CodeAbility format has.
func isCodeAbility(top *yaml.Node) bool {
	if top.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		for _, k := range codeAbilityOnlyKeys {
			if top.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

// codeAbilityFile is a CodeAbility meta.yaml as written. The course
// settings of our format (max_test_runs, deadline, ...) are allowed at its
// top level too: CodeAbility keeps them out of the example, but a course
// here takes them from meta.yaml.
type codeAbilityFile struct {
	Slug               string                 `yaml:"slug"`
	Identifier         string                 `yaml:"identifier"`
	Version            string                 `yaml:"version"`
	Kind               string                 `yaml:"kind"`
	Type               string                 `yaml:"type"`
	Title              string                 `yaml:"title"`
	Description        codeAbilityText        `yaml:"description"`
	Language           string                 `yaml:"language"`
	License            string                 `yaml:"license"`
	Authors            []Person               `yaml:"authors"`
	Maintainers        []Person               `yaml:"maintainers"`
	Links              []Link                 `yaml:"links"`
	SupportingMaterial []Link                 `yaml:"supportingMaterial"`
	Keywords           []string               `yaml:"keywords"`
	TestDependencies   []TestDependency       `yaml:"testDependencies"`
	Properties         *codeAbilityProperties `yaml:"properties"`

	MaxTestRuns       int     `yaml:"max_test_runs"`
	MaxSubmissions    int     `yaml:"max_submissions"`
	Deadline          string  `yaml:"deadline"`
	LateDeadline      string  `yaml:"late_deadline"`
	LatePenalty       float64 `yaml:"late_penalty"`
	FreeSubmissions   int     `yaml:"free_submissions"`
	SubmissionPenalty float64 `yaml:"submission_penalty"`
	TestRunsPerHour   int     `yaml:"test_runs_per_hour"`
	Grading           string  `yaml:"grading"`
}

type codeAbilityProperties struct {
	StudentSubmissionFiles []pathEntry        `yaml:"studentSubmissionFiles"`
	AdditionalFiles        []pathEntry        `yaml:"additionalFiles"`
	TestFiles              []pathEntry        `yaml:"testFiles"`
	StudentTemplates       []pathEntry        `yaml:"studentTemplates"`
	TestDependencies       []TestDependency   `yaml:"testDependencies"`
	ExecutionBackend       codeAbilityBackend `yaml:"executionBackend"`
	ExecutionBackendSlug   string             `yaml:"executionBackendSlug"`
}

// pathEntry is an entry of a file list, with its line.
type pathEntry struct {
	Value string
	Line  int
}

func (e *pathEntry) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return fmt.Errorf("line %d: a file list entry must be a path", n.Line)
	}
	e.Value, e.Line = n.Value, n.Line
	return nil
}

// codeAbilityText is a text that CodeAbility also allows as an empty list.
type codeAbilityText string

func (t *codeAbilityText) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode:
		*t = codeAbilityText(n.Value)
	case n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		*t = ""
	default:
		return fmt.Errorf("line %d: description must be a text", n.Line)
	}
	return nil
}

// codeAbilityBackend is executionBackend, which may also be an empty list
// (none).
type codeAbilityBackend struct {
	backend *ExecutionBackend
	line    int
}

func (b *codeAbilityBackend) UnmarshalYAML(n *yaml.Node) error {
	b.line = n.Line
	if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: executionBackend must be a mapping with slug, version and settings", n.Line)
	}
	eb := &ExecutionBackend{}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return fmt.Errorf("line %d: executionBackend.%s is given twice", k.Line, k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "slug", "version":
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return fmt.Errorf("line %d: executionBackend.%s must be a text", v.Line, k.Value)
			}
			if k.Value == "slug" {
				eb.Slug = v.Value
			} else {
				eb.Version = v.Value
			}
		case "settings":
			if v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: executionBackend.settings must be a mapping", v.Line)
			}
			if err := v.Decode(&eb.Settings); err != nil {
				return fmt.Errorf("line %d: executionBackend.settings: %v", v.Line, err)
			}
		default:
			return fmt.Errorf("line %d: executionBackend has no field %s (it has slug, version and settings)", k.Line, k.Value)
		}
	}
	if strings.TrimSpace(eb.Slug) == "" {
		return fmt.Errorf("line %d: executionBackend.slug is required", n.Line)
	}
	b.backend = eb
	return nil
}

func (d *TestDependency) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		d.Slug = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: testDependencies: %s must be a text", v.Line, k.Value)
			}
			switch k.Value {
			case "slug":
				d.Slug = v.Value
			case "version":
				d.Version = v.Value
			default:
				return fmt.Errorf("line %d: testDependencies: an entry has no field %s (it has slug and version)", k.Line, k.Value)
			}
		}
	default:
		return fmt.Errorf("line %d: testDependencies: an entry must be a slug or a mapping with slug and version", n.Line)
	}
	if strings.TrimSpace(d.Slug) == "" {
		return fmt.Errorf("line %d: testDependencies: an entry needs a slug", n.Line)
	}
	return nil
}

// codeAbilityVersion is the form of a CodeAbility meta.yaml's version.
var codeAbilityVersion = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,3}$`)

// yamlTypeNames turn yaml.v3's "not found in type course.x" into words.
var yamlTypeNames = strings.NewReplacer(
	"not found in type course.codeAbilityFile", "is not a field of a CodeAbility meta.yaml",
	"not found in type course.codeAbilityProperties", "is not a field of a CodeAbility meta.yaml's properties",
	"not found in type course.Person", "is not a field of an author or maintainer (name, email, affiliation)",
	"not found in type course.Link", "is not a field of a link (description, url)",
)

// parseCodeAbility reads a CodeAbility meta.yaml whose top level is top.
func parseCodeAbility(b []byte, top *yaml.Node) (*Meta, error) {
	var f codeAbilityFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("meta.yaml is empty")
		}
		return nil, fmt.Errorf("meta.yaml: %s", yamlTypeNames.Replace(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	line := keyLine(top)
	ca := &CodeAbility{
		Slug: f.Slug, Version: f.Version, Kind: f.Kind, Type: f.Type,
		Description: string(f.Description), Language: f.Language, License: f.License,
		Authors: f.Authors, Maintainers: f.Maintainers, Links: f.Links, SupportingMaterial: f.SupportingMaterial,
		Keywords: f.Keywords, TestDependencies: f.TestDependencies, lines: map[string]int{},
	}
	m := &Meta{
		Format: FormatCodeAbility, Title: strings.TrimSpace(f.Title), CodeAbility: ca,
		MaxTestRuns: f.MaxTestRuns, MaxSubmissions: f.MaxSubmissions, DeadlineText: f.Deadline,
		LateDeadlineText: f.LateDeadline, LatePenalty: f.LatePenalty, FreeSubmissions: f.FreeSubmissions,
		SubmissionPenalty: f.SubmissionPenalty, TestRunsPerHour: f.TestRunsPerHour, Grading: f.Grading,
	}
	switch {
	case f.Slug != "" && f.Identifier != "" && f.Slug != f.Identifier:
		return nil, fmt.Errorf("meta.yaml: line %d: identifier %q differs from slug %q; give one", line("identifier"), f.Identifier, f.Slug)
	case f.Identifier != "":
		ca.Slug = f.Identifier
	}
	if f.Version != "" && !codeAbilityVersion.MatchString(f.Version) {
		return nil, fmt.Errorf("meta.yaml: line %d: version %q must be numbers with dots, such as 1.0 or 1.2.3", line("version"), f.Version)
	}
	// Computor shows the slug where an example has no title.
	if m.Title == "" {
		m.Title = strings.TrimSpace(ca.Slug)
	}
	if m.Title == "" {
		return nil, fmt.Errorf("meta.yaml: line %d: title is required (or a slug)", line("title"))
	}
	if err := m.checkCourseSettings(top); err != nil {
		return nil, err
	}

	p := f.Properties
	if p == nil {
		p = &codeAbilityProperties{}
	}
	ca.TestDependencies = append(ca.TestDependencies, p.TestDependencies...)
	ca.ExecutionBackend = p.ExecutionBackend.backend
	if s := strings.TrimSpace(p.ExecutionBackendSlug); s != "" {
		if ca.ExecutionBackend != nil && ca.ExecutionBackend.Slug != s {
			return nil, fmt.Errorf("meta.yaml: line %d: executionBackendSlug %q differs from executionBackend.slug %q; give one", p.ExecutionBackend.line, s, ca.ExecutionBackend.Slug)
		}
		if ca.ExecutionBackend == nil {
			ca.ExecutionBackend = &ExecutionBackend{Slug: s}
		}
	}

	// The submission files are paths, not globs: one without a template
	// is made, empty, in the student template.
	for _, e := range p.StudentSubmissionFiles {
		if err := checkRelative(&e, "studentSubmissionFiles"); err != nil {
			return nil, err
		}
		switch {
		case strings.ContainsAny(e.Value, `*?[\`):
			return nil, fmt.Errorf("meta.yaml: line %d: studentSubmissionFiles: %q must be a path, not a glob", e.Line, e.Value)
		case e.Value == MetaFile || e.Value == TestSpecFile:
			return nil, fmt.Errorf("meta.yaml: line %d: studentSubmissionFiles: %q is the example's own %s", e.Line, e.Value, e.Value)
		case matchAny(m.SubmissionFiles, e.Value):
			return nil, fmt.Errorf("meta.yaml: line %d: studentSubmissionFiles: %q is listed twice", e.Line, e.Value)
		}
		m.SubmissionFiles = append(m.SubmissionFiles, e.Value)
		ca.lines["studentSubmissionFiles\x00"+e.Value] = e.Line
	}
	// What reaches students or test runs never takes a submission file's
	// reference copy, whatever its globs say.
	for _, l := range []struct {
		key  string
		list []pathEntry
		dst  *[]string
	}{
		{"additionalFiles", p.AdditionalFiles, &ca.AdditionalFiles},
		{"studentTemplates", p.StudentTemplates, &ca.StudentTemplates},
		{"testFiles", p.TestFiles, &m.TestFiles},
	} {
		for _, e := range l.list {
			if err := checkRelative(&e, l.key); err != nil {
				return nil, err
			}
			for _, s := range m.SubmissionFiles {
				if ok, _ := path.Match(e.Value, s); ok {
					return nil, fmt.Errorf("meta.yaml: line %d: %s: %q takes %s, a studentSubmissionFiles entry, whose copy here is the reference solution", e.Line, l.key, e.Value, s)
				}
			}
			if l.key != "testFiles" {
				for _, kept := range []string{MetaFile, TestSpecFile} {
					if ok, _ := path.Match(e.Value, kept); ok {
						return nil, fmt.Errorf("meta.yaml: line %d: %s: %q takes %s, which stays back", e.Line, l.key, e.Value, kept)
					}
				}
			}
			*l.dst = append(*l.dst, e.Value)
			ca.lines[l.key+"\x00"+e.Value] = e.Line
		}
	}
	return m, nil
}

// checkRelative checks that a file list entry is a relative path or glob
// that stays within the example, and drops a leading "./", which older
// examples write.
func checkRelative(e *pathEntry, key string) error {
	v := strings.TrimPrefix(e.Value, "./")
	_, err := path.Match(v, "")
	if err != nil || v == "" || strings.HasPrefix(v, "/") || strings.Contains(v, "..") || path.Clean(v) != v || strings.ContainsRune(v, 0) {
		return fmt.Errorf("meta.yaml: line %d: %s: %q is not a relative path within the example", e.Line, key, e.Value)
	}
	e.Value = v
	return nil
}

// line returns the line of an entry of one of the file lists, 1 if
// unknown.
func (ca *CodeAbility) line(key, value string) int {
	if l, ok := ca.lines[key+"\x00"+value]; ok {
		return l
	}
	return 1
}

// releasesFrom reports whether the example's file rel is a source of the
// student template, by name alone (see Meta.StudentFile for what else
// keeps it back).
func (ca *CodeAbility) releasesFrom(rel string) bool {
	if ca == nil {
		return false
	}
	_, readme := readmeFor(rel)
	return readme || strings.HasPrefix(rel, contentMediaDir) ||
		matchAny(ca.AdditionalFiles, rel) || matchAny(ca.StudentTemplates, rel)
}

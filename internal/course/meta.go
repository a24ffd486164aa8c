package course

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MetaFile names an assignment: a directory of the assignments repository
// is an assignment when it holds one.
const MetaFile = "meta.yaml"

// TestSpecFile is an assignment's test specification (see package grading).
const TestSpecFile = "test.yaml"

// Format says which meta.yaml format an assignment is written in.
type Format string

// The meta.yaml formats ParseMeta reads.
const (
	// FormatNative is our own: student_files, submission_files,
	// test_files and the course settings, in snake_case.
	FormatNative Format = "native"
	// FormatCodeAbility is the CodeAbility Meta format of Computor's
	// example libraries (slug or identifier, properties with
	// studentSubmissionFiles, studentTemplates, additionalFiles,
	// testFiles, executionBackend); see meta_codeability.go.
	FormatCodeAbility Format = "codeability"
)

// Meta is an assignment's meta.yaml, in either format. The yaml tags are
// those of our own format; a CodeAbility file is read into the same
// fields by parseCodeAbility.
type Meta struct {
	// Format is the format the file is written in.
	Format Format `yaml:"-"`
	Title  string `yaml:"title"`
	// StudentFiles are globs (path.Match, relative to the assignment
	// directory) of the files released to students; everything else stays
	// back. Our format only: a CodeAbility example releases what
	// [Meta.ReleasedFiles] maps.
	StudentFiles []string `yaml:"student_files"`
	// SubmissionFiles are globs of what is graded from a student's
	// repository. In a CodeAbility example they are the literal paths of
	// its studentSubmissionFiles, and the example's own copies of them are
	// the reference solution, which never reaches students.
	SubmissionFiles []string `yaml:"submission_files"`
	// TestFiles are globs of the kept-back files the tests need, such as
	// test_sum.py: they are shown read-only to the command and junit
	// tests, and nothing else kept back (solutions, test.yaml) ever
	// reaches a test run. CodeAbility: testFiles.
	TestFiles      []string `yaml:"test_files"`
	MaxTestRuns    int      `yaml:"max_test_runs"`
	MaxSubmissions int      `yaml:"max_submissions"`
	// DeadlineText is the deadline as written (RFC 3339, with its
	// offset); Deadline is it read, nil without one.
	DeadlineText string     `yaml:"deadline"`
	Deadline     *time.Time `yaml:"-"`
	// LateDeadlineText (after the deadline) ends late submissions, which
	// lose LatePenalty (0 to 1) of their score.
	LateDeadlineText string     `yaml:"late_deadline"`
	LateDeadline     *time.Time `yaml:"-"`
	LatePenalty      float64    `yaml:"late_penalty"`
	// FreeSubmissions are without a penalty; each later one loses
	// SubmissionPenalty (0 to 1) of what is left.
	FreeSubmissions   int     `yaml:"free_submissions"`
	SubmissionPenalty float64 `yaml:"submission_penalty"`
	// TestRunsPerHour bounds a member's test runs in any hour; 0: none.
	TestRunsPerHour int `yaml:"test_runs_per_hour"`
	// Grading says which graded submission counts: last (default) or best.
	Grading string `yaml:"grading"`

	// CodeAbility is what only a CodeAbility meta.yaml holds; nil for our
	// own format.
	CodeAbility *CodeAbility `yaml:"-"`
}

// ParseMeta reads a meta.yaml strictly, in our format or in the
// CodeAbility Meta format (told apart by their keys: a file with any key
// that only CodeAbility has, such as properties or slug, is read as
// CodeAbility). An unknown key, a wrong type or a missing title is an
// error that names the line.
func ParseMeta(b []byte) (*Meta, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err == nil && len(root.Content) > 0 && isCodeAbility(root.Content[0]) {
		return parseCodeAbility(b, root.Content[0])
	}
	var m Meta
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("meta.yaml is empty")
		}
		return nil, fmt.Errorf("meta.yaml: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	m.Format = FormatNative
	var top *yaml.Node
	if len(root.Content) > 0 {
		top = root.Content[0]
	}
	line := keyLine(top)
	switch {
	case strings.TrimSpace(m.Title) == "":
		return nil, fmt.Errorf("meta.yaml: line %d: title is required", line("title"))
	case len(m.StudentFiles) == 0:
		return nil, fmt.Errorf("meta.yaml: line %d: student_files must list at least one glob", line("student_files"))
	}
	if err := m.checkCourseSettings(top); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		key   string
		globs []string
	}{{"student_files", m.StudentFiles}, {"submission_files", m.SubmissionFiles}, {"test_files", m.TestFiles}} {
		for _, g := range l.globs {
			if _, err := path.Match(g, ""); err != nil || g == "" || strings.HasPrefix(g, "/") || strings.Contains(g, "..") {
				return nil, fmt.Errorf("meta.yaml: line %d: %q is not a relative glob", line(l.key), g)
			}
		}
	}
	return &m, nil
}

// keyLine returns a function that finds the line of a key of a mapping,
// 1 when it is absent.
func keyLine(mapping *yaml.Node) func(key string) int {
	return func(key string) int {
		if mapping == nil {
			return 1
		}
		for i := 0; i+1 < len(mapping.Content); i += 2 {
			if mapping.Content[i].Value == key {
				return mapping.Content[i].Line
			}
		}
		return 1
	}
}

// courseSettingKeys are the keys of the course settings, the same in both
// formats; those of whole numbers are checked for their type.
var wholeNumberKeys = []string{"max_test_runs", "max_submissions", "test_runs_per_hour", "free_submissions"}

// checkCourseSettings checks the course settings (limits, deadlines,
// penalties), at the top level of either format, and reads the deadlines.
func (m *Meta) checkCourseSettings(top *yaml.Node) error {
	line := keyLine(top)
	// yaml.v3 reads 1.5 into an int as 1; a limit must be a whole number.
	if top != nil {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if k := top.Content[i].Value; slices.Contains(wholeNumberKeys, k) && top.Content[i+1].Tag != "!!int" {
				return fmt.Errorf("meta.yaml: line %d: %s must be a whole number", top.Content[i].Line, k)
			}
		}
	}
	switch {
	case m.MaxTestRuns < 0:
		return fmt.Errorf("meta.yaml: line %d: max_test_runs must not be negative", line("max_test_runs"))
	case m.MaxSubmissions < 0:
		return fmt.Errorf("meta.yaml: line %d: max_submissions must not be negative", line("max_submissions"))
	case m.TestRunsPerHour < 0:
		return fmt.Errorf("meta.yaml: line %d: test_runs_per_hour must not be negative", line("test_runs_per_hour"))
	case m.Grading != "" && m.Grading != "last" && m.Grading != "best":
		return fmt.Errorf("meta.yaml: line %d: grading must be last or best", line("grading"))
	case m.LatePenalty < 0 || m.LatePenalty > 1:
		return fmt.Errorf("meta.yaml: line %d: late_penalty must be from 0 to 1", line("late_penalty"))
	case m.SubmissionPenalty < 0 || m.SubmissionPenalty > 1:
		return fmt.Errorf("meta.yaml: line %d: submission_penalty must be from 0 to 1", line("submission_penalty"))
	case m.FreeSubmissions < 0:
		return fmt.Errorf("meta.yaml: line %d: free_submissions must not be negative", line("free_submissions"))
	}
	if m.DeadlineText != "" {
		d, err := time.Parse(time.RFC3339, m.DeadlineText)
		if err != nil {
			return fmt.Errorf("meta.yaml: line %d: deadline %q must be an RFC 3339 time with its offset, such as 2026-12-01T23:59:00+01:00", line("deadline"), m.DeadlineText)
		}
		d = d.UTC()
		m.Deadline = &d
	}
	if m.LateDeadlineText != "" {
		d, err := time.Parse(time.RFC3339, m.LateDeadlineText)
		switch {
		case err != nil:
			return fmt.Errorf("meta.yaml: line %d: late_deadline %q must be an RFC 3339 time with its offset", line("late_deadline"), m.LateDeadlineText)
		case m.Deadline == nil || !d.After(*m.Deadline):
			return fmt.Errorf("meta.yaml: line %d: late_deadline must be after deadline", line("late_deadline"))
		}
		d = d.UTC()
		m.LateDeadline = &d
	}
	return nil
}

// StudentFile reports whether a file (relative to the assignment
// directory) reaches students. In our format, a glob of student_files
// matches the whole relative path, as path.Match does: "hello.py" and
// "*.py" match files at the top of the assignment only, "src/*.c" those in
// src. A glob never reaches into a directory it does not name, so
// solution/hello.py stays back however the top-level files are named. In a
// CodeAbility example, the files that [Meta.ReleasedFiles] takes content
// from: the additional files, the student templates, content/index*.md
// and content/mediaFiles; never a submission file's reference copy.
func (m *Meta) StudentFile(rel string) bool {
	if m.Format == FormatCodeAbility {
		return m.CodeAbility.releasesFrom(rel) && rel != MetaFile && rel != TestSpecFile && !m.TestFile(rel) && !matchAny(m.SubmissionFiles, rel)
	}
	// test.yaml and the test files stay back whatever the globs say: a
	// broad student_files ("*") must not release them.
	return rel != TestSpecFile && !matchAny(m.TestFiles, rel) && matchAny(m.StudentFiles, rel)
}

// SubmissionFile reports whether a file (relative to the assignment
// directory) of a student's repository is graded: the submission_files, or
// the student_files when there are none. In a CodeAbility example it is
// one of the studentSubmissionFiles, and the example's own copy of it in
// the assignments repository is the reference solution.
func (m *Meta) SubmissionFile(rel string) bool {
	if len(m.SubmissionFiles) == 0 && m.Format != FormatCodeAbility {
		return m.StudentFile(rel)
	}
	return matchAny(m.SubmissionFiles, rel)
}

// TestFile reports whether a file of the assignment is a test file that
// test runs get. meta.yaml and test.yaml never are, nor, in a CodeAbility
// example, the reference copy of a submission file.
func (m *Meta) TestFile(rel string) bool {
	if m.Format == FormatCodeAbility && matchAny(m.SubmissionFiles, rel) {
		return false
	}
	return rel != MetaFile && rel != TestSpecFile && matchAny(m.TestFiles, rel)
}

// ExecutionBackendSlug is the slug of the backend that runs a CodeAbility
// example's tests (executionBackend.slug, or the older
// executionBackendSlug), such as itpcp.exec.py; "" for our own format and
// for an example that names none.
func (m *Meta) ExecutionBackendSlug() string {
	if m.CodeAbility == nil || m.CodeAbility.ExecutionBackend == nil {
		return ""
	}
	return m.CodeAbility.ExecutionBackend.Slug
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

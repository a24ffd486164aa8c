package course

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MetaFile names an assignment: a directory of the assignments repository
// is an assignment when it holds one.
const MetaFile = "meta.yaml"

// TestSpecFile is an assignment's test specification (see package grading).
const TestSpecFile = "test.yaml"

// Meta is an assignment's meta.yaml.
type Meta struct {
	Title string `yaml:"title"`
	// StudentFiles are globs (path.Match, relative to the assignment
	// directory) of the files released to students; everything else stays
	// back.
	StudentFiles []string `yaml:"student_files"`
	// SubmissionFiles are globs of what is graded from a student's
	// repository.
	SubmissionFiles []string `yaml:"submission_files"`
	// TestFiles are globs of the kept-back files the tests need, such as
	// test_sum.py: they are shown read-only to the command and junit
	// tests, and nothing else kept back (solutions, test.yaml) ever
	// reaches a test run.
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
}

// ParseMeta reads a meta.yaml strictly: an unknown key, a wrong type or a
// missing title is an error that names the line.
func ParseMeta(b []byte) (*Meta, error) {
	var m Meta
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("meta.yaml is empty")
		}
		return nil, fmt.Errorf("meta.yaml: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(b, &root)
	// yaml.v3 reads 1.5 into an int as 1; a limit must be a whole number.
	if len(root.Content) > 0 {
		m := root.Content[0].Content
		for i := 0; i+1 < len(m); i += 2 {
			if k := m[i].Value; (k == "max_test_runs" || k == "max_submissions" || k == "test_runs_per_hour" || k == "free_submissions") && m[i+1].Tag != "!!int" {
				return nil, fmt.Errorf("meta.yaml: line %d: %s must be a whole number", m[i].Line, k)
			}
		}
	}
	line := func(key string) int {
		if len(root.Content) == 0 {
			return 1
		}
		for i := 0; i+1 < len(root.Content[0].Content); i += 2 {
			if root.Content[0].Content[i].Value == key {
				return root.Content[0].Content[i].Line
			}
		}
		return 1
	}
	switch {
	case strings.TrimSpace(m.Title) == "":
		return nil, fmt.Errorf("meta.yaml: line %d: title is required", line("title"))
	case len(m.StudentFiles) == 0:
		return nil, fmt.Errorf("meta.yaml: line %d: student_files must list at least one glob", line("student_files"))
	case m.MaxTestRuns < 0:
		return nil, fmt.Errorf("meta.yaml: line %d: max_test_runs must not be negative", line("max_test_runs"))
	case m.MaxSubmissions < 0:
		return nil, fmt.Errorf("meta.yaml: line %d: max_submissions must not be negative", line("max_submissions"))
	case m.TestRunsPerHour < 0:
		return nil, fmt.Errorf("meta.yaml: line %d: test_runs_per_hour must not be negative", line("test_runs_per_hour"))
	case m.Grading != "" && m.Grading != "last" && m.Grading != "best":
		return nil, fmt.Errorf("meta.yaml: line %d: grading must be last or best", line("grading"))
	case m.LatePenalty < 0 || m.LatePenalty > 1:
		return nil, fmt.Errorf("meta.yaml: line %d: late_penalty must be from 0 to 1", line("late_penalty"))
	case m.SubmissionPenalty < 0 || m.SubmissionPenalty > 1:
		return nil, fmt.Errorf("meta.yaml: line %d: submission_penalty must be from 0 to 1", line("submission_penalty"))
	case m.FreeSubmissions < 0:
		return nil, fmt.Errorf("meta.yaml: line %d: free_submissions must not be negative", line("free_submissions"))
	}
	if m.DeadlineText != "" {
		d, err := time.Parse(time.RFC3339, m.DeadlineText)
		if err != nil {
			return nil, fmt.Errorf("meta.yaml: line %d: deadline %q must be an RFC 3339 time with its offset, such as 2026-12-01T23:59:00+01:00", line("deadline"), m.DeadlineText)
		}
		d = d.UTC()
		m.Deadline = &d
	}
	if m.LateDeadlineText != "" {
		d, err := time.Parse(time.RFC3339, m.LateDeadlineText)
		switch {
		case err != nil:
			return nil, fmt.Errorf("meta.yaml: line %d: late_deadline %q must be an RFC 3339 time with its offset", line("late_deadline"), m.LateDeadlineText)
		case m.Deadline == nil || !d.After(*m.Deadline):
			return nil, fmt.Errorf("meta.yaml: line %d: late_deadline must be after deadline", line("late_deadline"))
		}
		d = d.UTC()
		m.LateDeadline = &d
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

// StudentFile reports whether a file (relative to the assignment
// directory) is released to students. A glob matches the whole relative
// path, as path.Match does: "hello.py" and "*.py" match files at the top of
// the assignment only, "src/*.c" those in src. A glob never reaches into a
// directory it does not name, so solution/hello.py stays back however the
// top-level files are named.
func (m *Meta) StudentFile(rel string) bool {
	// test.yaml and the test files stay back whatever the globs say: a
	// broad student_files ("*") must not release them.
	return rel != TestSpecFile && !matchAny(m.TestFiles, rel) && matchAny(m.StudentFiles, rel)
}

// SubmissionFile reports whether a file (relative to the assignment
// directory) of a student's repository is graded: the submission_files, or
// the student_files when there are none.
func (m *Meta) SubmissionFile(rel string) bool {
	if len(m.SubmissionFiles) == 0 {
		return m.StudentFile(rel)
	}
	return matchAny(m.SubmissionFiles, rel)
}

// TestFile reports whether a file of the assignment is a test file that
// test runs get. meta.yaml and test.yaml never are.
func (m *Meta) TestFile(rel string) bool {
	return rel != MetaFile && rel != TestSpecFile && matchAny(m.TestFiles, rel)
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, rel); ok {
			return true
		}
	}
	return false
}

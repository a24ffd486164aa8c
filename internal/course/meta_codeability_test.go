package course

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// caWeather is a CodeAbility meta.yaml of the newer generation, with every
// field.
const caWeather = `slug: itpcp.progphys.py.weather
version: 1.2.0
title: Weather statistics
description: Read temperatures, summarise them.
language: en
license: MIT
authors:
- name: Ada Lovelace
  email: ada@example.org
  affiliation: TU Graz
maintainers:
- {name: Grace Hopper}
links:
- description: python
  url: https://www.python.org/
supportingMaterial:
- {description: statistics, url: https://docs.python.org/3/library/statistics.html}
keywords: [python, statistics]
properties:
  studentSubmissionFiles:
  - weather.py
  - helpers/units.py
  additionalFiles:
  - data.csv
  testFiles:
  - checks/expected.txt
  studentTemplates:
  - studentTemplates/weather.py
  executionBackend:
    slug: itpcp.exec.py
    version: '1.0'
    settings: {python: '3.11'}
  testDependencies:
  - itpcp.progphys.py.basics
  - {slug: itpcp.progphys.py.lists, version: '>=1.0'}
`

// caOlder is the older generation: identifier, kind and type, top-level
// testDependencies, executionBackendSlug.
const caOlder = `version: '1.0'
kind: assignment
type: ProblemSet
identifier: itpcp.old.sum
title: Sum
description: []
authors: []
maintainers: []
links: []
supportingMaterial: []
language: de
keywords: []
license: Not specified
testDependencies: []
properties:
  studentSubmissionFiles: [sum.py]
  additionalFiles: []
  testFiles: []
  studentTemplates: []
  executionBackendSlug: python-itp
`

func TestParseMetaCodeAbility(t *testing.T) {
	t.Parallel()
	m, err := ParseMeta([]byte(caWeather))
	if err != nil {
		t.Fatal(err)
	}
	ca := m.CodeAbility
	switch {
	case m.Format != FormatCodeAbility || ca == nil:
		t.Fatalf("format %q, CodeAbility %v", m.Format, ca)
	case m.Title != "Weather statistics" || ca.Slug != "itpcp.progphys.py.weather" || ca.Version != "1.2.0":
		t.Errorf("title %q slug %q version %q", m.Title, ca.Slug, ca.Version)
	case ca.Description != "Read temperatures, summarise them." || ca.Language != "en" || ca.License != "MIT":
		t.Errorf("description %q language %q license %q", ca.Description, ca.Language, ca.License)
	case !slices.Equal(m.SubmissionFiles, []string{"weather.py", "helpers/units.py"}):
		t.Errorf("submission files %q", m.SubmissionFiles)
	case !slices.Equal(m.TestFiles, []string{"checks/expected.txt"}):
		t.Errorf("test files %q", m.TestFiles)
	case !slices.Equal(ca.AdditionalFiles, []string{"data.csv"}) || !slices.Equal(ca.StudentTemplates, []string{"studentTemplates/weather.py"}):
		t.Errorf("additional %q templates %q", ca.AdditionalFiles, ca.StudentTemplates)
	case len(m.StudentFiles) != 0:
		t.Errorf("student_files %q set for a CodeAbility example", m.StudentFiles)
	case m.ExecutionBackendSlug() != "itpcp.exec.py" || ca.ExecutionBackend.Version != "1.0" || ca.ExecutionBackend.Settings["python"] != "3.11":
		t.Errorf("backend %+v", ca.ExecutionBackend)
	case !reflect.DeepEqual(ca.TestDependencies, []TestDependency{{Slug: "itpcp.progphys.py.basics"}, {Slug: "itpcp.progphys.py.lists", Version: ">=1.0"}}):
		t.Errorf("test dependencies %+v", ca.TestDependencies)
	case !reflect.DeepEqual(ca.Authors, []Person{{Name: "Ada Lovelace", Email: "ada@example.org", Affiliation: "TU Graz"}}) ||
		!reflect.DeepEqual(ca.Maintainers, []Person{{Name: "Grace Hopper"}}):
		t.Errorf("authors %+v maintainers %+v", ca.Authors, ca.Maintainers)
	case len(ca.Links) != 1 || ca.Links[0].URL != "https://www.python.org/" || len(ca.SupportingMaterial) != 1 ||
		!slices.Equal(ca.Keywords, []string{"python", "statistics"}):
		t.Errorf("links %+v material %+v keywords %q", ca.Links, ca.SupportingMaterial, ca.Keywords)
	}

	old, err := ParseMeta([]byte(caOlder))
	if err != nil {
		t.Fatal(err)
	}
	if old.Format != FormatCodeAbility || old.CodeAbility.Slug != "itpcp.old.sum" || old.ExecutionBackendSlug() != "python-itp" ||
		old.CodeAbility.Kind != "assignment" || old.CodeAbility.Type != "ProblemSet" || old.CodeAbility.Description != "" ||
		!slices.Equal(old.SubmissionFiles, []string{"sum.py"}) {
		t.Errorf("older generation: %+v %+v", old, old.CodeAbility)
	}
	// Our own format reads as before, and says so.
	native, err := ParseMeta([]byte("title: T\nstudent_files: [a.py]\n"))
	if err != nil || native.Format != FormatNative || native.CodeAbility != nil || native.ExecutionBackendSlug() != "" {
		t.Errorf("native: %+v %v", native, err)
	}
}

func TestParseMetaCodeAbilityVariants(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		check    func(*Meta) bool
	}{
		{"slug alone names it", "slug: a.b.c\nproperties: {studentSubmissionFiles: [x.py]}\n",
			func(m *Meta) bool { return m.Title == "a.b.c" }},
		{"no properties", "title: Reading\nslug: a.b\n",
			func(m *Meta) bool { return len(m.SubmissionFiles) == 0 && m.CodeAbility.ExecutionBackend == nil }},
		{"null lists", "title: T\nproperties: {studentSubmissionFiles: null, testFiles: ~}\n",
			func(m *Meta) bool { return len(m.SubmissionFiles) == 0 }},
		{"executionBackend empty list is none", "title: T\nproperties: {executionBackend: []}\n",
			func(m *Meta) bool { return m.CodeAbility.ExecutionBackend == nil }},
		{"both backend spellings agreeing", "title: T\nproperties: {executionBackend: {slug: s, version: '1'}, executionBackendSlug: s}\n",
			func(m *Meta) bool { return m.ExecutionBackendSlug() == "s" }},
		{"slug and identifier agreeing", "title: T\nslug: a.b\nidentifier: a.b\n",
			func(m *Meta) bool { return m.CodeAbility.Slug == "a.b" }},
		{"numeric version", "title: T\nversion: 1.0\n",
			func(m *Meta) bool { return m.CodeAbility.Version == "1.0" }},
		{"our course settings", "title: T\nslug: a.b\nmax_test_runs: 5\nmax_submissions: 2\ndeadline: 2026-12-01T23:59:00+01:00\ngrading: best\n",
			func(m *Meta) bool {
				return m.MaxTestRuns == 5 && m.MaxSubmissions == 2 && m.Deadline != nil && m.Grading == "best"
			}},
		{"a leading ./ as older examples write it", "title: T\nproperties: {studentSubmissionFiles: [./a.py], additionalFiles: [./data.csv]}\n",
			func(m *Meta) bool {
				return m.SubmissionFiles[0] == "a.py" && m.CodeAbility.AdditionalFiles[0] == "data.csv"
			}},
		{"globs in the file lists", "title: T\nproperties: {studentSubmissionFiles: [a.py], additionalFiles: ['data/*.csv'], testFiles: ['tests/*']}\n",
			func(m *Meta) bool { return m.CodeAbility.AdditionalFiles[0] == "data/*.csv" }},
	} {
		m, err := ParseMeta([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if m.Format != FormatCodeAbility || !tt.check(m) {
			t.Errorf("%s: %+v %+v", tt.name, m, m.CodeAbility)
		}
	}
}

func TestParseMetaCodeAbilityErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		want []string
	}{
		{"unknown top-level field", "slug: a.b\ntitle: T\nauthor: me\n", []string{"line 3", "author", "not a field of a CodeAbility meta.yaml"}},
		{"unknown property", "title: T\nproperties:\n  studentSubmisionFiles: [a.py]\n", []string{"line 3", "studentSubmisionFiles", "properties"}},
		{"our student_files in CodeAbility", "slug: a.b\ntitle: T\nstudent_files: [a.py]\n", []string{"line 3", "student_files"}},
		{"unknown person field", "title: T\nauthors:\n- {name: A, phone: '1'}\n", []string{"line 3", "phone", "author"}},
		{"unknown link field", "title: T\nlinks:\n- {description: d, href: x}\n", []string{"line 3", "href", "link"}},
		{"unknown backend field", "title: T\nproperties:\n  executionBackend: {slug: s, image: x}\n", []string{"line 3", "image"}},
		{"backend without slug", "title: T\nproperties:\n  executionBackend: {version: '1'}\n", []string{"line 3", "slug is required"}},
		{"backend a text", "title: T\nproperties:\n  executionBackend: itpcp.exec.py\n", []string{"line 3", "executionBackend must be a mapping"}},
		{"backend settings a list", "title: T\nproperties:\n  executionBackend: {slug: s, settings: [1]}\n", []string{"line 3", "settings must be a mapping"}},
		{"backend slugs differ", "title: T\nproperties:\n  executionBackend: {slug: a}\n  executionBackendSlug: b\n", []string{"line 3", "differs"}},
		{"slug and identifier differ", "slug: a.b\nidentifier: c.d\ntitle: T\n", []string{"line 2", "differs"}},
		{"no title nor slug", "description: D\nproperties: {}\n", []string{"line 1", "title is required"}},
		{"blank title", "title: '  '\nlicense: MIT\n", []string{"line 1", "title is required"}},
		{"bad version", "title: T\nversion: v1\n", []string{"line 2", "version"}},
		{"description a mapping", "title: T\ndescription: {a: b}\n", []string{"line 2", "description"}},
		{"keywords a text", "title: T\nkeywords: python\n", []string{"line 2"}},
		{"dependency without slug", "title: T\ntestDependencies:\n- {version: '1'}\n", []string{"line 3", "slug"}},
		{"dependency unknown field", "title: T\ntestDependencies:\n- {slug: a.b, tag: x}\n", []string{"line 3", "tag"}},
		{"file entry a mapping", "title: T\nproperties:\n  additionalFiles:\n  - {path: a}\n", []string{"line 4", "must be a path"}},
		{"absolute submission", "title: T\nproperties:\n  studentSubmissionFiles: [/etc/passwd]\n", []string{"line 3", `"/etc/passwd"`}},
		{"dot-dot template", "title: T\nproperties:\n  studentTemplates:\n  - ../other/solution.py\n", []string{"line 4", "../other/solution.py"}},
		{"dot-dot glob additional", "title: T\nproperties:\n  additionalFiles: ['data/../../x']\n", []string{"line 3"}},
		{"unclean path", "title: T\nproperties:\n  additionalFiles: [data//x.csv]\n", []string{"line 3", "data//x.csv"}},
		{"dot alone", "title: T\nproperties:\n  additionalFiles: [./]\n", []string{"line 3"}},
		{"bad glob", "title: T\nproperties:\n  testFiles: ['[']\n", []string{"line 3", `"["`}},
		{"submission glob", "title: T\nproperties:\n  studentSubmissionFiles: ['*.py']\n", []string{"line 3", "not a glob"}},
		{"submission test.yaml", "title: T\nproperties:\n  studentSubmissionFiles: [test.yaml]\n", []string{"line 3", "test.yaml"}},
		{"submission twice", "title: T\nproperties:\n  studentSubmissionFiles: [a.py,\n    a.py]\n", []string{"line 4", "twice"}},
		{"additional takes the reference", "title: T\nproperties:\n  studentSubmissionFiles: [sum.py]\n  additionalFiles: ['*.py']\n", []string{"line 4", "reference solution"}},
		{"template is the reference", "title: T\nproperties:\n  studentSubmissionFiles: [sum.py]\n  studentTemplates: [sum.py]\n", []string{"line 4", "reference solution"}},
		{"test file is the reference", "title: T\nproperties:\n  studentSubmissionFiles: [sum.py]\n  testFiles: [sum.py]\n", []string{"line 4", "reference solution"}},
		{"additional takes test.yaml", "title: T\nproperties:\n  additionalFiles: ['*.yaml']\n", []string{"line 3", "stays back"}},
		{"template takes meta.yaml", "title: T\nproperties:\n  studentTemplates: [meta.yaml]\n", []string{"line 3", "stays back"}},
		{"negative limit", "title: T\nslug: a.b\nmax_test_runs: -1\n", []string{"line 3", "max_test_runs"}},
		{"fractional limit", "title: T\nslug: a.b\nmax_submissions: 1.5\n", []string{"line 3", "whole number"}},
		{"bad deadline", "title: T\nslug: a.b\ndeadline: tomorrow\n", []string{"line 3", "deadline"}},
		{"duplicate key", "title: A\nslug: a.b\ntitle: B\n", []string{"line 3", "title"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMeta([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseMeta(%q) = %+v, want an error", tt.in, *m)
			}
			if !strings.HasPrefix(err.Error(), "meta.yaml") {
				t.Errorf("error %q does not start with meta.yaml", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// The file roles of a CodeAbility example: the example's own copies of the
// submission files are the reference solution, which is graded in a
// student's repository and never released nor a test file.
func TestMetaCodeAbilityFileRoles(t *testing.T) {
	t.Parallel()
	m, err := ParseMeta([]byte(caWeather))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rel                    string
		student, submit, tests bool
	}{
		{"weather.py", false, true, false},
		{"helpers/units.py", false, true, false},
		{"studentTemplates/weather.py", true, false, false},
		{"data.csv", true, false, false},
		{"content/index.md", true, false, false},
		{"content/index_de.md", true, false, false},
		{"content/mediaFiles/plot.png", true, false, false},
		{"content/notes.md", false, false, false},
		{"checks/expected.txt", false, false, true},
		{"test.yaml", false, false, false},
		{"meta.yaml", false, false, false},
		{"localTests/_correctSolution/weather.py", false, false, false},
	} {
		if m.StudentFile(tt.rel) != tt.student || m.SubmissionFile(tt.rel) != tt.submit || m.TestFile(tt.rel) != tt.tests {
			t.Errorf("%s: student %v, submission %v, test %v; want %v, %v, %v", tt.rel,
				m.StudentFile(tt.rel), m.SubmissionFile(tt.rel), m.TestFile(tt.rel), tt.student, tt.submit, tt.tests)
		}
	}
	// Without submission files nothing is graded: no fallback to what is
	// released, as in our format.
	bare, err := ParseMeta([]byte("title: T\nproperties: {additionalFiles: [data.csv]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if bare.SubmissionFile("data.csv") {
		t.Error("an additional file is graded when there are no submission files")
	}
}

func TestReleasedFiles(t *testing.T) {
	t.Parallel()
	weather := []string{
		"meta.yaml", "test.yaml", "weather.py", "helpers/units.py", "data.csv", "checks/expected.txt",
		"studentTemplates/weather.py", "content/index.md", "content/index_de.md", "content/notes.md",
		"content/mediaFiles/plot.png", "content/index_.md", "content/sub/index.md", "localTests/_correctSolution/weather.py",
	}
	for _, tt := range []struct {
		name  string
		meta  string
		files []string
		want  []ReleasedFile
	}{
		{
			name: "every mapping rule", meta: caWeather, files: weather,
			want: []ReleasedFile{
				{"README.md", "content/index.md", ReleaseReadme},
				{"README_de.md", "content/index_de.md", ReleaseReadme},
				{"data.csv", "data.csv", ReleaseAdditional},
				{"helpers/units.py", "", ReleaseEmpty},
				{"mediaFiles/plot.png", "content/mediaFiles/plot.png", ReleaseMedia},
				{"weather.py", "studentTemplates/weather.py", ReleaseTemplate},
			},
		},
		{
			name:  "our format filters by student_files",
			meta:  "title: T\nstudent_files: ['*.py', README.md]\ntest_files: [test_a.py]\n",
			files: []string{"a.py", "test_a.py", "README.md", "solution/a.py", "test.yaml"},
			want: []ReleasedFile{
				{"README.md", "README.md", ReleaseStudentFile},
				{"a.py", "a.py", ReleaseStudentFile},
			},
		},
		{
			name:  "a nested additional file goes to the top, a template matching no submission file under its base name",
			meta:  "title: T\nproperties:\n  studentSubmissionFiles: [src/main.py]\n  additionalFiles: ['data/*.txt']\n  studentTemplates: [studentTemplates/main.py, studentTemplates/extra.py]\n",
			files: []string{"src/main.py", "data/a.txt", "data/b.txt", "studentTemplates/main.py", "studentTemplates/extra.py"},
			want: []ReleasedFile{
				{"a.txt", "data/a.txt", ReleaseAdditional},
				{"b.txt", "data/b.txt", ReleaseAdditional},
				{"extra.py", "studentTemplates/extra.py", ReleaseTemplate},
				{"src/main.py", "studentTemplates/main.py", ReleaseTemplate},
			},
		},
		{
			name: "no template: every submission file empty",
			meta: caOlder, files: []string{"meta.yaml", "sum.py", "test.yaml"},
			want: []ReleasedFile{{"sum.py", "", ReleaseEmpty}},
		},
	} {
		m, err := ParseMeta([]byte(tt.meta))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := m.ReleasedFiles(tt.files)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
		// Whatever the example, nothing kept back is a source.
		for _, rf := range got {
			if rf.Source != "" && (m.SubmissionFile(rf.Source) && m.Format == FormatCodeAbility || m.TestFile(rf.Source) || rf.Source == TestSpecFile) {
				t.Errorf("%s: %s released from %s, which stays back", tt.name, rf.Path, rf.Source)
			}
		}
	}
}

func TestReleasedFilesErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		meta  string
		files []string
		want  []string
	}{
		{"additional file missing", "title: T\nproperties:\n  additionalFiles: [data.csv]\n", []string{"a.py"},
			[]string{"line 3", "data.csv", "matches no file"}},
		{"template missing", "title: T\nproperties:\n  studentSubmissionFiles: [a.py]\n  studentTemplates: [studentTemplates/a.py]\n", []string{"a.py"},
			[]string{"line 4", "matches no file"}},
		{"additional file is a test file", "title: T\nproperties:\n  additionalFiles: ['*.txt']\n  testFiles: [expected.txt]\n", []string{"expected.txt", "data.txt"},
			[]string{"line 3", "expected.txt", "test file"}},
		{"template is a test file", "title: T\nproperties:\n  studentTemplates: ['t/*']\n  testFiles: ['t/check.py']\n", []string{"t/check.py"},
			[]string{"line 3", "test file"}},
		{"two additional files of one base name", "title: T\nproperties:\n  additionalFiles: ['a/data.csv', 'b/data.csv']\n", []string{"a/data.csv", "b/data.csv"},
			[]string{"line 3", "both", "data.csv"}},
		{"additional file onto a template", "title: T\nproperties:\n  studentSubmissionFiles: [a.py]\n  additionalFiles: [lib/a.py]\n  studentTemplates: [t/a.py]\n",
			[]string{"a.py", "lib/a.py", "t/a.py"}, []string{"both", "a.py"}},
		{"additional file onto README.md", "title: T\nproperties:\n  additionalFiles: [docs/README.md]\n", []string{"docs/README.md", "content/index.md"},
			[]string{"line 3", "both", "README.md"}},
		{"template onto test.yaml", "title: T\nproperties:\n  studentTemplates: ['t/*']\n", []string{"t/test.yaml"},
			[]string{"line 3", "test.yaml", "stays back"}},
		{"additional file onto meta.yaml", "title: T\nproperties:\n  additionalFiles: ['other/*']\n", []string{"other/meta.yaml"},
			[]string{"line 3", "meta.yaml", "stays back"}},
		{"template of two submission files", "title: T\nproperties:\n  studentSubmissionFiles: [a/x.py, b/x.py]\n  studentTemplates: [t/x.py]\n",
			[]string{"a/x.py", "b/x.py", "t/x.py"}, []string{"line 4", "a/x.py and b/x.py"}},
		{"the reference solution in content", "title: T\nproperties:\n  studentSubmissionFiles: [content/index.md]\n",
			[]string{"content/index.md"}, []string{"content/index.md", "stays back"}},
	} {
		m, err := ParseMeta([]byte(tt.meta))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, err := m.ReleasedFiles(tt.files)
		if err == nil {
			t.Errorf("%s: ReleasedFiles = %+v, want an error", tt.name, got)
			continue
		}
		if !strings.HasPrefix(err.Error(), "meta.yaml") {
			t.Errorf("%s: error %q does not start with meta.yaml", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
}

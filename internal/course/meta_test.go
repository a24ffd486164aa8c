package course

import (
	"path"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseMeta(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		want Meta
	}{
		{
			name: "all fields",
			in: "title: Hello\n" +
				"student_files: [hello.py, README.md, 'src/*.c']\n" +
				"submission_files:\n  - hello.py\n" +
				"test_files: [test_hello.py, 'tests/*.txt']\n" +
				"max_test_runs: 20\n" +
				"max_submissions: 3\n",
			want: Meta{
				Title:           "Hello",
				StudentFiles:    []string{"hello.py", "README.md", "src/*.c"},
				SubmissionFiles: []string{"hello.py"},
				TestFiles:       []string{"test_hello.py", "tests/*.txt"},
				MaxTestRuns:     20,
				MaxSubmissions:  3,
			},
		},
		{
			name: "optional fields absent",
			in:   "title: Sum\nstudent_files: ['*.c']\n",
			want: Meta{Title: "Sum", StudentFiles: []string{"*.c"}},
		},
		{
			name: "zero limits and comments",
			in:   "# an assignment\ntitle: Zero # inline\nstudent_files: [a.txt]\nmax_test_runs: 0\nmax_submissions: 0\n",
			want: Meta{Title: "Zero", StudentFiles: []string{"a.txt"}},
		},
		{
			name: "numeric title is text",
			in:   "title: 42\nstudent_files: [a]\n",
			want: Meta{Title: "42", StudentFiles: []string{"a"}},
		},
		{
			name: "character class glob",
			in:   "title: T\nstudent_files: ['[a-c].txt', 'dir/?.md']\n",
			want: Meta{Title: "T", StudentFiles: []string{"[a-c].txt", "dir/?.md"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMeta([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseMeta: %v", err)
			}
			if m.Title != tt.want.Title || !slices.Equal(m.StudentFiles, tt.want.StudentFiles) ||
				!slices.Equal(m.SubmissionFiles, tt.want.SubmissionFiles) ||
				m.MaxTestRuns != tt.want.MaxTestRuns || m.MaxSubmissions != tt.want.MaxSubmissions {
				t.Errorf("ParseMeta = %+v, want %+v", *m, tt.want)
			}
		})
	}
}

func TestParseMetaErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		// want are substrings of the error, the line among them.
		want []string
	}{
		{"empty file", "", []string{"empty"}},
		{"only a comment", "# nothing here\n", []string{"empty"}},
		{"unknown key", "title: Hello\nstudnet_files: [hello.py]\n", []string{"line 2", "studnet_files"}},
		{"unknown key late", "title: Hello\nstudent_files: [a]\n\nmax_tests: 3\n", []string{"line 4", "max_tests"}},
		{"title is a list", "student_files: [a]\ntitle: [a, b]\n", []string{"line 2"}},
		{"limit is text", "title: T\nstudent_files: [a]\nmax_test_runs: many\n", []string{"line 3"}},
		{"student_files is a string", "title: T\nstudent_files: hello.py\n", []string{"line 2"}},
		{"not a mapping", "- title: T\n", []string{"line 1"}},
		{"duplicate key", "title: A\nstudent_files: [a]\ntitle: B\n", []string{"line 3", "title"}},
		{"missing title", "student_files: [a]\n", []string{"line 1", "title is required"}},
		{"blank title", "student_files: [a]\ntitle: '  '\n", []string{"line 2", "title is required"}},
		{"student_files absent", "title: T\nmax_test_runs: 1\n", []string{"line 1", "student_files"}},
		{"student_files empty", "title: T\nmax_test_runs: 1\nstudent_files: []\n", []string{"line 3", "student_files"}},
		{"negative max_test_runs", "title: T\nstudent_files: [a]\nmax_test_runs: -1\n", []string{"line 3", "max_test_runs"}},
		{"negative max_submissions", "title: T\nstudent_files: [a]\n\nmax_submissions: -2\n", []string{"line 4", "max_submissions"}},
		{"absolute student glob", "title: T\nstudent_files: [/etc/passwd]\n", []string{"line 2", `"/etc/passwd"`}},
		{"dot-dot student glob", "title: T\nstudent_files: [ok.py, ../other/solution.py]\n", []string{"line 2", `"../other/solution.py"`}},
		{"dot-dot inside a glob", "title: T\nstudent_files: ['src/../../x']\n", []string{"line 2"}},
		{"empty glob", "title: T\nstudent_files: ['']\n", []string{"line 2", `""`}},
		{"bad glob syntax", "title: T\nstudent_files: ['[']\n", []string{"line 2", `"["`}},
		{"bad submission glob", "title: T\nstudent_files: [a]\nsubmission_files: ['a', '[x']\n", []string{"line 3", `"[x"`}},
		{"absolute submission glob", "title: T\n\nstudent_files: [a]\nsubmission_files: [/x]\n", []string{"line 4", `"/x"`}},
		{"dot-dot test glob", "title: T\nstudent_files: [a]\ntest_files: [../solution/*]\n", []string{"line 3", `"../solution/*"`}},
		{"test_files is a string", "title: T\nstudent_files: [a]\ntest_files: test_a.py\n", []string{"line 3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMeta([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseMeta(%q) = %+v, want an error", tt.in, *m)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseMeta(%q) error %q does not mention %q", tt.in, err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "meta.yaml") {
				t.Errorf("error %q does not start with meta.yaml", err)
			}
		})
	}
}

func TestMetaFileRoles(t *testing.T) {
	t.Parallel()
	m, err := ParseMeta([]byte("title: T\nstudent_files: [sum.py, README.md]\nsubmission_files: [sum.py]\n" +
		"test_files: [test_sum.py, '*.yaml', 'data/*']\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rel                    string
		student, submit, tests bool
	}{
		{"sum.py", true, true, false},
		{"README.md", true, false, false},
		{"test_sum.py", false, false, true},
		{"data/in.txt", false, false, true},
		{"data/deeper/in.txt", false, false, false},
		{"solution.py", false, false, false},
		// Never a test file, whatever the globs say.
		{"test.yaml", false, false, false},
		{"meta.yaml", false, false, false},
		{"other.yaml", false, false, true},
	} {
		if m.StudentFile(tt.rel) != tt.student || m.SubmissionFile(tt.rel) != tt.submit || m.TestFile(tt.rel) != tt.tests {
			t.Errorf("%s: student %v, submission %v, test %v; want %v, %v, %v", tt.rel,
				m.StudentFile(tt.rel), m.SubmissionFile(tt.rel), m.TestFile(tt.rel), tt.student, tt.submit, tt.tests)
		}
	}
	// Without submission_files, the student files are what is graded.
	m.SubmissionFiles = nil
	if !m.SubmissionFile("README.md") {
		t.Error("without submission_files, student files are not graded")
	}
}

// TestParseMetaFractionalLimit: yaml.v3 truncates a float into an int
// field, so "max_submissions: 1.5" reads as 1 although ParseMeta promises
// that a wrong type is an error.
func TestParseMetaFractionalLimit(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"title: T\nstudent_files: [a]\nmax_submissions: 1.5\n",
		"title: T\nstudent_files: [a]\nmax_test_runs: 2.0\n",
	} {
		if m, err := ParseMeta([]byte(in)); err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("ParseMeta(%q) = %+v, %v; want an error on line 3", in, m, err)
		}
	}
}

func TestMetaStudentFile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		globs []string
		file  string
		want  bool
	}{
		{[]string{"hello.py"}, "hello.py", true},
		{[]string{"hello.py"}, "hello.pyc", false},
		{[]string{"hello.py"}, "solution.py", false},
		// A glob matches the whole relative path: it never reaches into a
		// directory it does not name, so nothing kept back in one leaks.
		{[]string{"*.py"}, "hello.py", true},
		{[]string{"*.py"}, "lib/util.py", false},
		{[]string{"*/*.py"}, "lib/util.py", true},
		{[]string{"*.py"}, "lib/util.pyc", false},
		{[]string{"hello.py"}, "solution/hello.py", false},
		// A glob with a slash is matched against the whole relative path.
		{[]string{"src/*.c"}, "src/sum.c", true},
		{[]string{"src/*.c"}, "solution/sum.c", false},
		{[]string{"src/*.c"}, "sum.c", false},
		{[]string{"src/*.c"}, "src/sub/sum.c", false},
		{[]string{"src/*.c"}, "other/src/sum.c", false},
		// Matching is case-sensitive.
		{[]string{"README.md"}, "README.md", true},
		{[]string{"README.md"}, "readme.md", false},
		{[]string{"readme.md"}, "README.md", false},
		// Any of several globs.
		{[]string{"hello.py", "README.md"}, "README.md", true},
		{[]string{"hello.py", "README.md"}, "test_hello.py", false},
		{[]string{"[a-c].txt"}, "b.txt", true},
		{[]string{"[a-c].txt"}, "d.txt", false},
		{nil, "hello.py", false},
	} {
		m := &Meta{Title: "T", StudentFiles: tt.globs}
		if got := m.StudentFile(tt.file); got != tt.want {
			t.Errorf("StudentFiles %q: StudentFile(%q) = %v, want %v", tt.globs, tt.file, got, tt.want)
		}
	}
}

// FuzzParseMeta checks that ParseMeta never panics and that whatever it
// accepts is a usable assignment.
func FuzzParseMeta(f *testing.F) {
	for _, s := range []string{
		"",
		"title: Hello\nstudent_files: [hello.py, README.md]\nsubmission_files: [hello.py]\nmax_test_runs: 20\nmax_submissions: 3\n",
		"title: Sum\nstudent_files: ['src/*.c']\n",
		"title: T\nstudnet_files: [a]\n",
		"title: T\nstudent_files: ['[']\n",
		"title: T\nstudent_files: [../x]\nmax_test_runs: -1\n",
		"- a\n- b\n",
		"title: &a T\nstudent_files: [*a]\n",
		"title: T\nstudent_files: [a]\n---\ntitle: U\n",
		"{title: T, student_files: [a], max_submissions: 9999999999999999999999}",
		"~",
		caWeather,
		caOlder,
		"slug: a.b\nproperties: {studentSubmissionFiles: [a.py], studentTemplates: ['*/*'], additionalFiles: ['*']}\n",
		"title: T\nproperties: {executionBackend: [], testDependencies: [a.b, {slug: c.d}]}\n",
		"title: T\nproperties: {executionBackend: {slug: s, settings: {a: [1, {b: c}]}}}\n",
		"title: T\nproperties: {studentSubmissionFiles: [x/a.py, y/a.py], studentTemplates: ['t/*']}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMeta(b)
		if err != nil {
			if m != nil {
				t.Fatalf("ParseMeta returned both %+v and %v", m, err)
			}
			return
		}
		if strings.TrimSpace(m.Title) == "" {
			t.Fatalf("accepted a meta without a title: %q", b)
		}
		if m.Format == FormatCodeAbility {
			checkCodeAbility(t, m, b)
			return
		}
		if len(m.StudentFiles) == 0 {
			t.Fatalf("accepted a meta without student files: %q", b)
		}
		if m.MaxTestRuns < 0 || m.MaxSubmissions < 0 {
			t.Fatalf("accepted negative limits: %+v", m)
		}
		for _, g := range append(slices.Clone(m.StudentFiles), m.SubmissionFiles...) {
			if _, err := path.Match(g, "x"); err != nil || g == "" || strings.HasPrefix(g, "/") || strings.Contains(g, "..") {
				t.Fatalf("accepted glob %q", g)
			}
		}
		// Matching an accepted meta never panics.
		m.StudentFile("a/b.c")
	})
}

// fuzzExampleFiles are the files of an example that the fuzz target
// releases from: the reference solution, kept-back files and files a
// glob may reach.
var fuzzExampleFiles = []string{
	"meta.yaml", "test.yaml", "a.py", "x/a.py", "y/a.py", "sum.py", "solution.py", "data.csv", "data/in.txt",
	"studentTemplates/a.py", "studentTemplates/sum.py", "t/a.py", "content/index.md", "content/index_de.md",
	"content/mediaFiles/p.png", "localTests/_correctSolution/a.py", "checks/expected.txt",
}

// checkCodeAbility checks what the fuzz target asks of an accepted
// CodeAbility meta.yaml: its paths stay in the example, and what it
// releases never comes from a kept-back file nor lands on one.
func checkCodeAbility(t *testing.T, m *Meta, b []byte) {
	t.Helper()
	if m.CodeAbility == nil || len(m.StudentFiles) != 0 {
		t.Fatalf("CodeAbility meta without its part, or with student_files: %q", b)
	}
	for _, g := range slices.Concat(m.SubmissionFiles, m.TestFiles, m.CodeAbility.AdditionalFiles, m.CodeAbility.StudentTemplates) {
		if _, err := path.Match(g, "x"); err != nil || g == "" || strings.HasPrefix(g, "/") || strings.Contains(g, "..") {
			t.Fatalf("accepted path %q", g)
		}
	}
	released, err := m.ReleasedFiles(fuzzExampleFiles)
	if err != nil {
		if !strings.HasPrefix(err.Error(), "meta.yaml") {
			t.Fatalf("ReleasedFiles error %q does not name meta.yaml", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, rf := range released {
		switch {
		case seen[rf.Path]:
			t.Fatalf("%s released twice: %+v", rf.Path, released)
		case rf.Path == MetaFile || rf.Path == TestSpecFile || rf.Path == "" || path.Clean(rf.Path) != rf.Path || strings.HasPrefix(rf.Path, "/") || strings.HasPrefix(rf.Path, ".."):
			t.Fatalf("released to %q", rf.Path)
		case rf.Source != "" && (m.SubmissionFile(rf.Source) || m.TestFile(rf.Source) || rf.Source == MetaFile || rf.Source == TestSpecFile):
			t.Fatalf("released %s from %s, which stays back (%q)", rf.Path, rf.Source, b)
		case rf.Source != "" && !m.StudentFile(rf.Source):
			t.Fatalf("released from %s, which StudentFile keeps back", rf.Source)
		}
		seen[rf.Path] = true
	}
	for _, s := range m.SubmissionFiles {
		if !seen[s] {
			t.Fatalf("submission file %s not in the student template: %+v", s, released)
		}
	}
}

// deadline: an RFC 3339 time with its offset, quoted or not; anything
// else is an error that names the line.
func TestMetaDeadline(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"2026-12-01T23:59:00+01:00", `"2026-12-01T23:59:00+01:00"`} {
		m, err := ParseMeta([]byte("title: t\nstudent_files: [a.py]\ndeadline: " + text + "\n"))
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if m.Deadline == nil || !m.Deadline.Equal(time.Date(2026, 12, 1, 22, 59, 0, 0, time.UTC)) {
			t.Fatalf("%s: deadline %v", text, m.Deadline)
		}
	}
	if m, err := ParseMeta([]byte("title: t\nstudent_files: [a.py]\n")); err != nil || m.Deadline != nil {
		t.Fatalf("no deadline: %+v %v", m, err)
	}
	for _, bad := range []string{"tomorrow", "2026-12-01", "2026-12-01 23:59", "2026-12-01T23:59:00"} {
		_, err := ParseMeta([]byte("title: t\nstudent_files: [a.py]\ndeadline: " + bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 3: deadline") {
			t.Errorf("deadline %q: %v, want an error naming line 3", bad, err)
		}
	}
}

func TestMetaRateAndGrading(t *testing.T) {
	t.Parallel()
	m, err := ParseMeta([]byte("title: t\nstudent_files: [a.py]\ntest_runs_per_hour: 6\ngrading: best\n"))
	if err != nil || m.TestRunsPerHour != 6 || m.Grading != "best" {
		t.Fatalf("%+v %v", m, err)
	}
	for bad, want := range map[string]string{
		"test_runs_per_hour: -1\n":  "line 3: test_runs_per_hour must not be negative",
		"test_runs_per_hour: 1.5\n": "line 3: test_runs_per_hour must be a whole number",
		"grading: average\n":        "line 3: grading must be last or best",
	} {
		if _, err := ParseMeta([]byte("title: t\nstudent_files: [a.py]\n" + bad)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", bad, err, want)
		}
	}
}

// A broad student_files never releases test.yaml or the test files.
func TestStudentFileKeepsTestsBack(t *testing.T) {
	t.Parallel()
	m, err := ParseMeta([]byte("title: t\nstudent_files: [\"*\"]\ntest_files: [test_sum.py]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{"sum.py": true, "README.md": true, "test.yaml": false, "test_sum.py": false} {
		if got := m.StudentFile(rel); got != want {
			t.Errorf("StudentFile(%q) = %v, want %v", rel, got, want)
		}
	}
}

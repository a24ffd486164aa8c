package e2e

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCodeAbilityCourse runs a course made only of the CodeAbility-format
// sample (testdata/course/assignments/temperatures: a CodeAbility
// meta.yaml and test.yaml, unchanged) end to end: the released template
// holds the student template, the additional file and the README, and
// neither the reference solution nor the test files; a correct solution
// scores 1, a partial one exactly passed ÷ total, and the hostile ones
// neither read the reference nor forge a pass.
func TestCodeAbilityCourse(t *testing.T) {
	t.Parallel()
	s := shared
	users := []string{"cac-correct", "cac-partial", "cac-snoop", "cac-forge"}
	files := readTree(t, filepath.Join("..", "..", "testdata", "course", "assignments", "temperatures"), "temperatures/")
	course, members := releasedCourse(t, s, files, users)

	// What a student gets.
	clone := filepath.Join(t.TempDir(), "r")
	mustGit(t, filepath.Dir(clone), "clone", s.repoURL(s.tokenFor(t, "cac-correct"), strings.ReplaceAll(course, ".", "/")+"/students/cac-correct"), "r")
	read := func(rel string) (string, bool) {
		b, err := os.ReadFile(filepath.Join(clone, "temperatures", rel))
		return string(b), err == nil
	}
	if got, ok := read("temperatures.py"); !ok || got != files["temperatures/studentTemplates/temperatures.py"] || got == files["temperatures/temperatures.py"] {
		t.Fatalf("the released temperatures.py is not the student template: %q", got)
	}
	for _, rel := range []string{"data.csv", "README.md"} {
		if _, ok := read(rel); !ok {
			t.Fatalf("%s is not released", rel)
		}
	}
	for _, rel := range []string{"test.yaml", "test_days.csv", "meta.yaml", "studentTemplates/temperatures.py", "content/index.md"} {
		if _, ok := read(rel); ok {
			t.Fatalf("%s is released", rel)
		}
	}

	solution := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "course", "solutions", "temperatures", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct{ user, file string }{
		{"cac-correct", "correct.py"}, {"cac-partial", "partial.py"}, {"cac-snoop", "hostile_snoop.py"}, {"cac-forge", "hostile_forge.py"},
	} {
		pushNewFile(t, s, course, c.user, "temperatures/temperatures.py", solution(c.file))
		token := s.tokenFor(t, c.user)
		res := s.await(t, token, s.submit(t, token, "student_testing", map[string]any{"course_member": members[c.user], "content": "temperatures"}, 0))
		var run testRun
		if res.Status != "FINISHED" || json.Unmarshal(res.Result, &run) != nil || run.Summary == nil || run.Summary.Total == 0 {
			t.Fatalf("%s: %s %s", c.user, res.Status, res.Result)
		}
		ratio := float64(run.Summary.Passed) / float64(run.Summary.Total)
		t.Logf("%s: %d of %d passed, score %.4f", c.user, run.Summary.Passed, run.Summary.Total, run.Score)
		switch {
		case math.Abs(run.Score-ratio) > 1e-9:
			t.Fatalf("%s: score %v, want passed/total %v", c.user, run.Score, ratio)
		case c.user == "cac-correct" && run.Score != 1:
			t.Fatalf("the correct solution scores %v: %+v", run.Score, run.Summary.Tests)
		case c.user != "cac-correct" && (run.Score >= 1 || run.Score <= 0 && c.user == "cac-partial"):
			t.Fatalf("%s scores %v", c.user, run.Score)
		}
	}
}

package e2e

import (
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// codeabilityFixture is the CodeAbility example of the grading engine's
// tests: a test.yaml in Computor's format, the reference stats.py and a
// test file.
func codeabilityFixture(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "grading", "codeability", "testdata", "stats", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A course whose assignment has a CodeAbility test.yaml is released,
// tested and submitted through the real stack: the reference solution
// (the assignment's own stats.py, never released) runs in a sandbox of
// its own, a correct solution scores 1 and a partial one exactly
// passed/total; the result reads in Computor's testSummary.json shape.
func TestCodeAbilityAssignment(t *testing.T) {
	t.Parallel()
	s := shared
	files := map[string]string{
		"stats/meta.yaml":       "title: Statistics\nstudent_files: [README.md]\nsubmission_files: [stats.py]\ntest_files: [stats_helper.py]\nmax_test_runs: 100\n",
		"stats/README.md":       "Write stats.py.\n",
		"stats/test.yaml":       codeabilityFixture(t, "test.yaml"),
		"stats/stats.py":        codeabilityFixture(t, "reference/stats.py"),
		"stats/stats_helper.py": codeabilityFixture(t, "stats_helper.py"),
	}
	// A native assignment beside it.
	for name, body := range readTree(t, filepath.Join("..", "..", "testdata", "course", "assignments", "sum"), "sum/") {
		files[name] = body
	}
	course, members := releasedCourse(t, s, files, []string{"ca-correct", "ca-partial", "ca-native"})

	for _, c := range []struct {
		user, solution string
		score          float64
	}{
		{"ca-correct", "correct/stats.py", 1},
		{"ca-partial", "partial/stats.py", 7.0 / 15},
	} {
		commit := pushNewFile(t, s, course, c.user, "stats/stats.py", codeabilityFixture(t, c.solution))
		token := s.tokenFor(t, c.user)
		start := time.Now()
		id := s.submit(t, token, "student_testing", map[string]any{"course_member": members[c.user], "content": "stats"}, 0)
		res := s.await(t, token, id)
		t.Logf("%s: test run submit-to-result %v", c.user, time.Since(start))
		if res.Status != "FINISHED" {
			t.Fatalf("%s: %s: %s", c.user, res.Status, deref(res.Error))
		}
		var run testRun
		if err := json.Unmarshal(res.Result, &run); err != nil || run.Summary == nil {
			t.Fatalf("%s: result %s: %v", c.user, res.Result, err)
		}
		if run.Commit != commit || math.Abs(run.Score-c.score) > 1e-9 || run.Summary.Total != 15 {
			t.Errorf("%s: commit %s score %v total %d, want %s %v 15: %+v", c.user, run.Commit, run.Score, run.Summary.Total, commit, c.score, run.Summary.Tests)
		}
		for _, tr := range run.Summary.Tests {
			if strings.Contains(tr.Message, "2.5") && tr.Result != "passed" {
				t.Errorf("%s: %s quotes the reference value: %q", c.user, tr.Name, tr.Message)
			}
		}

		// The same result in Computor's shape.
		var doc struct {
			Result struct {
				Summary struct {
					Summary struct{ Total, Passed, Failed, Skipped int } `json:"summary"`
					Result  string                                       `json:"result"`
					Tests   []struct {
						Name  string `json:"name"`
						Tests []struct {
							Name   string `json:"name"`
							Result string `json:"result"`
						} `json:"tests"`
					} `json:"tests"`
				} `json:"summary"`
			} `json:"result"`
		}
		s.do(t, "GET", "/tasks/"+id+"/result?format=computor", token, nil).want(t, http.StatusOK).json(t, &doc)
		cs := doc.Result.Summary
		if cs.Summary.Total != 15 || cs.Summary.Passed != run.Summary.Passed || len(cs.Tests) != 6 || cs.Tests[2].Name != "values" || len(cs.Tests[2].Tests) != 8 {
			t.Errorf("%s: computor document %+v", c.user, cs)
		}
		if want := map[bool]string{true: "PASSED", false: "FAILED"}[c.score == 1]; cs.Result != want {
			t.Errorf("%s: result %s, want %s", c.user, cs.Result, want)
		}

		// A submission of the same commit is graded the same way.
		var sub struct {
			SubmissionID string  `json:"submission_id"`
			Test         testRun `json:"test"`
		}
		s.mustFinish(t, token, "submission_processing", map[string]any{"course_member": members[c.user], "content": "stats", "commit": commit}, &sub)
		if sub.SubmissionID == "" || math.Abs(sub.Test.Score-c.score) > 1e-9 {
			t.Errorf("%s: submission %+v", c.user, sub)
		}
	}

	// The native sample's run, timed the same way.
	pushSolution(t, s, course, "ca-native", "sum/sum.py", solution(t, "sum/correct.py"))
	nativeToken := s.tokenFor(t, "ca-native")
	start := time.Now()
	res := s.await(t, nativeToken, s.submit(t, nativeToken, "student_testing", map[string]any{"course_member": members["ca-native"], "content": "sum"}, 0))
	t.Logf("ca-native (native sum sample): test run submit-to-result %v", time.Since(start))
	if res.Status != "FINISHED" {
		t.Errorf("native run: %s", res.Status)
	}

	// The list of results in Computor's shape; a bad format is a 422 naming it.
	token := s.tokenFor(t, "ca-partial")
	var list []struct {
		Summary struct {
			Result  string              `json:"result"`
			Summary struct{ Total int } `json:"summary"`
		} `json:"summary"`
	}
	s.do(t, "GET", "/results?course="+course+"&format=computor", token, nil).want(t, http.StatusOK).json(t, &list)
	if len(list) != 2 || list[0].Summary.Result != "FAILED" || list[0].Summary.Summary.Total != 15 {
		t.Errorf("computor results %+v", list)
	}
	p := s.do(t, "GET", "/results?course="+course+"&format=xml", token, nil).problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "format" {
		t.Errorf("bad format: %+v", p)
	}
}

// pushNewFile adds a file the student's template does not have, as the
// student, and returns the commit.
func pushNewFile(t testing.TB, s *stack, course, user, path, body string) string {
	t.Helper()
	work := t.TempDir()
	mustGit(t, work, "clone", s.repoURL(s.tokenFor(t, user), strings.ReplaceAll(course, ".", "/")+"/students/"+user), "r")
	repo := filepath.Join(work, "r")
	writeFiles(t, repo, map[string]string{path: body})
	mustGit(t, repo, "add", path)
	mustGit(t, repo, "commit", "-m", "Solution")
	mustGit(t, repo, "push", "origin", "main")
	out, err := gitRun(t, repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sampleCourse sets up a course from testdata/course: the assignments
// pushed and released, and the given students released. It returns the
// course path and the member id of each student.
func sampleCourse(t testing.TB, s *stack, students []string) (course string, members map[string]string) {
	t.Helper()
	org := fmt.Sprintf("test%d", rand.IntN(1_000_000))
	admin := s.tokenFor(t, "testing-admin", "admin")
	s.mustFinish(t, admin, "create_organization", map[string]any{"path": org, "title": "T"}, nil)
	s.mustFinish(t, admin, "create_course_family", map[string]any{"organization": org, "path": "prog", "title": "P"}, nil)
	s.mustFinish(t, admin, "create_course", map[string]any{"course_family": org + ".prog", "path": "2026", "title": "P 2026"}, nil)
	course = org + ".prog.2026"
	group := org + "/prog/2026"

	work := t.TempDir()
	mustGit(t, work, "clone", s.repoURL(admin, group+"/assignments"), "a")
	files := map[string]string{}
	root := filepath.Join("..", "..", "testdata", "course", "assignments")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, filepath.Join(work, "a"), files)
	mustGit(t, filepath.Join(work, "a"), "add", ".")
	mustGit(t, filepath.Join(work, "a"), "commit", "-m", "Sample assignments")
	mustGit(t, filepath.Join(work, "a"), "push", "origin", "main")
	s.mustFinish(t, admin, "release_course", map[string]any{"course": course}, nil)

	var list []map[string]any
	for _, u := range students {
		list = append(list, map[string]any{"username": u})
	}
	s.mustFinish(t, admin, "release_students", map[string]any{"course": course, "students": list}, nil)
	var ms []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	s.do(t, "GET", "/courses/"+course+"/members", admin, nil).want(t, http.StatusOK).json(t, &ms)
	members = map[string]string{}
	for _, m := range ms {
		members[m.Username] = m.ID
	}
	return course, members
}

// pushSolution puts a solution file into a student's repository with git,
// as the student, and returns the commit.
func pushSolution(t testing.TB, s *stack, course, user, path, body string) string {
	t.Helper()
	work := t.TempDir()
	token := s.tokenFor(t, user)
	mustGit(t, work, "clone", s.repoURL(token, strings.ReplaceAll(course, ".", "/")+"/students/"+user), "r")
	repo := filepath.Join(work, "r")
	writeFiles(t, repo, map[string]string{path: body})
	mustGit(t, repo, "commit", "-am", "Solution")
	mustGit(t, repo, "push", "origin", "main")
	out, err := gitRun(t, repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

type testSummary struct {
	Total  int     `json:"total"`
	Passed int     `json:"passed"`
	Failed int     `json:"failed"`
	Score  float64 `json:"score"`
	Tests  []struct {
		Name    string  `json:"name"`
		Result  string  `json:"result"`
		Points  float64 `json:"points"`
		Message string  `json:"message"`
	} `json:"tests"`
}

type testRun struct {
	ResultID string       `json:"result_id"`
	Commit   string       `json:"commit"`
	Score    float64      `json:"score"`
	Summary  *testSummary `json:"summary"`
}

func solution(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "course", "solutions", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStudentTesting(t *testing.T) {
	t.Parallel()
	s := shared
	if !strings.Contains(s.do(t, "GET", "/tasks/types", s.tokenFor(t, "x"), nil).string(), "student_testing") {
		t.Fatal("student_testing is not offered: the sandbox (bubblewrap) is missing on this machine")
	}
	cases := []struct {
		user, assignment, file, solution string
		score                            float64
		reason                           string // in a failed test's message
	}{
		{"py-correct", "sum", "sum/sum.py", "sum/correct.py", 1, ""},
		{"py-partial", "sum", "sum/sum.py", "sum/partial.py", 2.0 / 5, ""},
		{"c-correct", "csum", "csum/sum.c", "csum/correct.c", 1, ""},
		{"c-partial", "csum", "csum/sum.c", "csum/partial.c", 2.0 / 4, ""},
		{"h-loop", "sum", "sum/sum.py", "sum/hostile_loop.py", 0, "time limit"},
		{"h-fork", "sum", "sum/sum.py", "sum/hostile_forkbomb.py", -1, "limit"},
		{"h-alloc", "sum", "sum/sum.py", "sum/hostile_alloc.py", -1, "emory"},
		{"h-print", "sum", "sum/sum.py", "sum/hostile_print.py", -1, "output limit"},
		{"h-net", "sum", "sum/sum.py", "sum/hostile_network.py", -1, "Error"},
		{"h-snoop", "sum", "sum/sum.py", "sum/hostile_snoop.py", -1, "blocked"},
		{"h-write", "sum", "sum/sum.py", "sum/hostile_write.py", -1, "Error"},
		{"c-loop", "csum", "csum/sum.c", "csum/hostile_loop.c", 0, "time limit"},
	}
	var users []string
	for _, c := range cases {
		users = append(users, c.user)
	}
	course, members := sampleCourse(t, s, users)
	apiPort := s.api[strings.LastIndex(s.api, ":")+1:]
	otherRepo := filepath.Join(s.dataDir, "repos", strings.ReplaceAll(course, ".", "/"), "students", "py-correct.git", "config")

	var wg sync.WaitGroup
	for _, c := range cases {
		body := solution(t, c.solution)
		body = strings.NewReplacer("API_PORT", apiPort, "OTHER_REPO", otherRepo, "DATA_DIR", s.dataDir).Replace(body)
		commit := pushSolution(t, s, course, c.user, c.file, body)
		wg.Go(func() {
			token := s.tokenFor(t, c.user)
			id := s.submit(t, token, "student_testing", map[string]any{"course_member": members[c.user], "content": c.assignment}, 0)
			res := s.await(t, token, id)
			if res.Status != "FINISHED" {
				t.Errorf("%s: task %s: %s", c.user, res.Status, deref(res.Error))
				return
			}
			var run testRun
			if err := json.Unmarshal(res.Result, &run); err != nil || run.Summary == nil {
				t.Errorf("%s: result %s: %v", c.user, res.Result, err)
				return
			}
			if run.Commit != commit {
				t.Errorf("%s: tested %s, pushed %s", c.user, run.Commit, commit)
			}
			switch {
			case c.score >= 0 && (run.Score < c.score-1e-9 || run.Score > c.score+1e-9):
				t.Errorf("%s: score %v, want %v: %+v", c.user, run.Score, c.score, run.Summary)
			case c.score < 0 && run.Score >= 1:
				t.Errorf("%s: hostile solution scored %v", c.user, run.Score)
			}
			if c.reason != "" {
				found := false
				for _, tr := range run.Summary.Tests {
					found = found || (tr.Result != "passed" && strings.Contains(tr.Message, c.reason))
				}
				if !found {
					t.Errorf("%s: no failed test says %q: %+v", c.user, c.reason, run.Summary.Tests)
				}
			}
			if c.user == "h-snoop" {
				secret, _ := os.ReadFile(filepath.Join(s.dataDir, secretFile))
				for _, tr := range run.Summary.Tests {
					if strings.Contains(tr.Message, strings.TrimSpace(string(secret))) || strings.Contains(tr.Message, "[core]") {
						t.Errorf("the snooping solution read a host file: %s", tr.Message)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, p := range []string{"/usr/pwned", "/etc/pwned", "/pwned"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a hostile solution wrote %s", p)
		}
	}
	// The API is still up, and a student may not test another's repository.
	s.do(t, "GET", "/healthz", "", nil).want(t, http.StatusOK)
	s.do(t, "POST", "/tasks/submit", s.tokenFor(t, "py-partial"), map[string]any{"task_name": "student_testing",
		"parameters": map[string]any{"course_member": members["py-correct"], "content": "sum"}}).problem(t, http.StatusForbidden)

	// A submission is graded and marked; results are listed per student.
	token := s.tokenFor(t, "py-correct")
	var sub struct {
		SubmissionID string  `json:"submission_id"`
		Test         testRun `json:"test"`
	}
	head := pushSolution(t, s, course, "py-correct", "sum/sum.py", solution(t, "sum/correct.py")+"\n# final\n")
	s.mustFinish(t, token, "submission_processing", map[string]any{"course_member": members["py-correct"], "content": "sum", "commit": head}, &sub)
	if sub.SubmissionID == "" || sub.Test.Score != 1 || sub.Test.Commit != head {
		t.Fatalf("submission %+v", sub)
	}
	p := s.do(t, "POST", "/tasks/submit", token, map[string]any{"task_name": "submission_processing",
		"parameters": map[string]any{"course_member": members["py-correct"], "content": "sum", "commit": strings.Repeat("0", 40)}}).
		problem(t, http.StatusUnprocessableEntity)
	if len(p.Errors) == 0 || p.Errors[0].Field != "parameters.commit" {
		t.Fatalf("unknown commit: %+v", p)
	}
	var results []struct {
		Username     string  `json:"username"`
		Score        float64 `json:"score"`
		Status       string  `json:"status"`
		SubmissionID string  `json:"submission_id"`
	}
	s.do(t, "GET", "/results?course="+course, token, nil).want(t, http.StatusOK).json(t, &results)
	if len(results) != 2 || results[0].SubmissionID != sub.SubmissionID || results[0].Username != "py-correct" {
		t.Fatalf("py-correct sees results %+v", results)
	}
	s.do(t, "GET", "/results?course="+course, s.tokenFor(t, "ta", "admin"), nil).want(t, http.StatusOK).json(t, &results)
	if len(results) != len(cases)+1 {
		t.Fatalf("admin sees %d results, want %d", len(results), len(cases)+1)
	}
}

func (r response) string() string { return string(r.body) }

func TestStudentTestingSurvivesAKilledWorker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr, temporalAddr := freeAddr(), freeAddr()
	args := []string{"--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", temporalAddr, "--no-ui", "--log-level", "warn"}
	dev := startDevProcess(t, args...)
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	course, members := sampleCourse(t, s, []string{"slow"})
	pushSolution(t, s, course, "slow", "sum/sum.py", solution(t, "sum/hostile_loop.py"))
	token := s.tokenFor(t, "slow")
	id := s.submit(t, token, "student_testing", map[string]any{"course_member": members["slow"], "content": "sum"}, 0)
	type result struct {
		TaskID string `json:"task_id"`
		Status string `json:"status"`
	}
	var rs []result
	eventually(t, 60*time.Second, "the run started", func() bool {
		s.do(t, "GET", "/results?course="+course, token, nil).want(t, http.StatusOK).json(t, &rs)
		return len(rs) == 1 && rs[0].Status == "running"
	})
	time.Sleep(2 * time.Second) // inside the first test's time limit
	if err := dev.signalAndWait(t, syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill dev")
	}
	startDevProcess(t, args...)
	res := s.await(t, token, id)
	if res.Status != "FINISHED" {
		t.Fatalf("after the kill: %+v", res)
	}
	s.do(t, "GET", "/results?course="+course, token, nil).want(t, http.StatusOK).json(t, &rs)
	if len(rs) != 1 || rs[0].TaskID != id || rs[0].Status != "finished" {
		t.Fatalf("stored results after the kill: %+v", rs)
	}
}

func TestTestRunsAreFairAcrossStudents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr := freeAddr()
	startDevProcess(t, "--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(), "--no-ui", "--ephemeral",
		"--log-level", "warn", "--max-activities", "1")
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	course, members := sampleCourse(t, s, []string{"eager", "patient"})
	pushSolution(t, s, course, "eager", "sum/sum.py", solution(t, "sum/correct.py"))
	pushSolution(t, s, course, "patient", "sum/sum.py", solution(t, "sum/correct.py"))
	eager, patient := s.tokenFor(t, "eager"), s.tokenFor(t, "patient")
	var eagerIDs []string
	for range 30 {
		eagerIDs = append(eagerIDs, s.submit(t, eager, "student_testing", map[string]any{"course_member": members["eager"], "content": "sum"}, 0))
	}
	patientID := s.submit(t, patient, "student_testing", map[string]any{"course_member": members["patient"], "content": "sum"}, 0)
	for _, id := range eagerIDs {
		if res := s.await(t, eager, id); res.Status != "FINISHED" {
			t.Fatalf("eager run %s: %+v", id, res)
		}
	}
	if res := s.await(t, patient, patientID); res.Status != "FINISHED" {
		t.Fatalf("patient run: %+v", res)
	}
	var rs []struct {
		TaskID    string    `json:"task_id"`
		Username  string    `json:"username"`
		CreatedAt time.Time `json:"created_at"`
	}
	s.do(t, "GET", "/results?course="+course+"&limit=100", s.tokenFor(t, "fair-admin", "admin"), nil).want(t, http.StatusOK).json(t, &rs)
	if len(rs) != 31 {
		t.Fatalf("%d results, want 31", len(rs))
	}
	var patientStart, lastEager time.Time
	for _, r := range rs {
		if r.Username == "patient" {
			patientStart = r.CreatedAt
		} else if r.CreatedAt.After(lastEager) {
			lastEager = r.CreatedAt
		}
	}
	if !patientStart.Before(lastEager) {
		t.Fatalf("the patient student's run started at %s, after the eager one's 30th at %s", patientStart, lastEager)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

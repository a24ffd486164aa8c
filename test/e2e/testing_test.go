package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/app"
)

// sampleCourse sets up a course from testdata/course: the assignments
// pushed and released, and the given students released. It returns the
// course path and the member id of each student.
func sampleCourse(t testing.TB, s *stack, students []string) (course string, members map[string]string) {
	t.Helper()
	return releasedCourse(t, s, readTree(t, filepath.Join("..", "..", "testdata", "course", "assignments"), ""), students)
}

// releasedCourse makes a course of its own, pushes files (by path) to its
// assignments repository, releases it and the given students. It returns
// the course path and the member id of each student.
func releasedCourse(t testing.TB, s *stack, files map[string]string, students []string) (course string, members map[string]string) {
	t.Helper()
	org := fmt.Sprintf("test%d", rand.IntN(1_000_000))
	admin := s.tokenFor(t, "testing-admin", "admin")
	s.mustFinish(t, admin, "create_organization", map[string]any{"path": org, "title": "T"}, nil)
	s.mustFinish(t, admin, "create_course_family", map[string]any{"organization": org, "path": "prog", "title": "P"}, nil)
	s.mustFinish(t, admin, "create_course", map[string]any{"course_family": org + ".prog", "path": "2026", "title": "P 2026"}, nil)
	course = org + ".prog.2026"

	work := t.TempDir()
	mustGit(t, work, "clone", s.repoURL(admin, org+"/prog/2026/assignments"), "a")
	writeFiles(t, filepath.Join(work, "a"), files)
	mustGit(t, filepath.Join(work, "a"), "add", ".")
	mustGit(t, filepath.Join(work, "a"), "commit", "-m", "Assignments")
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

// readTree reads the files below root, by prefix and their slash path
// below root.
func readTree(t testing.TB, root, prefix string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[prefix+filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
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

// pushSymlink commits, as the student, a symbolic link at path to target
// in place of the file there, and returns the commit.
func pushSymlink(t testing.TB, s *stack, course, user, path, target string) string {
	t.Helper()
	work := t.TempDir()
	token := s.tokenFor(t, user)
	mustGit(t, work, "clone", s.repoURL(token, strings.ReplaceAll(course, ".", "/")+"/students/"+user), "r")
	repo := filepath.Join(work, "r")
	_ = os.Remove(filepath.Join(repo, path))
	if err := os.Symlink(target, filepath.Join(repo, path)); err != nil {
		t.Fatal(err)
	}
	mustGit(t, repo, "add", "-A")
	mustGit(t, repo, "commit", "-m", "Link")
	mustGit(t, repo, "push", "origin", "main")
	out, err := gitRun(t, repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// keptBack are texts found only in kept-back files of the sample
// assignments (their solutions, test.yaml and meta.yaml): no result
// message may ever quote one.
var keptBack = []string{"Reference solution of sum", "Tests of sum, kept back", "Tests of sum_junit, kept back",
	"What the unit test needs"}

// testFileText is in the sample's test_sum.py: the unit tests may show it
// (the student's code runs inside them), no other test may.
const testFileText = "Kept-back unit tests of sum"

func TestStudentTesting(t *testing.T) {
	t.Parallel()
	s := shared
	if !strings.Contains(s.do(t, "GET", "/tasks/types", s.tokenFor(t, "x"), nil).string(), "student_testing") {
		t.Fatal("student_testing is not offered: the sandbox (bubblewrap) is missing on this machine")
	}
	// Every case runs at once, hostile beside correct; each gets its exact
	// score, and a failed test names what stopped it. A hostile solution
	// whose add() is right earns the unit test and only that.
	cases := []struct {
		user, assignment, file, solution string
		link                             string // commit a symbolic link to this instead
		score                            float64
		reason                           string // in a failed test's message
	}{
		{user: "py-correct", assignment: "sum", file: "sum/sum.py", solution: "sum/correct.py", score: 1},
		{user: "py-partial", assignment: "sum", file: "sum/sum.py", solution: "sum/partial.py", score: 2.0 / 5},
		{user: "j-correct", assignment: "sum_junit", file: "sum_junit/sum.py", solution: "sum/correct.py", score: 1},
		{user: "j-partial", assignment: "sum_junit", file: "sum_junit/sum.py", solution: "sum/partial.py", score: 2.0 / 3,
			reason: "AssertionError: 8 != -2"},
		{user: "c-correct", assignment: "csum", file: "csum/sum.c", solution: "csum/correct.c", score: 1},
		{user: "c-partial", assignment: "csum", file: "csum/sum.c", solution: "csum/partial.c", score: 2.0 / 4},
		{user: "h-loop", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_loop.py", score: 0, reason: "time limit of 5s exceeded"},
		{user: "h-fork", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_forkbomb.py", score: 2.0 / 5, reason: "limit"},
		{user: "h-alloc", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_alloc.py", score: 2.0 / 5, reason: "memory limit of 256 MiB exceeded"},
		{user: "h-print", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_print.py", score: 2.0 / 5, reason: "output limit of 1 MiB exceeded"},
		{user: "h-net", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_network.py", score: 2.0 / 5, reason: "Error"},
		{user: "h-snoop", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_snoop.py", score: 2.0 / 5, reason: "blocked"},
		{user: "h-write", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_write.py", score: 2.0 / 5, reason: "Read-only file system"},
		{user: "h-readkept", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_readkept.py", score: 0, reason: "blocked solution.py: FileNotFoundError"},
		{user: "h-rewrite", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_rewrite.py", score: 0, reason: "AssertionError"},
		{user: "h-disk", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_disk.py", score: 2.0 / 5, reason: "disk limit of 64 MiB exceeded"},
		{user: "h-memspread", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_memspread.py", score: 2.0 / 5, reason: "memory limit of 256 MiB exceeded"},
		{user: "h-background", assignment: "sum", file: "sum/sum.py", solution: "sum/hostile_background.py", score: 0, reason: "wrong output"},
		{user: "h-fifo", assignment: "sum_junit", file: "sum_junit/sum.py", solution: "sum_junit/hostile_fifo.py", score: 0,
			reason: "junit report reports/junit.xml is not a regular file"},
		{user: "h-reportlink", assignment: "sum_junit", file: "sum_junit/sum.py", solution: "sum_junit/hostile_reportlink.py", score: 0,
			reason: "junit report reports/junit.xml could not be read"},
		{user: "h-shadow", assignment: "sum", file: "sum/sum.py", link: "/etc/shadow", score: 0, reason: "No such file or directory"},
		{user: "h-otherlink", assignment: "sum", file: "sum/sum.py", link: "OTHER_SOLUTION", score: 0, reason: "No such file or directory"},
		{user: "c-loop", assignment: "csum", file: "csum/sum.c", solution: "csum/hostile_loop.c", score: 0, reason: "time limit"},
	}
	var users []string
	for _, c := range cases {
		users = append(users, c.user)
	}
	course, members := sampleCourse(t, s, users)
	apiPort := s.api[strings.LastIndex(s.api, ":")+1:]
	coursePath := filepath.Join(s.dataDir, "repos", strings.ReplaceAll(course, ".", "/"))
	otherRepo := filepath.Join(coursePath, "students", "py-correct.git", "config")
	keyPEM, _ := os.ReadFile(filepath.Join(s.dataDir, app.KeyFile))
	forbidden := append(slices.Clone(keptBack), strings.Split(string(keyPEM), "\n")[1], "[core]")

	var wg sync.WaitGroup
	for _, c := range cases {
		var commit string
		if c.link != "" {
			target := strings.ReplaceAll(c.link, "OTHER_SOLUTION", filepath.Join(coursePath, "students", "py-correct.git", "HEAD"))
			commit = pushSymlink(t, s, course, c.user, c.file, target)
		} else {
			body := solution(t, c.solution)
			body = strings.NewReplacer("API_PORT", apiPort, "OTHER_REPO", otherRepo, "DATA_DIR", s.dataDir).Replace(body)
			commit = pushSolution(t, s, course, c.user, c.file, body)
		}
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
			if math.Abs(run.Score-c.score) > 1e-9 {
				t.Errorf("%s: score %v, want %v: %+v", c.user, run.Score, c.score, run.Summary.Tests)
			}
			var outcome []string
			for _, tr := range run.Summary.Tests {
				line, _, _ := strings.Cut(tr.Message, "\n")
				outcome = append(outcome, fmt.Sprintf("%s %s %q", tr.Name, tr.Result, line))
			}
			t.Logf("%s (%s): score %.2f: %s", c.user, c.solution+c.link, run.Score, strings.Join(outcome, "; "))
			found := c.reason == ""
			for _, tr := range run.Summary.Tests {
				found = found || (tr.Result != "passed" && strings.Contains(tr.Message, c.reason))
				for _, f := range forbidden {
					if f != "" && strings.Contains(tr.Message, f) {
						t.Errorf("%s: test %s leaks kept-back or host text %q: %s", c.user, tr.Name, f, tr.Message)
					}
				}
				if !strings.HasPrefix(tr.Name, "unit") && strings.Contains(tr.Message, testFileText) {
					t.Errorf("%s: test %s, which gets no test files, shows test_sum.py: %s", c.user, tr.Name, tr.Message)
				}
			}
			if !found {
				t.Errorf("%s: no failed test says %q: %+v", c.user, c.reason, run.Summary.Tests)
			}
		})
	}
	wg.Wait()
	for _, p := range []string{"/usr/pwned", "/etc/pwned", "/pwned", "/tmp/marker", "/tmp/test_sum.py"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a hostile solution wrote %s on the host", p)
		}
	}
	// Nothing of the runs is left on the host: no work directory, no
	// mount, no cgroup (and so no process: a cgroup with one cannot be
	// removed).
	eventually(t, 30*time.Second, "no run leaves anything behind", func() bool {
		left := leftoversOfRuns(t, workRoot)
		if len(left) > 0 {
			t.Logf("left: %v", left)
		}
		return len(left) == 0
	})

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
	// Nothing is outdated right after grading: a regrade finds nothing.
	var regraded struct{ Regraded, Failed int }
	s.mustFinish(t, s.tokenFor(t, "ta", "admin"), "regrade_content", map[string]any{"course": course, "content": "sum", "scope": "latest"}, &regraded)
	if regraded.Regraded != 0 || regraded.Failed != 0 {
		t.Fatalf("a regrade right after grading: %+v", regraded)
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
	// The results are stored as the runs are accepted, in submit order;
	// when each run began in the sandbox is what fairness decides.
	var rs []struct {
		TaskID       string     `json:"task_id"`
		Username     string     `json:"username"`
		RunStartedAt *time.Time `json:"run_started_at"`
	}
	s.do(t, "GET", "/results?course="+course+"&limit=100", s.tokenFor(t, "fair-admin", "admin"), nil).want(t, http.StatusOK).json(t, &rs)
	if len(rs) != 31 {
		t.Fatalf("%d results, want 31", len(rs))
	}
	var patientStart, lastEager time.Time
	for _, r := range rs {
		if r.RunStartedAt == nil {
			t.Fatalf("result %s has no run start", r.TaskID)
		}
		if r.Username == "patient" {
			patientStart = *r.RunStartedAt
		} else if r.RunStartedAt.After(lastEager) {
			lastEager = *r.RunStartedAt
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

// leftoversOfRuns lists what test runs of this process's stack left: work
// directories and mounts below root, and run cgroups of its sandbox.
func leftoversOfRuns(t testing.TB, root string) []string {
	t.Helper()
	var left []string
	dirs, _ := filepath.Glob(filepath.Join(root, "computor-work-*", "*"))
	for _, d := range dirs {
		if filepath.Base(d) != ".lock" {
			left = append(left, d)
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for line := range strings.SplitSeq(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], root+"/") {
			left = append(left, "mount "+f[4])
		}
	}
	mine := fmt.Sprintf("computor-sandbox-%d-", os.Getpid())
	_ = filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if strings.HasPrefix(filepath.Base(filepath.Dir(p)), mine) && strings.HasPrefix(d.Name(), "run-") {
			left = append(left, p)
		}
		return nil
	})
	return left
}

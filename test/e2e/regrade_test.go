package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
)

// The assignment of the regrade tests: one quick io test, and after the
// change a second one that half of the students fail.
var (
	addMeta = "title: Add\nstudent_files: [add.py]\nsubmission_files: [add.py]\n"
	addTest = `tests:
  - {name: one-two, points: 1, type: io, command: python3 add.py, stdin: "1 2\n", stdout: "3", time_limit: 5, memory_limit: 128}
`
	addTestChanged = addTest + `  - {name: two-two, points: 1, type: io, command: python3 add.py, stdin: "2 2\n", stdout: "4", time_limit: 5, memory_limit: 128}
`
	addCorrect = "a, b = map(int, input().split())\nprint(a + b)\n"
	// Right for 1 2 only: the changed tests catch it.
	addLucky = "a, b = map(int, input().split())\nprint(3 if a == 1 else 0)\n"
)

// regradeStack is a dev process of its own, with a course whose content
// "add" is released to students.
type regradeStack struct {
	*stack
	args     []string
	dev      *devProcess
	course   string
	lecturer string // token
	admin    string
	members  map[string]string // username → member id
	repos    *git.Local
	db       store.Store
	work     string
	env      []string
}

func newRegradeStack(t *testing.T, students []string, env []string, extra ...string) *regradeStack {
	t.Helper()
	dir := t.TempDir()
	apiAddr := freeAddr()
	args := append([]string{"--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(), "--no-ui",
		"--log-level", "warn"}, extra...)
	r := &regradeStack{stack: &stack{api: "http://" + apiAddr, dataDir: dir}, args: args, env: env}
	r.dev = startDevProcessEnv(t, env, args...)
	org := fmt.Sprintf("rg%d", rand.IntN(1_000_000))
	r.admin = r.tokenFor(t, "rg-admin", "admin")
	r.mustFinish(t, r.admin, "create_organization", map[string]any{"path": org, "title": "R"}, nil)
	r.mustFinish(t, r.admin, "create_course_family", map[string]any{"organization": org, "path": "prog", "title": "P"}, nil)
	r.mustFinish(t, r.admin, "create_course", map[string]any{"course_family": org + ".prog", "path": "2026", "title": "P"}, nil)
	r.course = org + ".prog.2026"
	r.work = t.TempDir()
	mustGit(t, r.work, "clone", r.repoURL(r.admin, org+"/prog/2026/assignments"), "a")
	r.pushTests(t, addTest)
	var list []map[string]any
	for _, u := range students {
		list = append(list, map[string]any{"username": u})
	}
	r.mustFinish(t, r.admin, "release_students", map[string]any{"course": r.course, "students": list}, nil)
	// The lecturer, made a member in the database, as an admin's tools do.
	var err error
	if r.db, err = store.Open(t.Context(), filepath.Join(dir, app.DatabaseFile)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.db.Close() })
	crs, err := r.db.CourseGet(t.Context(), r.course)
	if err != nil {
		t.Fatal(err)
	}
	u, err := r.db.UserFindOrCreate(t.Context(), store.UserCreateParams{Username: "rg-lecturer", CreatedBy: "test", CreatedByTask: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.CourseMemberFindOrCreate(t.Context(), store.CourseMemberCreateParams{CourseID: crs.ID, UserID: u.ID,
		Role: store.RoleLecturer, CreatedBy: "test", CreatedByTask: "test"}); err != nil {
		t.Fatal(err)
	}
	r.lecturer = r.tokenFor(t, "rg-lecturer")
	var ms []struct{ ID, Username string }
	r.do(t, "GET", "/courses/"+r.course+"/members", r.admin, nil).want(t, http.StatusOK).json(t, &ms)
	r.members = map[string]string{}
	for _, m := range ms {
		r.members[m.Username] = m.ID
	}
	if r.repos, err = git.NewLocal(filepath.Join(dir, app.ReposDirName)); err != nil {
		t.Fatal(err)
	}
	return r
}

// pushTests commits the add assignment with test.yaml as given and
// releases it.
func (r *regradeStack) pushTests(t *testing.T, tests string) {
	t.Helper()
	a := filepath.Join(r.work, "a")
	writeFiles(t, a, map[string]string{"add/meta.yaml": addMeta, "add/test.yaml": tests, "add/add.py": "# your code\n"})
	mustGit(t, a, "add", ".")
	mustGit(t, a, "commit", "-m", "tests")
	mustGit(t, a, "push", "origin", "main")
	r.mustFinish(t, r.admin, "release_course", map[string]any{"course": r.course}, nil)
}

// commit puts body as add/add.py into the student's repository, with
// git in this process (as a push would), and returns the commit.
func (r *regradeStack) commit(t *testing.T, user, body string) string {
	t.Helper()
	repo := strings.ReplaceAll(r.course, ".", "/") + "/students/" + user
	head, err := r.repos.Resolve(t.Context(), repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := r.repos.Commit(t.Context(), repo, git.CommitParams{Parent: head, Write: map[string][]byte{"add/add.py": []byte(body)},
		Message: "solution", AuthorName: user, AuthorEmail: user + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *regradeStack) restart(t *testing.T) {
	t.Helper()
	if err := r.dev.signalAndWait(t, syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill dev")
	}
	r.dev = startDevProcessEnv(t, r.env, r.args...)
}

type regradeSummary struct {
	Regraded, Changed, Unchanged, Failed int
	DurationS                            float64 `json:"duration_s"`
	Changes                              []struct {
		Username string  `json:"username"`
		OldScore float64 `json:"old_score"`
		NewScore float64 `json:"new_score"`
	} `json:"changes"`
}

// TestRegradeCourse regrades 200 members after a test was added that
// half of them fail, with the worker killed in the middle: everyone is
// regraded exactly once, the outdated flags clear, the old results stay as
// history, and a submission made during the regrade goes first.
func TestRegradeCourse(t *testing.T) {
	t.Parallel()
	const n = 200
	var students []string
	for i := range n {
		students = append(students, fmt.Sprintf("rs%03d", i))
	}
	r := newRegradeStack(t, students, nil, "--max-activities", "2")
	ctx := t.Context()

	// The graded submissions before the change, stored directly: grading
	// them is what the other tests show; this one is about the regrade.
	db := r.db
	crs, err := db.CourseGet(ctx, r.course)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := db.CourseContentGet(ctx, crs.ID, "add")
	if err != nil {
		t.Fatal(err)
	}
	lucky := map[string]bool{}
	for i, u := range students {
		body := addCorrect
		if i%2 == 1 {
			body, lucky[u] = addLucky, true
		}
		commit := r.commit(t, u, body)
		sub, err := db.SubmissionCreate(ctx, store.SubmissionCreateParams{CourseMemberID: r.members[u], CourseContentID: cc.ID,
			Commit: commit, TaskID: "seed-" + u, Late: i%10 == 0})
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.TestResultStart(ctx, store.TestResultStartParams{CourseMemberID: r.members[u], CourseContentID: cc.ID,
			Commit: commit, TaskID: "seed-" + u + "-test", TestsVersion: cc.TestsVersion})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TestResultFinish(ctx, store.TestResultFinishParams{TaskID: res.TaskID, Status: store.ResultFinished, Score: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmissionSetResult(ctx, sub.ID, res.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A submission on the idle worker, to compare its wait with one made
	// during the regrade (logged, not asserted: figures are the bench's). It is
	// students[2]'s last submission, so the regrade grades it in place of
	// the seeded one.
	idleCommit := r.commit(t, students[2], addCorrect+"# idle\n")
	idleID := r.submit(t, r.tokenFor(t, students[2]), "submission_processing",
		map[string]any{"course_member": r.members[students[2]], "content": "add", "commit": idleCommit}, 0)
	if res := r.await(t, r.tokenFor(t, students[2]), idleID); res.Status != "FINISHED" {
		t.Fatalf("submission on the idle worker: %+v", res)
	}
	idleRun, err := db.TestResultGetByTask(ctx, idleID+"-test")
	if err != nil || idleRun.RunStartedAt == nil {
		t.Fatalf("the idle submission's run: %+v, %v", idleRun, err)
	}

	// Changing the tests outdates every result, in the results and in the
	// gradebook.
	r.pushTests(t, addTestChanged)
	var results []store.TestResult
	r.do(t, "GET", "/results?course="+r.course+"&limit=1000", r.lecturer, nil).want(t, http.StatusOK).json(t, &results)
	outdated := 0
	for _, res := range results {
		if res.Outdated {
			outdated++
		}
	}
	if outdated != n+1 { // and students[2]'s first submission
		t.Fatalf("%d of %d results outdated after the tests changed", outdated, n+1)
	}
	var book struct {
		Rows []struct {
			Cells []struct {
				Score    *float64 `json:"score"`
				Outdated bool     `json:"outdated"`
			} `json:"cells"`
		} `json:"rows"`
	}
	r.do(t, "GET", "/courses/"+r.course+"/grades", r.lecturer, nil).want(t, http.StatusOK).json(t, &book)
	if len(book.Rows) != n || !book.Rows[0].Cells[0].Outdated {
		t.Fatalf("gradebook before the regrade: %d rows, first %+v", len(book.Rows), book.Rows[0].Cells)
	}

	// A student may not regrade; bad scopes are refused.
	r.do(t, "POST", "/tasks/submit", r.tokenFor(t, students[0]), map[string]any{"task_name": "regrade_content",
		"parameters": map[string]any{"course": r.course, "content": "add"}}).want(t, http.StatusForbidden)
	r.do(t, "POST", "/tasks/submit", r.lecturer, map[string]any{"task_name": "regrade_content",
		"parameters": map[string]any{"course": r.course, "content": "add", "scope": "all"}}).want(t, http.StatusUnprocessableEntity)

	id := r.submit(t, r.lecturer, "regrade_content", map[string]any{"course": r.course, "content": "add", "scope": "graded"}, -1)
	// Progress shows n of m.
	eventually(t, 120*time.Second, "a fifth regraded", func() bool {
		info := r.task(t, r.lecturer, id)
		return info.Progress != nil && info.Progress.Percent >= 20 && strings.Contains(info.Progress.Message, fmt.Sprintf("of %d", n))
	})

	// A submission during the regrade: its test starts before the
	// regrades still waiting.
	subCommit := r.commit(t, students[0], addCorrect+"# again\n")
	subID := r.submit(t, r.tokenFor(t, students[0]), "submission_processing",
		map[string]any{"course_member": r.members[students[0]], "content": "add", "commit": subCommit}, 0)
	if res := r.await(t, r.tokenFor(t, students[0]), subID); res.Status != "FINISHED" {
		t.Fatalf("submission during the regrade: %+v", res)
	}
	subRun, err := db.TestResultGetByTask(ctx, subID+"-test")
	if err != nil || subRun.RunStartedAt == nil || subRun.Score != 1 {
		t.Fatalf("the submission's run: %+v, %v", subRun, err)
	}

	t.Logf("a submission's wait from acceptance to its run: %v on the idle worker, %v during the regrade",
		idleRun.RunStartedAt.Sub(idleRun.CreatedAt).Round(time.Millisecond), subRun.RunStartedAt.Sub(subRun.CreatedAt).Round(time.Millisecond))

	// Kill the whole stack in the middle of the regrade, and start it
	// again.
	r.restart(t)
	// Runs of the killed worker come back after their heartbeat timeout.
	eventually(t, 5*time.Minute, "the regrade ended", func() bool {
		st := r.task(t, r.lecturer, id).Status
		return st != "QUEUED" && st != "STARTED"
	})
	res := r.await(t, r.lecturer, id)
	if res.Status != "FINISHED" {
		t.Fatalf("regrade: %s %s", res.Status, deref(res.Error))
	}
	var sum regradeSummary
	if err := json.Unmarshal(res.Result, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Regraded != n || sum.Changed != n/2 || sum.Unchanged != n/2 || sum.Failed != 0 || len(sum.Changes) != n/2 {
		t.Fatalf("regrade summary: %+v", sum)
	}
	for _, c := range sum.Changes {
		if !lucky[c.Username] || c.OldScore != 1 || c.NewScore != 0.5 {
			t.Fatalf("change %+v", c)
		}
	}
	t.Logf("regraded %d members in %.1f s (%.0f per minute), a worker killed on the way", n, sum.DurationS, float64(n)/sum.DurationS*60)

	// Exactly once: one regrade per member, each superseding the seeded
	// result, whatever the kill did.
	r.do(t, "GET", "/results?course="+r.course+"&limit=1000", r.lecturer, nil).want(t, http.StatusOK).json(t, &results)
	regrades, history := map[string]int{}, 0
	var lateStarts []time.Time
	for _, res := range results {
		switch {
		case res.Supersedes != "":
			regrades[res.Username]++
			if res.Outdated || res.RunStartedAt == nil {
				t.Fatalf("regrade %+v", res)
			}
			if res.RunStartedAt.After(subRun.CreatedAt) {
				lateStarts = append(lateStarts, *res.RunStartedAt)
			}
		case res.SupersededBy != "":
			history++
			if res.Score != 1 {
				t.Fatalf("history keeps the old score: %+v", res)
			}
		}
	}
	if len(regrades) != n || history != n {
		t.Fatalf("%d members regraded, %d old results kept; want %d", len(regrades), history, n)
	}
	for u, k := range regrades {
		if k != 1 {
			t.Fatalf("%s regraded %d times", u, k)
		}
	}
	// Precedence: of the regrades not yet begun when the submission was
	// accepted, at most the two that held the worker's slots began before
	// its run did.
	before := 0
	for _, at := range lateStarts {
		if at.Before(*subRun.RunStartedAt) {
			before++
		}
	}
	if len(lateStarts) < 10 || before > 2 {
		t.Fatalf("%d regrades began after the submission was accepted, %d of them before its run", len(lateStarts), before)
	}

	// The gradebook: current, penalties kept (every tenth was late; no
	// late penalty is set, so only the flag shows), the lucky ones at 0.5.
	book.Rows = nil // decoded afresh: an absent outdated is false
	r.do(t, "GET", "/courses/"+r.course+"/grades", r.lecturer, nil).want(t, http.StatusOK).json(t, &book)
	halves := 0
	for _, row := range book.Rows {
		c := row.Cells[0]
		if c.Outdated || c.Score == nil {
			t.Fatalf("gradebook cell after the regrade: %+v", c)
		}
		if *c.Score == 0.5 {
			halves++
		}
	}
	if halves != n/2 {
		t.Fatalf("%d half scores in the gradebook, want %d", halves, n/2)
	}
	// Regrading again finds nothing to do.
	var again regradeSummary
	r.mustFinish(t, r.lecturer, "regrade_content", map[string]any{"course": r.course, "content": "add"}, &again)
	if again.Regraded != 0 || again.Failed != 0 {
		t.Fatalf("second regrade: %+v", again)
	}
}

// TestPlatformFailureIsNotScored breaks the sandbox's work directory for
// a run's first attempt: the run is retried and scored right. With the
// sandbox broken for good the result is an error that uses up none of the
// student's runs. Meanwhile GET /tasks/{id} tells the waiting run where
// it stands, and staff see the course's queue.
func TestPlatformFailureIsNotScored(t *testing.T) {
	t.Parallel()
	// Below the shared work root, whose parents the sandbox users search.
	workDir := filepath.Join(workRoot, fmt.Sprintf("pf-%d", rand.IntN(1_000_000)))
	if err := os.Mkdir(workDir, 0o711); err != nil {
		t.Fatal(err)
	}
	r := newRegradeStack(t, []string{"pf-student", "pf-other"}, []string{app.EnvWorkDir + "=" + workDir}, "--max-activities", "1")
	token := r.tokenFor(t, "pf-student")
	r.mustFinish(t, r.admin, "update_course_content", map[string]any{"course": r.course, "content": "add", "max_test_runs": 3, "max_submissions": 1}, nil)
	commit := r.commit(t, "pf-student", addCorrect)

	// Break the work directory: a file where the directory was.
	broken := workDir + ".away"
	breakWork := func() {
		t.Helper()
		if err := os.Rename(workDir, broken); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(workDir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mendWork := func() {
		t.Helper()
		if err := os.Remove(workDir); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(broken, workDir); err != nil {
			t.Fatal(err)
		}
	}
	breakWork()
	id := r.submit(t, token, "student_testing", map[string]any{"course_member": r.members["pf-student"], "content": "add"}, 0)
	eventually(t, 60*time.Second, "a failed first attempt", func() bool { return r.task(t, token, id).Retries >= 1 })
	mendWork()
	res := r.await(t, token, id)
	var run testRun
	if res.Status != "FINISHED" || json.Unmarshal(res.Result, &run) != nil || run.Score != 1 {
		t.Fatalf("after a failed first attempt: %s %s", res.Status, res.Result)
	}

	// Broken for good: an error, not a score, and not a used-up run.
	breakWork()
	id = r.submit(t, token, "student_testing", map[string]any{"course_member": r.members["pf-student"], "content": "add"}, 0)
	res = r.await(t, token, id)
	if res.Status != "FAILED" {
		t.Fatalf("with the sandbox broken: %+v", res)
	}
	subID := r.submit(t, token, "submission_processing", map[string]any{"course_member": r.members["pf-student"], "content": "add", "commit": commit}, 0)
	if res := r.await(t, token, subID); res.Status != "FAILED" {
		t.Fatalf("a submission with the sandbox broken: %+v", res)
	}
	var results []store.TestResult
	r.do(t, "GET", "/results?course="+r.course, token, nil).want(t, http.StatusOK).json(t, &results)
	errors := 0
	for _, res := range results {
		if res.Status == store.ResultError && res.Score == 0 && strings.Contains(string(res.Summary), "not because of the submission") {
			errors++
		}
	}
	if len(results) != 3 || errors != 2 {
		t.Fatalf("results with the sandbox broken: %+v", results)
	}
	mendWork()
	// max_submissions is 1: the failed one did not count.
	again := r.commit(t, "pf-student", addCorrect+"# again\n")
	if res := r.await(t, token, r.submit(t, token, "submission_processing",
		map[string]any{"course_member": r.members["pf-student"], "content": "add", "commit": again}, 0)); res.Status != "FINISHED" {
		t.Fatalf("the submission after the failed one: %+v", res)
	}
	// max_test_runs is 3: with the two errors counted this would be the
	// fifth run; it is the third.
	id = r.submit(t, token, "student_testing", map[string]any{"course_member": r.members["pf-student"], "content": "add"}, 0)
	if res := r.await(t, token, id); res.Status != "FINISHED" {
		t.Fatalf("the run after the error: %+v", res)
	}

	// Staff see the queue; students do not.
	var q struct {
		CourseWaiting int     `json:"course_waiting"`
		Finished      int     `json:"finished"`
		MeanRunS      float64 `json:"mean_run_s"`
		Backlog       int64   `json:"backlog"`
	}
	r.do(t, "GET", "/courses/"+r.course+"/queue", r.lecturer, nil).want(t, http.StatusOK).json(t, &q)
	if q.Finished < 2 || q.MeanRunS <= 0 || q.CourseWaiting != 0 || q.Backlog < 0 {
		t.Fatalf("queue %+v", q)
	}
	r.do(t, "GET", "/courses/"+r.course+"/queue", token, nil).want(t, http.StatusForbidden)

	// A run that waits says so: behind slow runs on the one slot, a run
	// not begun shows its place.
	other := r.tokenFor(t, "pf-other")
	r.commit(t, "pf-other", "import time\ntime.sleep(2)\n"+addCorrect)
	var waitingIDs []string
	for range 2 { // max_test_runs is 2
		waitingIDs = append(waitingIDs, r.submit(t, other, "student_testing", map[string]any{"course_member": r.members["pf-other"], "content": "add"}, 0))
	}
	var w struct {
		Status  string `json:"status"`
		Waiting *struct {
			Ahead             *int64   `json:"ahead"`
			EstimatedStartInS *float64 `json:"estimated_start_in_s"`
		} `json:"waiting"`
	}
	r.do(t, "GET", "/tasks/"+waitingIDs[1], other, nil).want(t, http.StatusOK).json(t, &w)
	if w.Waiting == nil || w.Waiting.Ahead == nil || *w.Waiting.Ahead < 0 || w.Waiting.EstimatedStartInS == nil || *w.Waiting.EstimatedStartInS < 0 {
		t.Fatalf("a waiting run: %+v", w)
	}
	t.Logf("the second of two slow runs waits: %d ahead, start in %.1f s", *w.Waiting.Ahead, *w.Waiting.EstimatedStartInS)
	for _, id := range waitingIDs {
		if res := r.await(t, other, id); res.Status != "FINISHED" {
			t.Fatalf("run %s: %s: %s", id, res.Status, deref(res.Error))
		}
	}
	w.Waiting = nil
	r.do(t, "GET", "/tasks/"+waitingIDs[1], other, nil).want(t, http.StatusOK).json(t, &w)
	if w.Waiting != nil {
		t.Fatalf("a finished run still waits: %+v", w)
	}
}

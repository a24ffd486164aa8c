package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dueAssignment is an assignment with a deadline and one test of each
// visibility. The hidden test's expected output, 424242, must never reach
// a student; the one shown after the deadline, 777, only after it.
func dueAssignment(deadline time.Time) map[string]string {
	return map[string]string{
		"due/meta.yaml": "title: Due\nstudent_files: [due.py]\ndeadline: " + deadline.Format(time.RFC3339) + "\n",
		"due/due.py":    "print(0)\n",
		"due/test.yaml": `tests:
  - name: shown
    type: io
    command: python3 due.py
    stdout: "1"
  - name: later
    type: io
    command: python3 due.py
    stdout: "777"
    visibility: after_deadline
  - name: secret
    type: io
    points: 2
    command: python3 due.py
    stdout: "424242"
    visibility: hidden
`,
	}
}

// dueCourse makes a course whose assignments repository holds files,
// released, with the students; it returns the course's path, a clone of
// its assignments repository and the students' member ids.
func dueCourse(t *testing.T, s *stack, admin string, files map[string]string, students ...string) (course, repo string, ids map[string]string) {
	t.Helper()
	org := fmt.Sprintf("due%d", rand.IntN(1_000_000))
	s.mustFinish(t, admin, "create_organization", map[string]any{"path": org, "title": "D"}, nil)
	s.mustFinish(t, admin, "create_course_family", map[string]any{"organization": org, "path": "prog", "title": "P"}, nil)
	s.mustFinish(t, admin, "create_course", map[string]any{"course_family": org + ".prog", "path": "2026", "title": "P 2026"}, nil)
	course = org + ".prog.2026"
	work := t.TempDir()
	mustGit(t, work, "clone", s.repoURL(admin, org+"/prog/2026/assignments"), "a")
	repo = filepath.Join(work, "a")
	writeFiles(t, repo, files)
	mustGit(t, repo, "add", ".")
	mustGit(t, repo, "commit", "-m", "Assignments")
	mustGit(t, repo, "push", "origin", "main")
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
	ids = map[string]string{}
	for _, m := range ms {
		ids[m.Username] = m.ID
	}
	return course, repo, ids
}

// Per-test visibility and the deadline, through the real stack: before
// the deadline a student sees only the visible test and a score over it,
// marked incomplete, while an admin sees everything; after it (the
// deadline moved by a new release) the student sees every test, the
// hidden one without its message, and a submission is refused. The hidden
// test's expected output appears in no answer a student gets.
func TestVisibilityAndDeadline(t *testing.T) {
	t.Parallel()
	visibilityScenario(t, shared)
}

func visibilityScenario(t *testing.T, s *stack) {
	if !strings.Contains(s.do(t, "GET", "/tasks/types", s.tokenFor(t, "x"), nil).string(), "student_testing") {
		t.Fatal("student_testing is not offered: the sandbox (bubblewrap) is missing on this machine")
	}
	admin := s.tokenFor(t, "due-admin", "admin")
	course, repo, ids := dueCourse(t, s, admin, dueAssignment(time.Now().Add(time.Hour).Truncate(time.Second)), "dora", "eve")
	member, eve := ids["dora"], ids["eve"]
	student := s.tokenFor(t, "dora")
	commit := pushSolution(t, s, course, "dora", "due/due.py", "print(1)\n")

	// What dora may get: her test run's task result and GET /results.
	studentAnswers := func(taskID string) []string {
		return []string{
			s.do(t, "GET", "/tasks/"+taskID+"/result", student, nil).want(t, http.StatusOK).string(),
			s.do(t, "GET", "/results?course="+course, student, nil).want(t, http.StatusOK).string(),
		}
	}
	type view struct {
		Score    float64 `json:"score"`
		Complete *bool   `json:"complete"`
		Tests    []struct {
			Name    string `json:"name"`
			Result  string `json:"result"`
			Message string `json:"message"`
		} `json:"tests"`
	}
	resultsOf := func(token string) view {
		var rs []struct {
			Score   float64 `json:"score"`
			Summary view    `json:"summary"`
		}
		s.do(t, "GET", "/results?course="+course, token, nil).want(t, http.StatusOK).json(t, &rs)
		if len(rs) == 0 {
			t.Fatal("no results")
		}
		if rs[0].Score != rs[0].Summary.Score {
			t.Fatalf("score %v beside a summary of %v", rs[0].Score, rs[0].Summary.Score)
		}
		return rs[0].Summary
	}

	// Before the deadline.
	before := s.submit(t, student, "student_testing", map[string]any{"course_member": member, "content": "due"}, 0)
	s.await(t, student, before)
	v := resultsOf(student)
	if len(v.Tests) != 1 || v.Tests[0].Name != "shown" || v.Score != 1 || v.Complete == nil || *v.Complete {
		t.Fatalf("dora before the deadline: %+v", v)
	}
	if all := resultsOf(admin); len(all.Tests) != 3 || all.Score != 0.25 || !strings.Contains(all.Tests[2].Message, "424242") {
		t.Fatalf("the admin before the deadline: %+v", all)
	}
	for _, body := range studentAnswers(before) {
		if strings.Contains(body, "424242") || strings.Contains(body, `"later"`) || strings.Contains(body, `"secret"`) {
			t.Fatalf("dora sees a test kept back until the deadline: %s", body)
		}
	}
	sub := s.submit(t, student, "submission_processing", map[string]any{"course_member": member, "content": "due", "commit": commit}, 0)
	s.await(t, student, sub)
	if body := s.do(t, "GET", "/tasks/"+sub+"/result", student, nil).string(); strings.Contains(body, "424242") || strings.Contains(body, `"later"`) {
		t.Fatalf("dora's submission shows a kept-back test: %s", body)
	}

	// The deadline passes: released again with one in the past.
	writeFiles(t, repo, map[string]string{"due/meta.yaml": "title: Due\nstudent_files: [due.py]\ndeadline: " +
		time.Now().Add(-time.Minute).UTC().Format(time.RFC3339) + "\n"})
	mustGit(t, repo, "commit", "-am", "Deadline now")
	mustGit(t, repo, "push", "origin", "main")
	s.mustFinish(t, admin, "release_course", map[string]any{"course": course}, nil)
	v = resultsOf(student)
	if len(v.Tests) != 3 || v.Score != 0.25 || v.Complete != nil {
		t.Fatalf("dora after the deadline: %+v", v)
	}
	if v.Tests[1].Name != "later" || !strings.Contains(v.Tests[1].Message, "777") || v.Tests[2].Name != "secret" ||
		v.Tests[2].Result != "failed" || v.Tests[2].Message != "" {
		t.Fatalf("dora's tests after the deadline: %+v", v.Tests)
	}
	for _, body := range studentAnswers(before) {
		if strings.Contains(body, "424242") {
			t.Fatalf("the hidden test's expected output reached dora: %s", body)
		}
	}
	r := s.do(t, "POST", "/tasks/submit", student, map[string]any{"task_name": "submission_processing",
		"parameters": map[string]any{"course_member": member, "content": "due", "commit": commit}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(r.string(), "deadline for due passed at") {
		t.Fatalf("a submission after the deadline: %s", r.string())
	}

	// An extension: dora may not grant herself one; the admin grants her
	// a day, and her submission is on time again, her view as before her
	// deadline.
	ext := map[string]any{"course_member": member, "content": "due", "deadline": time.Now().Add(24 * time.Hour).Format(time.RFC3339)}
	s.do(t, "POST", "/tasks/submit", student, map[string]any{"task_name": "grant_extension", "parameters": ext}).want(t, http.StatusForbidden)
	s.do(t, "POST", "/tasks/submit", admin, map[string]any{"task_name": "grant_extension",
		"parameters": map[string]any{"course_member": member, "content": "due", "deadline": "next week"}}).want(t, http.StatusUnprocessableEntity)
	var granted struct {
		Deadline  time.Time `json:"deadline"`
		GrantedBy string    `json:"granted_by"`
	}
	s.mustFinish(t, admin, "grant_extension", ext, &granted)
	if granted.GrantedBy != "due-admin" || time.Until(granted.Deadline) < 23*time.Hour {
		t.Fatalf("the grant: %+v", granted)
	}
	if v := resultsOf(student); len(v.Tests) != 1 || v.Complete == nil || *v.Complete {
		t.Fatalf("dora with an extension: %+v", v)
	}
	late := s.submit(t, student, "submission_processing", map[string]any{"course_member": member, "content": "due", "commit": commit}, 0)
	s.await(t, student, late)

	// Eve has no extension: too late, until staff move the deadline for
	// everyone without a release. A student may not move it.
	eveToken := s.tokenFor(t, "eve")
	eveCommit := pushSolution(t, s, course, "eve", "due/due.py", "print(1)\n")
	eveSubmit := map[string]any{"task_name": "submission_processing", "parameters": map[string]any{"course_member": eve, "content": "due", "commit": eveCommit}}
	s.do(t, "POST", "/tasks/submit", eveToken, eveSubmit).want(t, http.StatusUnprocessableEntity)
	move := map[string]any{"course": course, "content": "due", "deadline": time.Now().Add(2 * time.Hour).Format(time.RFC3339)}
	s.do(t, "POST", "/tasks/submit", eveToken, map[string]any{"task_name": "update_course_content", "parameters": move}).want(t, http.StatusForbidden)
	s.do(t, "POST", "/tasks/submit", admin, map[string]any{"task_name": "update_course_content",
		"parameters": map[string]any{"course": course, "content": "due"}}).want(t, http.StatusUnprocessableEntity)
	s.mustFinish(t, admin, "update_course_content", move, nil)
	s.do(t, "POST", "/tasks/submit", eveToken, eveSubmit).want(t, http.StatusAccepted)
	// A release of the unchanged assignment keeps the moved deadline.
	s.mustFinish(t, admin, "release_course", map[string]any{"course": course}, nil)
	var contents []struct {
		Path     string     `json:"path"`
		Deadline *time.Time `json:"deadline"`
	}
	s.do(t, "GET", "/courses/"+course+"/contents", admin, nil).want(t, http.StatusOK).json(t, &contents)
	if len(contents) != 1 || contents[0].Deadline == nil || time.Until(*contents[0].Deadline) < time.Hour {
		t.Fatalf("contents after the move and a release: %+v", contents)
	}

	// A submission accepted before the deadline counts though it runs after
	// it: here it waits 6 s (delay) and the deadline is 3 s away.
	soon := time.Now().Add(3 * time.Second).Truncate(time.Second)
	s.mustFinish(t, admin, "update_course_content", map[string]any{"course": course, "content": "due",
		"deadline": soon.Format(time.RFC3339)}, nil)
	r = s.do(t, "POST", "/tasks/submit", eveToken, map[string]any{"task_name": "submission_processing", "delay": 6,
		"parameters": map[string]any{"course_member": eve, "content": "due", "commit": eveCommit}}).want(t, http.StatusAccepted)
	var queued submitReply
	r.json(t, &queued)
	if res := s.await(t, eveToken, queued.TaskID); res.Status != "FINISHED" {
		t.Fatalf("a submission accepted before the deadline and run after it: %+v", res)
	}
	if info := s.task(t, eveToken, queued.TaskID); info.StartedAt == nil || !info.StartedAt.After(soon) {
		t.Fatalf("the queued submission did not run after the deadline %v: %+v", soon, info)
	}

	// The gradebook: the admin sees both students, dora only herself; the
	// last graded submission counts (dora's two, eve's two: all print 1,
	// so 1 of 4 points); CSV for the LMS.
	type book struct {
		Contents []struct{ Path string } `json:"contents"`
		Rows     []struct {
			Username string `json:"username"`
			Cells    []struct {
				Score       *float64 `json:"score"`
				Submissions int      `json:"submissions"`
			} `json:"cells"`
		} `json:"rows"`
	}
	var all, own book
	s.do(t, "GET", "/courses/"+course+"/grades", admin, nil).want(t, http.StatusOK).json(t, &all)
	if len(all.Contents) != 1 || all.Contents[0].Path != "due" || len(all.Rows) != 2 {
		t.Fatalf("the admin's gradebook: %+v", all)
	}
	for _, r := range all.Rows {
		if c := r.Cells[0]; c.Submissions != 2 || c.Score == nil || *c.Score != 0.25 {
			t.Fatalf("%s's cell: %+v", r.Username, c)
		}
	}
	s.do(t, "GET", "/courses/"+course+"/grades", student, nil).want(t, http.StatusOK).json(t, &own)
	if len(own.Rows) != 1 || own.Rows[0].Username != "dora" {
		t.Fatalf("dora's gradebook: %+v", own)
	}
	// Her extension runs a day more: until then her score, which covers
	// the hidden test, is withheld from her (and from everyone else's
	// view of theirs).
	var withheld struct {
		Rows []struct {
			Cells []struct {
				Score    *float64 `json:"score"`
				Withheld bool     `json:"withheld"`
			} `json:"cells"`
		} `json:"rows"`
	}
	for _, tok := range []string{student, eveToken} {
		s.do(t, "GET", "/courses/"+course+"/grades", tok, nil).want(t, http.StatusOK).json(t, &withheld)
		if c := withheld.Rows[0].Cells[0]; c.Score != nil || !c.Withheld {
			t.Fatalf("a student's own cell before the tests are revealed: %+v", c)
		}
	}
	csvAnswer := s.do(t, "GET", "/courses/"+course+"/grades", admin, nil, "Accept", "text/csv").want(t, http.StatusOK)
	lines := strings.Split(strings.TrimSpace(csvAnswer.string()), "\n")
	if !strings.HasPrefix(csvAnswer.header.Get("Content-Type"), "text/csv") || len(lines) != 3 ||
		lines[0] != "username,course_member_id,due,due late,due submissions" || !strings.HasPrefix(lines[1], "dora,") || !strings.HasSuffix(lines[1], ",0.25,false,2") {
		t.Fatalf("the CSV: %q", lines)
	}
	s.do(t, "GET", "/courses/"+course+"/grades", s.tokenFor(t, "stranger"), nil).want(t, http.StatusNotFound)
}

// test_runs_per_hour: past it a test run is a 429 with Retry-After and
// nothing starts; grading best: the gradebook counts the best graded
// submission, not the last.
func TestTestRunRateAndBestGrading(t *testing.T) {
	t.Parallel()
	rateAndBestScenario(t, shared)
}

func rateAndBestScenario(t *testing.T, s *stack) {
	admin := s.tokenFor(t, "rate-admin", "admin")
	files := dueAssignment(time.Now().Add(time.Hour).Truncate(time.Second))
	files["due/meta.yaml"] = "title: Due\nstudent_files: [due.py]\ntest_runs_per_hour: 2\ngrading: best\n"
	course, _, ids := dueCourse(t, s, admin, files, "finn")
	finn := s.tokenFor(t, "finn")
	right := pushSolution(t, s, course, "finn", "due/due.py", "print(1)\n")
	run := map[string]any{"course_member": ids["finn"], "content": "due"}
	// Three submitted at once, each waiting 2 s: the API's check sees no
	// run yet and takes all three; the worker's start, under the member's
	// lock, runs two and refuses the third.
	var ids3 []string
	for range 3 {
		r := s.do(t, "POST", "/tasks/submit", finn, map[string]any{"task_name": "student_testing", "parameters": run, "delay": 2}).want(t, http.StatusAccepted)
		var reply submitReply
		r.json(t, &reply)
		ids3 = append(ids3, reply.TaskID)
	}
	finished, refused := 0, 0
	for _, id := range ids3 {
		switch res := s.await(t, finn, id); {
		case res.Status == "FINISHED":
			finished++
		case res.Status == "FAILED" && res.Error != nil && strings.Contains(*res.Error, "test runs an hour"):
			refused++
		default:
			t.Fatalf("a test run of three at once: %+v", res)
		}
	}
	if finished != 2 || refused != 1 {
		t.Fatalf("three runs at once with 2 an hour: %d finished, %d refused", finished, refused)
	}
	r := s.do(t, "POST", "/tasks/submit", finn, map[string]any{"task_name": "student_testing", "parameters": run}).want(t, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || retry < 3000 || retry > 3600 || !strings.Contains(r.string(), "2 times an hour") {
		t.Fatalf("the third run in an hour: Retry-After %q, %s", r.header.Get("Retry-After"), r.string())
	}
	var list struct {
		Tasks []taskInfo `json:"tasks"`
	}
	s.do(t, "GET", "/tasks?task_name=student_testing", finn, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Tasks) > 3 {
		t.Fatalf("%d test runs started, want the 3 of before", len(list.Tasks))
	}
	// Submissions are not test runs: a right one, then a wrong one.
	wrong := pushSolution(t, s, course, "finn", "due/due.py", "print(2)\n")
	for _, commit := range []string{right, wrong} {
		s.await(t, finn, s.submit(t, finn, "submission_processing", map[string]any{"course_member": ids["finn"], "content": "due", "commit": commit}, 0))
	}
	var book struct {
		Contents []struct {
			Grading string `json:"grading"`
		} `json:"contents"`
		Rows []struct {
			Cells []struct {
				Score       *float64 `json:"score"`
				Submissions int      `json:"submissions"`
			} `json:"cells"`
		} `json:"rows"`
	}
	s.do(t, "GET", "/courses/"+course+"/grades", admin, nil).want(t, http.StatusOK).json(t, &book)
	if len(book.Rows) != 1 || book.Contents[0].Grading != "best" {
		t.Fatalf("gradebook: %+v", book)
	}
	if c := book.Rows[0].Cells[0]; c.Submissions != 2 || c.Score == nil || *c.Score != 0.25 {
		t.Fatalf("finn's cell with grading best: %+v (the right submission scored 0.25, the wrong 0)", c)
	}
	// Switched to last, the wrong one counts.
	s.mustFinish(t, admin, "update_course_content", map[string]any{"course": course, "content": "due", "grading": "last"}, nil)
	s.do(t, "GET", "/courses/"+course+"/grades", admin, nil).want(t, http.StatusOK).json(t, &book)
	if c := book.Rows[0].Cells[0]; c.Score == nil || *c.Score != 0 {
		t.Fatalf("finn's cell with grading last: %+v", c)
	}
}

// Late submissions and submission penalties, through the real stack: on
// time and free, then late and beyond the free one (0.5 × 0.5 of its
// score, late: true in its result and the gradebook), then too late once
// the late deadline is moved into the past.
func TestLateAndPenalties(t *testing.T) {
	t.Parallel()
	lateScenario(t, shared)
}

func lateScenario(t *testing.T, s *stack) {
	admin := s.tokenFor(t, "late-admin", "admin")
	// Far enough for a slow setup; the deadline passes by an override
	// after the first submission, not by waiting.
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)
	files := dueAssignment(deadline)
	files["due/meta.yaml"] = "title: Due\nstudent_files: [due.py]\ndeadline: " + deadline.Format(time.RFC3339) +
		"\nlate_deadline: " + deadline.Add(time.Hour).Format(time.RFC3339) +
		"\nlate_penalty: 0.5\nfree_submissions: 1\nsubmission_penalty: 0.5\n"
	course, _, ids := dueCourse(t, s, admin, files, "gus")
	gus := s.tokenFor(t, "gus")
	commit := pushSolution(t, s, course, "gus", "due/due.py", "print(1)\n")
	params := map[string]any{"course_member": ids["gus"], "content": "due", "commit": commit}
	type result struct {
		Ordinal int  `json:"ordinal"`
		Late    bool `json:"late"`
	}
	submitAndRead := func(key string) result {
		id := s.submit(t, gus, "submission_processing", params, 0, "Idempotency-Key", key)
		res := s.await(t, gus, id)
		if res.Status != "FINISHED" {
			t.Fatalf("submission: %+v", res)
		}
		var r result
		if err := json.Unmarshal(res.Result, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := submitAndRead("gus-1"); r.Ordinal != 1 || r.Late {
		t.Fatalf("the first submission, on time: %+v", r)
	}
	s.mustFinish(t, admin, "update_course_content", map[string]any{"course": course, "content": "due",
		"deadline": time.Now().Add(-5 * time.Second).Format(time.RFC3339)}, nil)
	if r := submitAndRead("gus-2"); r.Ordinal != 2 || !r.Late {
		t.Fatalf("the second submission, late: %+v", r)
	}
	var book struct {
		Rows []struct {
			Cells []struct {
				Score       *float64 `json:"score"`
				Late        bool     `json:"late"`
				Submissions int      `json:"submissions"`
			} `json:"cells"`
		} `json:"rows"`
	}
	s.do(t, "GET", "/courses/"+course+"/grades", admin, nil).want(t, http.StatusOK).json(t, &book)
	// The test run scores 0.25; late (×0.5) and one beyond the free (×0.5).
	if c := book.Rows[0].Cells[0]; c.Score == nil || *c.Score != 0.0625 || !c.Late || c.Submissions != 2 {
		t.Fatalf("gus's cell: %+v", c)
	}
	s.mustFinish(t, admin, "update_course_content", map[string]any{"course": course, "content": "due",
		"late_deadline": time.Now().Add(-time.Second).Format(time.RFC3339)}, nil)
	r := s.do(t, "POST", "/tasks/submit", gus, map[string]any{"task_name": "submission_processing", "parameters": params}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(r.string(), "deadline for due passed at") {
		t.Fatalf("after the late deadline: %s", r.string())
	}
	// A retry of a submission accepted in time still gets its task.
	s.do(t, "POST", "/tasks/submit", gus, map[string]any{"task_name": "submission_processing", "parameters": params},
		"Idempotency-Key", "gus-2").want(t, http.StatusAccepted)
}

// The course rules on PostgreSQL: the same scenarios on a dev stack whose
// domain database is PostgreSQL.
func TestCourseRulesOnPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr := freeAddr()
	startDevProcess(t, "--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(), "--no-ui",
		"--ephemeral", "--log-level", "warn", "--database-url", postgresURL(t))
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	t.Run("visibility and deadline", func(t *testing.T) { visibilityScenario(t, s) })
	t.Run("rate and best", func(t *testing.T) { rateAndBestScenario(t, s) })
	t.Run("late and penalties", func(t *testing.T) { lateScenario(t, s) })
}

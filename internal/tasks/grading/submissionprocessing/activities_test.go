package submissionprocessing

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Fail on a real store: a run that failed before it stored anything has
// its error stored and linked, so that the submission counts for no
// limit; a run that stored its score and then failed (its link, a
// cancel, a timeout) keeps its score, linked, and is not turned into an
// error.
func TestFailLinksWhatTheRunStored(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	org, err := s.OrganizationCreate(ctx, store.OrganizationCreateParams{Path: "uni", Title: "U", CreatedByTask: "t0"})
	must(err)
	fam, err := s.CourseFamilyCreate(ctx, store.CourseFamilyCreateParams{OrganizationID: org.ID, Path: "fam", Title: "F", CreatedByTask: "t0"})
	must(err)
	crs, err := s.CourseCreate(ctx, store.CourseCreateParams{CourseFamilyID: fam.ID, Path: "c", Title: "C", CreatedByTask: "t0"})
	must(err)
	u, err := s.UserFindOrCreate(ctx, store.UserCreateParams{Username: "stud", CreatedByTask: "t0"})
	must(err)
	m, err := s.CourseMemberFindOrCreate(ctx, store.CourseMemberCreateParams{CourseID: crs.ID, UserID: u.ID, Role: store.RoleStudent, CreatedByTask: "t0"})
	must(err)
	cc, err := s.CourseContentUpsert(ctx, store.CourseContentUpsertParams{CourseID: crs.ID, Path: "sum", MaxSubmissions: 2})
	must(err)
	a := &Activities{deps: tasks.Deps{Store: s}}
	commit := strings.Repeat("a", 40)
	begin := func(task string) (*store.Submission, course.TestRun) {
		t.Helper()
		sub, err := s.SubmissionCreate(ctx, store.SubmissionCreateParams{CourseMemberID: m.ID, CourseContentID: cc.ID, Commit: commit, TaskID: task, MaxSubmissions: 2})
		must(err)
		r, err := course.StartTestRun(ctx, s, &course.Target{Course: crs, Member: m, Content: cc, Commit: commit}, testTaskID(task), "stud", true)
		must(err)
		return sub, *r
	}

	// Failed before storing: the error is stored and linked.
	sub1, run1 := begin("t1")
	must(a.Fail(ctx, FailInput{Run: run1, SubmissionID: sub1.ID, Error: "the test run failed on the worker"}))
	r1, err := s.TestResultGetByTask(ctx, run1.TaskID)
	must(err)
	if r1.Status != store.ResultError || r1.SubmissionID != sub1.ID {
		t.Fatalf("after a failed run: %+v", r1)
	}

	// Stored, then failed: the score stays, linked.
	sub2, run2 := begin("t2")
	sum := &grading.Summary{Total: 1, Passed: 1, Score: 1, Tests: []grading.TestResult{}}
	must(course.FinishTestRun(ctx, s, run2.TaskID, sum, ""))
	must(a.Fail(ctx, FailInput{Run: run2, SubmissionID: sub2.ID, Error: "the test run was cancelled"}))
	r2, err := s.TestResultGetByTask(ctx, run2.TaskID)
	must(err)
	var stored grading.Summary
	must(json.Unmarshal(r2.Summary, &stored))
	if r2.Status != store.ResultFinished || r2.Score != 1 || r2.SubmissionID != sub2.ID || stored.Passed != 1 {
		t.Fatalf("after a run that stored its score and failed: %+v", r2)
	}
	// Twice is harmless.
	must(a.Fail(ctx, FailInput{Run: run2, SubmissionID: sub2.ID, Error: "the test run was cancelled"}))
}

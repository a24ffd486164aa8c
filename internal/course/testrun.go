package course

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/store"
)

// TestRun is a started test run: the stored result it fills and what
// grading it needs. It travels between a testing task's steps as JSON,
// in their histories, so its fields keep their names.
type TestRun struct {
	ResultID       string `json:"result_id"`
	TaskID         string `json:"task_id"`
	Username       string `json:"username"`
	ContentPath    string `json:"content_path"`
	StudentRepo    string `json:"student_repo"`
	AssignmentRepo string `json:"assignment_repo"`
	Commit         string `json:"commit"`
	ReleasedCommit string `json:"released_commit"`
	// TestsVersion is the content's tests version the run grades with.
	TestsVersion string `json:"tests_version,omitempty"`
}

// TestsCommit is the commit the tests are read at: the tests version, or
// for a run started before versions were recorded, the released commit.
func (r TestRun) TestsCommit() string {
	if r.TestsVersion != "" {
		return r.TestsVersion
	}
	return r.ReleasedCommit
}

// StartTestRun stores a running result of the target for the task
// taskID, once: started again, it finds the same row. It enforces
// max_test_runs, and test_runs_per_hour unless the run grades a
// submission (which max_submissions bounds), under the member's lock: the
// API's check counts only runs that have started, so runs submitted
// together pass it.
func StartTestRun(ctx context.Context, s store.Store, t *Target, taskID, createdBy string, submission bool) (*TestRun, error) {
	perHour := t.Content.TestRunsPerHour
	if submission {
		perHour = 0
	}
	r, err := s.TestResultStart(ctx, store.TestResultStartParams{
		CourseMemberID: t.Member.ID, CourseContentID: t.Content.ID, Commit: t.Commit,
		TaskID: taskID, MaxRuns: t.Content.MaxTestRuns, PerHour: perHour, CreatedBy: createdBy,
		TestsVersion: t.Content.TestsVersion,
	})
	switch {
	case errors.Is(err, derrors.RateLimited):
		return nil, fmt.Errorf("%s: %w", t.Content.Path, err)
	case errors.Is(err, derrors.LimitReached):
		return nil, fmt.Errorf("%w: %s has used all %d test runs of %s",
			derrors.LimitReached, t.Member.Username, t.Content.MaxTestRuns, t.Content.Path)
	case err != nil:
		return nil, fmt.Errorf("store result: %w", err)
	}
	return &TestRun{
		ResultID: r.ID, TaskID: taskID, Username: t.Member.Username, ContentPath: t.Content.Path,
		StudentRepo:    StudentRepoPath(t.Course, t.Member.Username),
		AssignmentRepo: RepoPath(t.Course, AssignmentsRepo),
		Commit:         t.Commit, ReleasedCommit: t.Content.ReleasedCommit, TestsVersion: r.TestsVersion,
	}, nil
}

// GradeTestRun records when the run began (began; the first time
// recorded stays, and the API's waiting estimates learn from it) and
// grades the commit in the sandbox (see GradeCommit). It stores nothing
// else, so running it again is safe.
func GradeTestRun(ctx context.Context, s store.Store, repos git.Service, runner sandbox.Runner, r TestRun, began time.Time) (*grading.Summary, error) {
	if err := s.TestResultRunStarted(ctx, r.TaskID, began); err != nil {
		return nil, err
	}
	return GradeCommit(ctx, repos, runner, GradedCommit{
		AssignmentRepo: r.AssignmentRepo, TestsCommit: r.TestsCommit(), ContentPath: r.ContentPath,
		StudentRepo: r.StudentRepo, Commit: r.Commit,
	})
}

// FinishedTestRun returns the summary of the task's result when it is
// finished already: a step that grades and stores, run again after it
// stored (its worker died before Temporal heard of it), returns what was
// stored instead of grading a second time. It returns nil while the
// result runs; a result that ended in an error is derrors.Conflict.
func FinishedTestRun(ctx context.Context, s store.Store, taskID string) (*grading.Summary, error) {
	r, err := s.TestResultGetByTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case store.ResultRunning:
		return nil, nil
	case store.ResultFinished:
		var sum grading.Summary
		if err := json.Unmarshal(r.Summary, &sum); err != nil {
			return nil, fmt.Errorf("stored summary of %s: %w", taskID, err)
		}
		return &sum, nil
	default:
		return nil, fmt.Errorf("%w: the result of %s ended as %s", derrors.Conflict, taskID, r.Status)
	}
}

// FinishTestRun stores the outcome of the task's run: a summary (the
// student's score), or, when sum is nil, the platform's or the tests'
// error errMsg, which counts for no limit. Finishing again with the same
// outcome is harmless.
func FinishTestRun(ctx context.Context, s store.Store, taskID string, sum *grading.Summary, errMsg string) error {
	p := store.TestResultFinishParams{TaskID: taskID, Status: store.ResultError}
	if sum != nil {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		p.Status, p.Score, p.Summary = store.ResultFinished, sum.Score, b
	} else {
		p.Summary, _ = json.Marshal(map[string]string{"error": errMsg})
	}
	_, err := s.TestResultFinish(ctx, p)
	return err
}

// GradeAndStore grades the run (GradeTestRun) and stores its summary
// (FinishTestRun), once: run again after it stored, it returns the stored
// summary instead of grading a second time.
func GradeAndStore(ctx context.Context, s store.Store, repos git.Service, runner sandbox.Runner, r TestRun, began time.Time) (*grading.Summary, error) {
	if sum, err := FinishedTestRun(ctx, s, r.TaskID); err != nil || sum != nil {
		return sum, err
	}
	sum, err := GradeTestRun(ctx, s, repos, runner, r, began)
	if err != nil {
		return nil, err
	}
	if err := FinishTestRun(ctx, s, r.TaskID, sum, ""); err != nil {
		return nil, fmt.Errorf("store the result: %w", err)
	}
	return sum, nil
}

// TopPrioritySubmissionsPerHour is how many submissions of one content a
// member makes in an hour at the submissions' priority; later ones run at
// the practice runs'. Without it, a content with unlimited max_submissions
// would let a student put any number of runs ahead of everyone's practice
// runs by submitting instead of testing.
const TopPrioritySubmissionsPerHour = 3

// SubmissionRunsAsPractice says whether the member's submission of the
// content made at `at` is beyond TopPrioritySubmissionsPerHour in the
// hour up to it (it included).
func SubmissionRunsAsPractice(ctx context.Context, s store.Store, memberID, contentID string, at time.Time) (bool, error) {
	n, err := s.SubmissionsSince(ctx, memberID, contentID, at.Add(-time.Hour), at)
	return n > TopPrioritySubmissionsPerHour, err
}

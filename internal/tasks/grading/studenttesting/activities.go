package studenttesting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Run is a started test run: what the run activity needs.
type Run struct {
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

// Start resolves the target and stores a running result, once per task:
// retried, it finds the same row. max_test_runs is enforced here.
func (a *Activities) Start(ctx context.Context, in Input) (*Run, error) {
	t, err := course.ResolveTarget(ctx, a.deps.Store, a.deps.Repos, in.CourseMember, in.Content, in.Commit)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	perHour := t.Content.TestRunsPerHour
	if in.Submission {
		perHour = 0
	}
	// Checked again here, under the member's lock: the API's check counts
	// only runs that have started, so runs submitted together pass it.
	r, err := a.deps.Store.TestResultStart(ctx, store.TestResultStartParams{
		CourseMemberID: t.Member.ID, CourseContentID: t.Content.ID, Commit: t.Commit,
		TaskID: in.TaskID, MaxRuns: t.Content.MaxTestRuns, PerHour: perHour, CreatedBy: in.Submitter,
		TestsVersion: t.Content.TestsVersion,
	})
	if errors.Is(err, derrors.RateLimited) {
		return nil, tasks.ActivityError(fmt.Errorf("%s: %w", t.Content.Path, err))
	}
	if errors.Is(err, derrors.LimitReached) {
		return nil, tasks.ActivityError(fmt.Errorf("%w: %s has used all %d test runs of %s",
			derrors.LimitReached, t.Member.Username, t.Content.MaxTestRuns, t.Content.Path))
	}
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("store result: %w", err))
	}
	return &Run{
		ResultID: r.ID, TaskID: in.TaskID, Username: t.Member.Username, ContentPath: t.Content.Path,
		StudentRepo:    course.StudentRepoPath(t.Course, t.Member.Username),
		AssignmentRepo: course.RepoPath(t.Course, course.AssignmentsRepo),
		Commit:         t.Commit, ReleasedCommit: t.Content.ReleasedCommit, TestsVersion: r.TestsVersion,
	}, nil
}

// Run grades the student's commit in the sandbox (see
// course.GradeCommit). It records when it began, which the API's waiting
// estimates learn from, and has no other outside effect, so a retry is
// safe.
func (a *Activities) Run(ctx context.Context, r Run) (*grading.Summary, error) {
	if err := a.deps.Store.TestResultRunStarted(ctx, r.TaskID, activity.GetInfo(ctx).StartedTime); err != nil {
		return nil, err
	}
	defer tasks.Heartbeat(ctx, tasks.Progress{Percent: 50, Message: "running tests of " + r.ContentPath})()
	sum, err := course.GradeCommit(ctx, a.deps.Repos, a.deps.Sandbox, course.GradedCommit{
		AssignmentRepo: r.AssignmentRepo, TestsCommit: r.testsCommit(), ContentPath: r.ContentPath,
		StudentRepo: r.StudentRepo, Commit: r.Commit,
	})
	var spec *course.SpecError
	if errors.As(err, &spec) {
		return nil, temporal.NewNonRetryableApplicationError(spec.Msg, ErrTypeTestSpec, err)
	}
	return sum, err
}

// testsCommit is the commit the tests are read at: the tests version, or
// for a run started before versions were recorded, the released commit.
func (r Run) testsCommit() string {
	if r.TestsVersion != "" {
		return r.TestsVersion
	}
	return r.ReleasedCommit
}

// FinishInput ends a stored result.
type FinishInput struct {
	TaskID  string           `json:"task_id"`
	Status  string           `json:"status"`
	Score   float64          `json:"score"`
	Summary *grading.Summary `json:"summary,omitempty"`
	Error   string           `json:"error,omitempty"`
}

// Finish records the outcome; finishing again is harmless.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	var summary json.RawMessage
	if in.Summary != nil {
		b, err := json.Marshal(in.Summary)
		if err != nil {
			return err
		}
		summary = b
	} else if in.Error != "" {
		b, _ := json.Marshal(map[string]string{"error": in.Error})
		summary = b
	}
	_, err := a.deps.Store.TestResultFinish(ctx, store.TestResultFinishParams{
		TaskID: in.TaskID, Status: in.Status, Score: in.Score, Summary: summary,
	})
	return tasks.ActivityError(err)
}

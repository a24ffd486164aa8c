package studenttesting

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"

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

// Run is a started test run: what the grading step needs.
type Run = course.TestRun

// Start resolves the target and stores a running result, once per task:
// retried, it finds the same row. max_test_runs is enforced here.
func (a *Activities) Start(ctx context.Context, in Input) (*Run, error) {
	t, err := course.ResolveTarget(ctx, a.deps.Store, a.deps.Repos, in.CourseMember, in.Content, in.Commit)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	r, err := course.StartTestRun(ctx, a.deps.Store, t, in.TaskID, in.Submitter, in.Submission)
	return r, tasks.ActivityError(err)
}

// Grade grades the student's commit in the sandbox and stores the
// result, once: a retry after it stored returns the stored summary (see
// course.GradeAndStore).
func (a *Activities) Grade(ctx context.Context, r Run) (*grading.Summary, error) {
	return tasks.TestStep(ctx, "running tests of "+r.ContentPath, func() (*grading.Summary, error) {
		return course.GradeAndStore(ctx, a.deps.Store, a.deps.Repos, a.deps.Sandbox, r, activity.GetInfo(ctx).StartedTime)
	})
}

// Run grades the student's commit in the sandbox, for tasks started
// before Grade: the result is stored by Finish.
func (a *Activities) Run(ctx context.Context, r Run) (*grading.Summary, error) {
	return tasks.TestStep(ctx, "running tests of "+r.ContentPath, func() (*grading.Summary, error) {
		return course.GradeTestRun(ctx, a.deps.Store, a.deps.Repos, a.deps.Sandbox, r, activity.GetInfo(ctx).StartedTime)
	})
}

// FinishInput ends a stored result.
type FinishInput struct {
	TaskID  string           `json:"task_id"`
	Status  string           `json:"status"`
	Score   float64          `json:"score"`
	Summary *grading.Summary `json:"summary,omitempty"`
	Error   string           `json:"error,omitempty"`
}

// Finish records the outcome; finishing again is harmless. An error for
// a run that stored its score before it failed (cancelled or timed out
// just after) leaves the score: the run graded the commit.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	var sum *grading.Summary
	if in.Status == store.ResultFinished {
		sum = in.Summary
		if sum == nil {
			sum = &grading.Summary{Score: in.Score}
		}
	}
	err := course.FinishTestRun(ctx, a.deps.Store, in.TaskID, sum, in.Error)
	if sum == nil && errors.Is(err, derrors.Conflict) {
		// Ended already (a score, or an error stored by an earlier
		// attempt): it stays. A failed read is retried.
		r, rerr := a.deps.Store.TestResultGetByTask(ctx, in.TaskID)
		switch {
		case rerr != nil:
			return rerr
		case r.Status != store.ResultRunning:
			err = nil
		}
	}
	return tasks.ActivityError(err)
}

package regradecontent

import (
	"context"
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// PlanInput is what the plan activity gets.
type PlanInput struct {
	Params
	tasks.Origin
}

// Common is what every member's regrade shares.
type Common struct {
	ContentPath    string `json:"content_path"`
	AssignmentRepo string `json:"assignment_repo"`
	TestsVersion   string `json:"tests_version"`
}

// Plan is the regrade's targets, read once: a resumed regrade goes on
// with the same list.
type Plan struct {
	Common
	Targets []Target `json:"targets"`
}

// Target is one result to regrade.
type Target struct {
	ResultID     string  `json:"result_id"`
	CourseMember string  `json:"course_member"`
	Username     string  `json:"username"`
	StudentRepo  string  `json:"student_repo"`
	Commit       string  `json:"commit"`
	Status       string  `json:"status"`
	Score        float64 `json:"score"`
}

// Plan lists the outdated results the scope selects.
func (a *Activities) Plan(ctx context.Context, in PlanInput) (*Plan, error) {
	cc, err := course.Content(ctx, a.deps.Store, in.Course, in.Content)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	crs, err := a.deps.Store.CourseGet(ctx, cc.CourseID)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	version := cc.TestsVersion
	if version == "" {
		version = cc.ReleasedCommit
	}
	rs, err := a.deps.Store.RegradeTargets(ctx, cc.ID, in.Scope)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("list what to regrade: %w", err))
	}
	pl := &Plan{Common: Common{ContentPath: cc.Path, AssignmentRepo: course.RepoPath(crs, course.AssignmentsRepo), TestsVersion: version},
		Targets: make([]Target, 0, len(rs))}
	for _, r := range rs {
		pl.Targets = append(pl.Targets, Target{ResultID: r.ID, CourseMember: r.CourseMemberID, Username: r.Username,
			StudentRepo: course.StudentRepoPath(crs, r.Username), Commit: r.Commit, Status: r.Status, Score: r.Score})
	}
	return pl, nil
}

// RegradeInput is one member's regrade.
type RegradeInput struct {
	Target
	Plan      Common `json:"plan"`
	TaskID    string `json:"task_id"`
	Submitter string `json:"submitter"`
}

// Outcome is a member's new result.
type Outcome struct {
	ResultID  string  `json:"result_id"`
	NewStatus string  `json:"new_status"`
	NewScore  float64 `json:"new_score"`
	// Before says the result was regraded before (by an earlier attempt
	// or another regrade task), not now.
	Before bool `json:"before,omitempty"`
}

// Regrade grades the target's commit on the plan's tests version and
// stores the result in place of the target. A target regraded before is
// not graded again: its regrade is returned.
func (a *Activities) Regrade(ctx context.Context, in RegradeInput) (*Outcome, error) {
	src, err := a.deps.Store.TestResultGet(ctx, in.ResultID)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	// Regraded since the plan (by an earlier attempt, or by another
	// regrade): done if on this tests version, else regrade the current.
	for src.SupersededBy != "" {
		if src, err = a.deps.Store.TestResultGet(ctx, src.SupersededBy); err != nil {
			return nil, tasks.ActivityError(err)
		}
	}
	if src.ID != in.ResultID && src.TestsVersion == in.Plan.TestsVersion {
		return &Outcome{ResultID: src.ID, NewStatus: src.Status, NewScore: src.Score, Before: true}, nil
	}
	began := activity.GetInfo(ctx).StartedTime
	sum, err := tasks.TestStep(ctx, "regrading "+in.Username, func() (*grading.Summary, error) {
		return course.GradeCommit(ctx, a.deps.Repos, a.deps.Sandbox, course.GradedCommit{
			AssignmentRepo: in.Plan.AssignmentRepo, TestsCommit: in.Plan.TestsVersion, ContentPath: in.Plan.ContentPath,
			StudentRepo: in.StudentRepo, Commit: in.Commit,
		})
	})
	if err != nil {
		return nil, err // a test.yaml to fix, or the platform's: retried
	}
	summary, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	r, _, err := a.deps.Store.TestResultRegrade(ctx, store.TestResultRegradeParams{
		SourceID: src.ID, TaskID: in.TaskID + "/" + src.ID, TestsVersion: in.Plan.TestsVersion,
		Status: store.ResultFinished, Score: sum.Score, Summary: summary, RunStartedAt: began, CreatedBy: in.Submitter,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("store the regrade of %s: %w", in.Username, err))
	}
	return &Outcome{ResultID: r.ID, NewStatus: r.Status, NewScore: r.Score}, nil
}

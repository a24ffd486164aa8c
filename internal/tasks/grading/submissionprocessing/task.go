// Package submissionprocessing is the submission_processing task: it checks
// that the commit exists in the student's repository and that the
// assignment's max_submissions is not used up, records a submission, runs
// student_testing on it as a child workflow, and marks that stored result
// as the graded submission.
package submissionprocessing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "submission_processing"

// Durable activity names.
const (
	ActivitySubmit = "submission_processing.submit"
	ActivityLink   = "submission_processing.link"
)

// Typed references to the activities.
var (
	submit = tasks.ActivityRef[Input, *store.Submission]{Name: ActivitySubmit}
	link   = tasks.ActivityRef[LinkInput, tasks.None]{Name: ActivityLink}
)

// LinkInput names a submission and the test result that grades it: by
// id, or by the task that made it (ResultTask) when the run failed.
type LinkInput struct {
	SubmissionID string `json:"submission_id"`
	ResultID     string `json:"result_id"`
	ResultTask   string `json:"result_task,omitempty"`
}

// Params are the task's parameters.
type Params struct {
	CourseMember string `json:"course_member" param:"required,minlen=1" doc:"The course member (id) who submits."`
	Content      string `json:"content" param:"required,minlen=1" doc:"The assignment, by path or id."`
	Commit       string `json:"commit" param:"required,minlen=40,maxlen=64" doc:"The commit of the student's repository to grade: its full hash (40 or 64 hex digits), so that what is graded is fixed when the submission is accepted."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	if err := store.ValidCommit(p.Commit); err != nil {
		return derrors.AsInvalidField("commit", err)
	}
	// A short hash could name a branch instead (git prefers a ref), which
	// the student could move after the deadline while the submission waits.
	if len(p.Commit) != 40 && len(p.Commit) != 64 {
		return derrors.InvalidField("commit", "must be the full hash (40 or 64 hex digits), not an abbreviation")
	}
	return nil
}

// Result is what the task returns.
type Result struct {
	SubmissionID string `json:"submission_id"`
	// Ordinal is the submission's place among the member's submissions of
	// the content, from 1; Late says it came after their deadline. The
	// gradebook applies the content's penalties to the test run's score.
	Ordinal int      `json:"ordinal"`
	Late    bool     `json:"late"`
	Test    *TestRun `json:"test"`
}

// TestRun is the test run of the submission: the result of the testing
// task (student_testing) that runs as a child workflow. Only its JSON,
// like its parameters (testParams), binds the two task types.
type TestRun struct {
	ResultID string           `json:"result_id"`
	Commit   string           `json:"commit"`
	Status   string           `json:"status"`
	Score    float64          `json:"score"`
	Summary  *grading.Summary `json:"summary"`
}

// testParams are the testing task's parameters.
type testParams struct {
	CourseMember string `json:"course_member"`
	Content      string `json:"content"`
	Commit       string `json:"commit"`
}

// Task returns the task type; testing is the durable name of the task
// type that tests a commit (student_testing), run as a child workflow.
func Task(d tasks.Deps, testing string) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Records a submission of a commit, grades it with student_testing and marks the result as the graded submission.",
		Access:      "admin, course staff, or the student whose repository it is",
		Defaults:    Params{},
		Workflow:    workflowTesting(testing),
		Activities: []tasks.Activity{
			tasks.Bind(submit, a.Submit),
			tasks.BindNoResult(link, a.Link),
		},
		Timeout:  time.Hour,
		Fairness: func(p Params) string { return p.CourseMember },
		TestRun:  func(id string) (string, int) { return testTaskID(id), tasks.PriorityKeySubmission },
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeMember(ctx, d.Store, c.Subject, p.CourseMember)
		},
		Check: func(ctx context.Context, p Params) error {
			t, err := course.ResolveTarget(ctx, d.Store, d.Repos, p.CourseMember, p.Content, p.Commit)
			if err != nil {
				return err
			}
			// Checked when Temporal is asked to start the task, not when a
			// worker gets to it: a submission made before the deadline
			// counts however long the queue.
			deadline, err := course.EffectiveDeadline(ctx, d.Store, t.Member.ID, t.Content)
			if err != nil {
				return err
			}
			return course.CheckDeadline(t.Content, deadline, time.Now())
		},
	})
}

// Input is what the submit activity gets.
type Input struct {
	Params
	tasks.Origin
}

// workflowTesting is Workflow with the child's task type.
func workflowTesting(testing string) func(workflow.Context, Params) (*Result, error) {
	return func(ctx workflow.Context, p Params) (*Result, error) { return Workflow(ctx, p, testing) }
}

// Workflow records the submission, tests it as a child of task type
// testing, and links the two.
func Workflow(ctx workflow.Context, p Params, testing string) (*Result, error) {
	ao := tasks.ActivityOptions()
	// The class of graded submissions, before practice runs and
	// regrades (see tasks.QueueTests).
	ao.Priority = temporal.Priority{PriorityKey: tasks.PriorityKeySubmission, FairnessKey: p.CourseMember}
	ctx = workflow.WithActivityOptions(ctx, ao)
	origin := tasks.OriginOf(ctx)
	sub, err := submit.Run(ctx, Input{Params: p, Origin: origin})
	if err != nil {
		return nil, err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: testTaskID(origin.TaskID),
		Priority:   temporal.Priority{FairnessKey: p.CourseMember},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			engine.SubmitterKey.ValueSet(origin.Submitter),
		),
	})
	var test TestRun
	err = workflow.ExecuteChildWorkflow(cctx, testing, testParams{
		CourseMember: p.CourseMember, Content: p.Content, Commit: sub.Commit,
	}).Get(ctx, &test)
	if err != nil {
		// The test run failed for the platform's reasons (or the tests'):
		// its stored error is linked all the same, so that the submission
		// counts for no limit and takes no place in line.
		if workflow.GetVersion(ctx, "link-failed-run", workflow.DefaultVersion, 1) == 1 {
			dctx, cancel := workflow.NewDisconnectedContext(ctx)
			defer cancel()
			_, _ = link.Run(dctx, LinkInput{SubmissionID: sub.ID, ResultTask: testTaskID(origin.TaskID)})
		}
		return nil, err
	}
	if _, err := link.Run(ctx, LinkInput{SubmissionID: sub.ID, ResultID: test.ResultID}); err != nil {
		return nil, err
	}
	return &Result{SubmissionID: sub.ID, Ordinal: sub.Ordinal, Late: sub.Late, Test: &test}, nil
}

// testTaskID is the id of the child that tests task id's submission.
func testTaskID(id string) string { return id + "-test" }

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Submit checks the commit and the limit and records the submission, once
// per task.
func (a *Activities) Submit(ctx context.Context, in Input) (*store.Submission, error) {
	t, err := course.ResolveTarget(ctx, a.deps.Store, a.deps.Repos, in.CourseMember, in.Content, in.Commit)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	// Late is judged by when Temporal accepted the submission, not when
	// this worker got to it.
	deadline, err := course.EffectiveDeadline(ctx, a.deps.Store, t.Member.ID, t.Content)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	late := !in.AcceptedAt.IsZero() && course.DeadlinePassed(deadline, in.AcceptedAt)
	s, err := a.deps.Store.SubmissionCreate(ctx, store.SubmissionCreateParams{
		CourseMemberID: t.Member.ID, CourseContentID: t.Content.ID, Commit: t.Commit,
		TaskID: in.TaskID, MaxSubmissions: t.Content.MaxSubmissions, Late: late, CreatedBy: in.Submitter,
	})
	if errors.Is(err, derrors.LimitReached) {
		return nil, tasks.ActivityError(fmt.Errorf("%w: %s has used all %d submissions of %s",
			derrors.LimitReached, t.Member.Username, t.Content.MaxSubmissions, t.Content.Path))
	}
	return s, tasks.ActivityError(err)
}

// Link marks the result as the graded one of the submission. A run
// that failed before it stored a result has nothing to link.
func (a *Activities) Link(ctx context.Context, in LinkInput) error {
	if in.ResultID == "" {
		r, err := a.deps.Store.TestResultGetByTask(ctx, in.ResultTask)
		if errors.Is(err, derrors.NotFound) {
			return nil
		}
		if err != nil {
			return tasks.ActivityError(err)
		}
		in.ResultID = r.ID
	}
	_, err := a.deps.Store.SubmissionSetResult(ctx, in.SubmissionID, in.ResultID)
	return tasks.ActivityError(err)
}

// Package submissionprocessing is the submission_processing task: it checks
// that the commit exists in the student's repository and that the
// assignment's max_submissions is not used up, records a submission,
// grades it in the sandbox as student_testing does (course.GradeAndStore),
// and marks that stored result as the graded submission. Tasks started
// before versionOneWorkflow ran student_testing as a child workflow.
package submissionprocessing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
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

// Durable activity names. Since versionOneWorkflow a task begins (records
// the submission and starts its result), grades and, only when the run
// fails, fails; tasks started before it submit, run the testing task as a
// child and link.
const (
	ActivityBegin  = "submission_processing.begin"
	ActivityGrade  = "submission_processing.grade"
	ActivityFail   = "submission_processing.fail"
	ActivitySubmit = "submission_processing.submit"
	ActivityLink   = "submission_processing.link"
)

// Typed references to the activities.
var (
	begin  = tasks.ActivityRef[Input, *Begun]{Name: ActivityBegin}
	grade  = tasks.ActivityRef[GradeInput, *grading.Summary]{Name: ActivityGrade}
	fail   = tasks.ActivityRef[FailInput, tasks.None]{Name: ActivityFail}
	submit = tasks.ActivityRef[Input, *store.Submission]{Name: ActivitySubmit}
	link   = tasks.ActivityRef[LinkInput, tasks.None]{Name: ActivityLink}
)

// versionOneWorkflow marks tasks that test the submission themselves
// instead of in a child workflow: one workflow and one activity task per
// submission (the short steps are local activities) instead of two and
// five (docs/PERFORMANCE.md). Tasks started before it replay as they ran.
const versionOneWorkflow = "one-workflow"

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

// TestRun is the test run of the submission, as student_testing returns
// it (which, as a child workflow, made it before versionOneWorkflow). Only
// its JSON, like its parameters (testParams), binds the two task types.
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
// type that tests a commit (student_testing), which tasks started before
// versionOneWorkflow run as a child workflow.
func Task(d tasks.Deps, testing string) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Records a submission of a commit, grades it in the sandbox as student_testing does and marks the result as the graded submission.",
		Access:      "admin, course staff, or the student whose repository it is",
		Defaults:    Params{},
		Workflow:    workflowTesting(testing),
		Activities: []tasks.Activity{
			tasks.Bind(begin, a.Begin),
			tasks.Bind(grade, a.Grade),
			tasks.BindNoResult(fail, a.Fail),
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

// Workflow records the submission, tests it, and links the two.
func Workflow(ctx workflow.Context, p Params, testing string) (*Result, error) {
	origin := tasks.OriginOf(ctx)
	if workflow.GetVersion(ctx, versionOneWorkflow, workflow.DefaultVersion, 1) == 1 {
		return oneWorkflow(ctx, p, origin)
	}
	ao := tasks.ActivityOptions()
	// The class of graded submissions, before practice runs and
	// regrades (see tasks.QueueTests).
	ao.Priority = temporal.Priority{PriorityKey: tasks.PriorityKeySubmission, FairnessKey: p.CourseMember}
	ctx = workflow.WithActivityOptions(ctx, ao)
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

// oneWorkflow is Workflow since versionOneWorkflow: a local activity
// records the submission and starts its result, and one step on the test
// queue, in the class of graded submissions, grades, stores and links.
// A run that fails still has its error stored and linked, so that the
// submission counts for no limit and takes no place in line.
func oneWorkflow(ctx workflow.Context, p Params, origin tasks.Origin) (*Result, error) {
	lctx := workflow.WithLocalActivityOptions(ctx, tasks.LocalActivityOptions())
	b, err := begin.RunLocal(lctx, Input{Params: p, Origin: origin})
	if err != nil {
		return nil, err
	}
	key := b.PriorityKey
	if key == 0 {
		key = tasks.PriorityKeySubmission
	}
	sum, runErr := grade.Run(workflow.WithActivityOptions(ctx, tasks.TestRunOptions(key, p.CourseMember)),
		GradeInput{Run: b.Run, SubmissionID: b.Submission.ID})
	if runErr == nil && sum == nil {
		runErr = temporal.NewNonRetryableApplicationError("the test run returned no summary", "NoSummary", nil)
	}
	if runErr != nil {
		dctx, cancel := workflow.NewDisconnectedContext(lctx)
		defer cancel()
		if _, err := fail.RunLocal(dctx, FailInput{Run: b.Run, SubmissionID: b.Submission.ID, Error: tasks.StoredRunError(runErr)}); err != nil {
			return nil, err
		}
		return nil, runErr
	}
	return &Result{SubmissionID: b.Submission.ID, Ordinal: b.Submission.Ordinal, Late: b.Submission.Late, Test: &TestRun{
		ResultID: b.Run.ResultID, Commit: b.Run.Commit, Status: store.ResultFinished, Score: sum.Score, Summary: sum,
	}}, nil
}

// testTaskID is the id of the child that tests task id's submission, and
// since versionOneWorkflow the task id of its stored result.
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
	return a.record(ctx, in, t)
}

// record records the submission of t, once per task.
func (a *Activities) record(ctx context.Context, in Input, t *course.Target) (*store.Submission, error) {
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

// Begun is a recorded submission and its started test run, and the
// priority key the run is dispatched at.
type Begun struct {
	Submission  *store.Submission `json:"submission"`
	Run         course.TestRun    `json:"run"`
	PriorityKey int               `json:"priority_key,omitempty"`
}

// Begin checks the commit and the limit, records the submission and
// starts its test run's result, once per task: run again, it finds the
// same rows.
func (a *Activities) Begin(ctx context.Context, in Input) (*Begun, error) {
	t, err := course.ResolveTarget(ctx, a.deps.Store, a.deps.Repos, in.CourseMember, in.Content, in.Commit)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	s, err := a.record(ctx, in, t)
	if err != nil {
		return nil, err
	}
	r, err := course.StartTestRun(ctx, a.deps.Store, t, testTaskID(in.TaskID), in.Submitter, true)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	// Beyond a few an hour, a submission runs as a practice run would
	// (see course.TopPrioritySubmissionsPerHour).
	practice, err := course.SubmissionRunsAsPractice(ctx, a.deps.Store, t.Member.ID, t.Content.ID, s.CreatedAt)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	key := tasks.PriorityKeySubmission
	if practice {
		key = tasks.PriorityKeyPractice
	}
	return &Begun{Submission: s, Run: *r, PriorityKey: key}, nil
}

// GradeInput is a started run and the submission it grades.
type GradeInput struct {
	Run          course.TestRun `json:"run"`
	SubmissionID string         `json:"submission_id"`
}

// Grade grades the submission in the sandbox, stores the result and marks
// it as the graded one, once: a retry after it stored returns the stored
// summary (see course.GradeAndStore).
func (a *Activities) Grade(ctx context.Context, in GradeInput) (*grading.Summary, error) {
	sum, err := tasks.TestStep(ctx, "running tests of "+in.Run.ContentPath, func() (*grading.Summary, error) {
		return course.GradeAndStore(ctx, a.deps.Store, a.deps.Repos, a.deps.Sandbox, in.Run, activity.GetInfo(ctx).StartedTime)
	})
	if err != nil {
		return nil, err
	}
	if _, err := a.deps.Store.SubmissionSetResult(ctx, in.SubmissionID, in.Run.ResultID); err != nil {
		return nil, tasks.ActivityError(err)
	}
	return sum, nil
}

// FailInput is a run that failed: its error is stored and linked.
type FailInput struct {
	Run          course.TestRun `json:"run"`
	SubmissionID string         `json:"submission_id"`
	Error        string         `json:"error"`
}

// Fail stores the error of a run that failed and links the run's result
// to the submission, so that a submission the platform failed to grade
// counts for no limit; doing so again is harmless. A run that stored its
// score before it failed (its link failed, or it was cancelled or timed
// out just after) keeps the score, linked: it graded the submission.
func (a *Activities) Fail(ctx context.Context, in FailInput) error {
	err := course.FinishTestRun(ctx, a.deps.Store, in.Run.TaskID, nil, in.Error)
	if errors.Is(err, derrors.Conflict) {
		// Ended already (a score, or an error stored by an earlier
		// attempt): link what is stored. A failed read is retried.
		r, rerr := a.deps.Store.TestResultGetByTask(ctx, in.Run.TaskID)
		switch {
		case rerr != nil:
			return rerr
		case r.Status != store.ResultRunning:
			err = nil
		}
	}
	if err != nil {
		return tasks.ActivityError(err)
	}
	_, err = a.deps.Store.SubmissionSetResult(ctx, in.SubmissionID, in.Run.ResultID)
	return tasks.ActivityError(err)
}

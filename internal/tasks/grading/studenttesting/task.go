// Package studenttesting is the student_testing task: it tests a commit of
// a student's repository against the kept-back tests of an assignment, in
// the sandbox, and stores the result. A student may test only their own
// repository, course staff any in their course; the assignment's
// max_test_runs bounds the runs per student. Runs are dispatched fairly
// across students: the fairness key is the course member.
package studenttesting

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "student_testing"

// Durable activity names. ActivityRun is the sandbox step of tasks
// started before ActivityGrade (which also stores the result) replaced it.
const (
	ActivityStart  = "student_testing.start"
	ActivityGrade  = "student_testing.grade"
	ActivityRun    = "student_testing.run"
	ActivityFinish = "student_testing.finish"
)

// Typed references to the activities.
var (
	start    = tasks.ActivityRef[Input, *Run]{Name: ActivityStart}
	grade    = tasks.ActivityRef[Run, *grading.Summary]{Name: ActivityGrade}
	runTests = tasks.ActivityRef[Run, *grading.Summary]{Name: ActivityRun}
	finish   = tasks.ActivityRef[FinishInput, tasks.None]{Name: ActivityFinish}
)

// ErrTypeTestSpec is the error type of a test.yaml or meta.yaml that
// cannot be read: not retried, and its message is stored for the student.
const ErrTypeTestSpec = tasks.ErrTypeTestSpec

// versionGradeStep marks tasks that grade and store in one step, with
// the short steps as local activities (2 activity tasks fewer, see
// docs/PERFORMANCE.md); tasks started before it replay as they ran.
const versionGradeStep = "grade-step"

// Params are the task's parameters.
type Params struct {
	CourseMember string `json:"course_member" param:"required,minlen=1" doc:"The course member (id) whose repository is tested."`
	Content      string `json:"content" param:"required,minlen=1" doc:"The assignment, by path or id."`
	Commit       string `json:"commit" param:"maxlen=64" doc:"Commit of the student's repository; default: the head of main."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	if p.Commit != "" {
		if err := store.ValidCommit(p.Commit); err != nil {
			return derrors.AsInvalidField("commit", err)
		}
	}
	return nil
}

// Result is what the task returns and stores.
type Result struct {
	ResultID string           `json:"result_id"`
	Commit   string           `json:"commit"`
	Status   string           `json:"status"`
	Score    float64          `json:"score"`
	Summary  *grading.Summary `json:"summary"`
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Tests a commit of a student's repository against an assignment's tests in the sandbox and stores the result.",
		Access:      "admin, course staff, or the student whose repository it is",
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities: []tasks.Activity{
			tasks.Bind(start, a.Start),
			tasks.Bind(grade, a.Grade),
			tasks.Bind(runTests, a.Run),
			tasks.BindNoResult(finish, a.Finish),
		},
		Timeout:  time.Hour,
		Fairness: func(p Params) string { return p.CourseMember },
		// Submitted by itself, it is a practice run (as the child of a
		// submission_processing task started before that task graded
		// itself, that task's TestRun tells).
		TestRun: func(id string) (string, int) { return id, tasks.PriorityKeyPractice },
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeMember(ctx, d.Store, c.Subject, p.CourseMember)
		},
		Check: func(ctx context.Context, p Params) error {
			t, err := course.ResolveTarget(ctx, d.Store, d.Repos, p.CourseMember, p.Content, p.Commit)
			if err != nil {
				return err
			}
			return course.CheckTestRunRate(ctx, d.Store, t, time.Now())
		},
	})
}

// Input is what the start activity gets.
type Input struct {
	Params
	tasks.Origin
	// Submission says the run grades a submission (the task is a child of
	// submission_processing): test_runs_per_hour bounds practice runs only.
	Submission bool `json:"submission,omitempty"`
}

// activityOptions are the options of the short steps and of the run (see
// tasks.TestRunOptions), at the class of a submission or a practice run.
func activityOptions(member string, submission bool) (short, run workflow.ActivityOptions) {
	key := tasks.PriorityKeyPractice
	if submission {
		key = tasks.PriorityKeySubmission
	}
	// The short steps share the activity queue with the runs: at the
	// run's class, or a regrade's backlog would hold them up.
	short = tasks.ActivityOptions()
	short.Priority = temporal.Priority{PriorityKey: key, FairnessKey: member}
	return short, tasks.TestRunOptions(key, member)
}

// Workflow starts a stored result, grades the commit and stores the
// outcome: a score, or the error that kept the run from one.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	submission := workflow.GetInfo(ctx).ParentWorkflowExecution != nil
	short, run := activityOptions(p.CourseMember, submission)
	if workflow.GetVersion(ctx, versionGradeStep, workflow.DefaultVersion, 1) == 1 {
		return gradeStepWorkflow(ctx, p, submission, run)
	}
	sctx := workflow.WithActivityOptions(ctx, short)
	r, err := start.Run(sctx, Input{Params: p, Origin: tasks.OriginOf(ctx), Submission: submission})
	if err != nil {
		return nil, err
	}
	sum, runErr := runTests.Run(workflow.WithActivityOptions(ctx, run), *r)
	if runErr == nil && sum == nil {
		runErr = temporal.NewNonRetryableApplicationError("the test run returned no summary", "NoSummary", nil)
	}
	var fin FinishInput
	if runErr != nil {
		// Not the student's score: an error, which counts for no limit.
		fin = FinishInput{TaskID: r.TaskID, Status: store.ResultError, Error: tasks.StoredRunError(runErr)}
	} else {
		fin = FinishInput{TaskID: r.TaskID, Status: store.ResultFinished, Score: sum.Score, Summary: sum}
	}
	// The result is finished even when the task was cancelled.
	dctx, cancel := workflow.NewDisconnectedContext(sctx)
	defer cancel()
	if _, err := finish.Run(dctx, fin); err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, runErr
	}
	return &Result{ResultID: r.ResultID, Commit: r.Commit, Status: store.ResultFinished, Score: sum.Score, Summary: sum}, nil
}

// gradeStepWorkflow is Workflow since versionGradeStep: the start as a
// local activity, then one step on the test queue that grades and stores;
// only a run that fails has a third step, which stores its error.
func gradeStepWorkflow(ctx workflow.Context, p Params, submission bool, run workflow.ActivityOptions) (*Result, error) {
	lctx := workflow.WithLocalActivityOptions(ctx, tasks.LocalActivityOptions())
	r, err := start.RunLocal(lctx, Input{Params: p, Origin: tasks.OriginOf(ctx), Submission: submission})
	if err != nil {
		return nil, err
	}
	sum, runErr := grade.Run(workflow.WithActivityOptions(ctx, run), *r)
	if runErr == nil && sum == nil {
		runErr = temporal.NewNonRetryableApplicationError("the test run returned no summary", "NoSummary", nil)
	}
	if runErr != nil {
		// Not the student's score: an error, which counts for no limit,
		// stored even when the task was cancelled.
		dctx, cancel := workflow.NewDisconnectedContext(lctx)
		defer cancel()
		fin := FinishInput{TaskID: r.TaskID, Status: store.ResultError, Error: tasks.StoredRunError(runErr)}
		if _, err := finish.RunLocal(dctx, fin); err != nil {
			return nil, err
		}
		return nil, runErr
	}
	return &Result{ResultID: r.ResultID, Commit: r.Commit, Status: store.ResultFinished, Score: sum.Score, Summary: sum}, nil
}

package releasecourse

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t)
	commit := b.commit(t, assignments, twoAssignments)
	env := tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-1", "lect")
	env.ExecuteWorkflow(Kind, Params{Course: coursePath, Contents: Contents{"sum"}, Ref: "main"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Commit != commit || len(res.Contents) != 1 || res.Contents[0].Path != "sum" {
		t.Errorf("result %+v", res)
	}
	c, err := b.Store.CourseContentGet(b.Ctx, crs.ID, "sum")
	if err != nil || c.ReleasedCommit != commit || c.CreatedBy != "lect" || c.CreatedByTask != "task-1" {
		t.Errorf("content %+v, %v", c, err)
	}
	head, err := b.Git.Resolve(b.Ctx, template, "main")
	if err != nil || head != res.TemplateCommit {
		t.Errorf("template main %s, result %s (%v)", head, res.TemplateCommit, err)
	}

	// A release that cannot work fails at once, for good.
	env = tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-2", "lect")
	env.ExecuteWorkflow(Kind, Params{Course: coursePath, Ref: "no-such-branch"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || !app.NonRetryable() {
		t.Errorf("workflow at a missing ref: %v, want a non-retryable failure", err)
	}
}

package releasecourse

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy"
)

// newEnv returns a test workflow environment with the task type registered
// on real dependencies, started as task id by submitter.
func newEnv(t *testing.T, deps hierarchy.Deps, id, submitter string) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(engine.SubmitterKey.ValueSet(submitter))); err != nil {
		t.Fatal(err)
	}
	Task(deps).Register(env)
	return env
}

func TestWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	course := b.newCourse(t)
	commit := b.commit(t, assignments, twoAssignments)
	env := newEnv(t, b.Deps, "task-1", "lect")
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
	c, err := b.Store.CourseContentGet(b.Ctx, course.ID, "sum")
	if err != nil || c.ReleasedCommit != commit || c.CreatedBy != "lect" || c.CreatedByTask != "task-1" {
		t.Errorf("content %+v, %v", c, err)
	}
	head, err := b.Git.Resolve(b.Ctx, template, "main")
	if err != nil || head != res.TemplateCommit {
		t.Errorf("template main %s, result %s (%v)", head, res.TemplateCommit, err)
	}

	// A release that cannot work fails at once, for good.
	env = newEnv(t, b.Deps, "task-2", "lect")
	env.ExecuteWorkflow(Kind, Params{Course: coursePath, Ref: "no-such-branch"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || !app.NonRetryable() {
		t.Errorf("workflow at a missing ref: %v, want a non-retryable failure", err)
	}
}

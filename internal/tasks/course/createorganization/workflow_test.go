package createorganization

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestWorkflow(t *testing.T) {
	t.Parallel()
	b := tasktest.Setup(t)
	env := tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-1", "root")
	env.ExecuteWorkflow(Kind, Params{Path: "tugraz", Title: "TU Graz"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var org store.Organization
	if err := env.GetWorkflowResult(&org); err != nil {
		t.Fatal(err)
	}
	// The activity acts on behalf of the submitter, as the task.
	if org.ID == "" || org.Path != "tugraz" || org.CreatedBy != "root" || org.CreatedByTask != "task-1" {
		t.Errorf("result %+v", org)
	}

	// Another task of the same path fails at once, for good.
	env = tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-2", "root")
	env.ExecuteWorkflow(Kind, Params{Path: "tugraz", Title: "TU Graz"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != tasks.ErrTypeConflict || !app.NonRetryable() {
		t.Errorf("second workflow: %v, want a non-retryable conflict", err)
	}
}

package createorganization

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
	"github.com/computor-org/computor-go/internal/store"
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
	env := newEnv(t, b.Deps, "task-1", "root")
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
	env = newEnv(t, b.Deps, "task-2", "root")
	env.ExecuteWorkflow(Kind, Params{Path: "tugraz", Title: "TU Graz"})
	var app *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &app) || app.Type() != hierarchy.ErrTypeConflict || !app.NonRetryable() {
		t.Errorf("second workflow: %v, want a non-retryable conflict", err)
	}
}

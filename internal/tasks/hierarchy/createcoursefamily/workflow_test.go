package createcoursefamily

import (
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
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, b.Deps, "task-1", "root")
	env.ExecuteWorkflow(Kind, Params{Organization: "tugraz", Path: "progphys", Title: "P"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var f store.CourseFamily
	if err := env.GetWorkflowResult(&f); err != nil {
		t.Fatal(err)
	}
	if f.FullPath != "tugraz.progphys" || f.CreatedBy != "root" || f.CreatedByTask != "task-1" {
		t.Errorf("result %+v", f)
	}
}

package createcourse

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
	f := b.family(t)
	env := newEnv(t, b.Deps, "task-1", "root")
	env.ExecuteWorkflow(Kind, Params{CourseFamily: f.ID, Path: "2026", Title: "P 2026"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Course == nil || res.Course.FullPath != "tugraz.progphys.2026" || res.Course.CreatedBy != "root" || res.Course.CreatedByTask != "task-1" ||
		len(res.Groups) != 1 || res.Repositories[hierarchy.StudentTemplateRepo] != "tugraz/progphys/2026/student-template.git" {
		t.Fatalf("result %+v", res)
	}
	for _, name := range []string{hierarchy.AssignmentsRepo, hierarchy.StudentTemplateRepo} {
		if ok, err := b.Git.Exists(b.Ctx, hierarchy.RepoPath(res.Course, name)); err != nil || !ok {
			t.Errorf("repository %s: %v, %v", name, ok, err)
		}
	}
	if _, err := b.Store.CourseGet(b.Ctx, res.Course.ID); err != nil {
		t.Errorf("course row: %v", err)
	}
}

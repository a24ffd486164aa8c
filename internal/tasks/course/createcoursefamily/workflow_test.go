package createcoursefamily

import (
	"testing"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestWorkflow(t *testing.T) {
	t.Parallel()
	b := tasktest.Setup(t)
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	env := tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-1", "root")
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

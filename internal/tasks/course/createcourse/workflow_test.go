package createcourse

import (
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.family(t)
	env := tasktest.NewWorkflowEnv(t, Task(b.Deps), "task-1", "root")
	env.ExecuteWorkflow(Kind, Params{CourseFamily: f.ID, Path: "2026", Title: "P 2026"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Course == nil || res.Course.FullPath != "tugraz.progphys.2026" || res.Course.CreatedBy != "root" || res.Course.CreatedByTask != "task-1" ||
		len(res.Groups) != 1 || res.Repositories[course.StudentTemplateRepo] != "tugraz/progphys/2026/student-template.git" {
		t.Fatalf("result %+v", res)
	}
	for _, name := range []string{course.AssignmentsRepo, course.StudentTemplateRepo} {
		if ok, err := b.Git.Exists(b.Ctx, course.RepoPath(res.Course, name)); err != nil || !ok {
			t.Errorf("repository %s: %v, %v", name, ok, err)
		}
	}
	if _, err := b.Store.CourseGet(b.Ctx, res.Course.ID); err != nil {
		t.Errorf("course row: %v", err)
	}
}

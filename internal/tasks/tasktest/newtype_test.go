package tasktest_test

import (
	"context"
	"strings"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// A new task type is one package like this file: parameters that name and
// validate themselves, a workflow, its activities, and a Task function
// for the catalog's one line. Nothing else in the code names it; the
// API, the worker and the end-to-end tests take their lists from the
// catalog, and the golden schema and replay history are generated
// (-update, -record).

type greetParams struct {
	Name string `json:"name" param:"required,maxlen=50" doc:"Who to greet."`
}

func (greetParams) Kind() string    { return "example_greet" }
func (greetParams) Validate() error { return nil }

type greeting struct {
	Text string `json:"text"`
}

var greet = tasks.ActivityRef[string, greeting]{Name: "example_greet.greet"}

func greetWorkflow(ctx workflow.Context, p greetParams) (greeting, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return greet.Run(ctx, p.Name)
}

func greetTask() *tasks.Type {
	return tasks.New(tasks.Spec[greetParams, greeting]{
		Description: "Greets someone.",
		Workflow:    greetWorkflow,
		Activities: []tasks.Activity{tasks.Bind(greet, func(_ context.Context, name string) (greeting, error) {
			return greeting{Text: "Hello, " + name}, nil
		})},
	})
}

// TestNewTaskType runs the tiny task type above through the kit: its
// parameters, its place in a registry, and its workflow on its activity.
func TestNewTaskType(t *testing.T) {
	t.Parallel()
	typ := greetTask()
	tasktest.DecodeParams(t, typ, []tasktest.ParamCase{
		{Name: "ok", Body: `{"name":"Ada"}`, Want: greetParams{Name: "Ada"}},
		{Name: "missing", Body: `{}`, Fields: []string{"name"}},
		{Name: "too long", Body: `{"name":"` + strings.Repeat("x", 51) + `"}`, Fields: []string{"name"}},
		{Name: "unknown field", Body: `{"name":"Ada","admin":true}`, Fields: []string{"admin"}},
	})
	reg, err := tasks.NewRegistry(typ)
	if err != nil {
		t.Fatal(err)
	}
	if names := reg.Names(); len(names) != 1 || names[0] != "example_greet" {
		t.Fatalf("registry names %v", names)
	}
	env := tasktest.NewWorkflowEnv(t, typ, "example_greet-1", "ada")
	env.ExecuteWorkflow("example_greet", greetParams{Name: "Ada"})
	var out greeting
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if err := env.GetWorkflowResult(&out); err != nil || out.Text != "Hello, Ada" {
		t.Fatalf("result %+v (%v)", out, err)
	}
}

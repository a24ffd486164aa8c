package longrunning

import (
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(), []tasktest.ParamCase{
		{Name: "defaults", Body: `{}`, Want: Params{Duration: 10}},
		{Name: "zero duration", Body: `{"duration":0}`, Want: Params{Duration: 0}},
		{Name: "max duration", Body: `{"duration":3600,"message":"hi"}`, Want: Params{Duration: 3600, Message: "hi"}},
		{Name: "longest message", Body: `{"message":"` + strings.Repeat("é", 1000) + `"}`, Want: Params{Duration: 10, Message: strings.Repeat("é", 1000)}},
		{Name: "negative duration", Body: `{"duration":-1}`, Fields: []string{"duration"}},
		{Name: "duration too long", Body: `{"duration":3601}`, Fields: []string{"duration"}},
		{Name: "fractional duration", Body: `{"duration":1.5}`, Fields: []string{"duration"}},
		{Name: "message too long", Body: `{"message":"` + strings.Repeat("x", 1001) + `"}`, Fields: []string{"message"}},
		{Name: "unknown field", Body: `{"seconds":5}`, Fields: []string{"seconds"}},
	})
}

func TestTask(t *testing.T) {
	t.Parallel()
	task := Task()
	if task.Name() != Kind || task.Description() == "" || len(task.Roles()) != 0 || task.Timeout() <= 0 {
		t.Errorf("task = %s %q roles %v timeout %v", task.Name(), task.Description(), task.Roles(), task.Timeout())
	}
	if _, err := tasks.NewRegistry(task); err != nil {
		t.Fatal(err)
	}
}

package errorhandling

import (
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(), []tasktest.ParamCase{
		{Name: "defaults", Body: `{}`, Want: Params{ErrorType: "retryable"}},
		{Name: "override", Body: `{"should_fail":true,"fail_attempts":10,"error_type":"timeout"}`,
			Want: Params{ShouldFail: true, FailAttempts: 10, ErrorType: "timeout"}},
		{Name: "negative attempts", Body: `{"fail_attempts":-1}`, Fields: []string{"fail_attempts"}},
		{Name: "too many attempts", Body: `{"fail_attempts":11}`, Fields: []string{"fail_attempts"}},
		{Name: "unknown error type", Body: `{"error_type":"fatal"}`, Fields: []string{"error_type"}},
		{Name: "string for bool", Body: `{"should_fail":"yes"}`, Fields: []string{"should_fail"}},
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

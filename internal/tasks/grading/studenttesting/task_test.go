package studenttesting

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestParams(t *testing.T) {
	t.Parallel()
	commit := strings.Repeat("a", 40)
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "member and content", Body: `{"course_member":"m1","content":"week1.sum"}`,
			Want: Params{CourseMember: "m1", Content: "week1.sum"}},
		{Name: "with commit", Body: `{"course_member":"m1","content":"c","commit":"` + commit + `"}`,
			Want: Params{CourseMember: "m1", Content: "c", Commit: commit}},
		{Name: "nothing", Body: `{}`, Fields: []string{"course_member", "content"}},
		{Name: "empty member", Body: `{"course_member":"","content":"c"}`, Fields: []string{"course_member"}},
		{Name: "commit not hex", Body: `{"course_member":"m","content":"c","commit":"HEAD~1"}`, Fields: []string{"commit"}},
		{Name: "commit option", Body: `{"course_member":"m","content":"c","commit":"--upload-pack=x"}`, Fields: []string{"commit"}},
		{Name: "score forged", Body: `{"course_member":"m","content":"c","score":1}`, Fields: []string{"score"}},
	})
}

// The workflow's own rules, with its activities replaced: the grading
// step stores a score itself, and a run that fails has its error stored
// once, saying what students may read.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	sum := &grading.Summary{Total: 1, Passed: 1, Score: 1, Tests: []grading.TestResult{}}
	for _, tc := range []struct {
		name      string
		run       func() (*grading.Summary, error)
		status    string
		stored    string // in the stored result's error
		notStored string // never in it
		errType   string // the workflow's error type; "" when it finishes
	}{
		{name: "passes", run: func() (*grading.Summary, error) { return sum, nil }, status: store.ResultFinished},
		{name: "bad test.yaml", status: store.ResultError, errType: ErrTypeTestSpec,
			run: func() (*grading.Summary, error) {
				return nil, temporal.NewNonRetryableApplicationError("test.yaml line 3: unknown key", ErrTypeTestSpec, nil)
			},
			stored: "test.yaml line 3: unknown key"},
		{name: "platform failure", status: store.ResultError, errType: "Platform",
			run: func() (*grading.Summary, error) {
				return nil, temporal.NewNonRetryableApplicationError("open /var/lib/computor/work/x: permission denied", "Platform", nil)
			},
			stored: "not because of the submission", notStored: "/var/lib"},
		{name: "no summary", status: store.ResultError, errType: "NoSummary",
			run:    func() (*grading.Summary, error) { return nil, nil },
			stored: "not because of the submission"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
			env := s.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: Kind})
			env.RegisterActivityWithOptions(func(_ context.Context, in Input) (*Run, error) {
				return &Run{ResultID: "r1", TaskID: in.TaskID, Commit: "abc1"}, nil
			}, activity.RegisterOptions{Name: ActivityStart})
			env.RegisterActivityWithOptions(func(context.Context, Run) (*grading.Summary, error) { return tc.run() },
				activity.RegisterOptions{Name: ActivityGrade})
			var finished []FinishInput
			env.RegisterActivityWithOptions(func(_ context.Context, in FinishInput) error {
				finished = append(finished, in)
				return nil
			}, activity.RegisterOptions{Name: ActivityFinish})

			env.ExecuteWorkflow(Kind, Params{CourseMember: "m1", Content: "c"})
			err := env.GetWorkflowError()
			if tc.errType == "" {
				var res Result
				if err != nil || env.GetWorkflowResult(&res) != nil || res.Score != 1 || res.ResultID != "r1" || res.Status != tc.status {
					t.Fatalf("workflow: %v, result %+v", err, res)
				}
				if len(finished) != 0 {
					t.Fatalf("finish ran for a graded run (the grading step stores it): %+v", finished)
				}
				return
			}
			if len(finished) != 1 {
				t.Fatalf("finish ran %d times, want once", len(finished))
			}
			f := finished[0]
			if f.Status != tc.status || !strings.Contains(f.Error, tc.stored) ||
				(tc.notStored != "" && strings.Contains(f.Error, tc.notStored)) {
				t.Fatalf("stored %+v, want status %s and an error with %q", f, tc.status, tc.stored)
			}
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != tc.errType {
				t.Fatalf("workflow error %v, want type %s", err, tc.errType)
			}
		})
	}
}

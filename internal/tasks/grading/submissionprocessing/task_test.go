package submissionprocessing

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

const testingKind = "student_testing"

func TestParams(t *testing.T) {
	t.Parallel()
	commit := strings.Repeat("b", 40)
	tasktest.DecodeParams(t, Task(tasks.Deps{}, testingKind), []tasktest.ParamCase{
		{Name: "ok", Body: `{"course_member":"m1","content":"week1.sum","commit":"` + commit + `"}`,
			Want: Params{CourseMember: "m1", Content: "week1.sum", Commit: commit}},
		{Name: "no commit", Body: `{"course_member":"m1","content":"c"}`, Fields: []string{"commit"}},
		{Name: "short commit", Body: `{"course_member":"m1","content":"c","commit":"ab"}`, Fields: []string{"commit"}},
		{Name: "an abbreviated hash, which a branch could shadow", Body: `{"course_member":"m1","content":"c","commit":"cafe1234"}`, Fields: []string{"commit"}},
		{Name: "ref, not a commit", Body: `{"course_member":"m1","content":"c","commit":"main"}`, Fields: []string{"commit"}},
		{Name: "nothing", Body: `{}`, Fields: []string{"course_member", "content", "commit"}},
		{Name: "result forged", Body: `{"course_member":"m","content":"c","commit":"` + commit + `","result_id":"x"}`, Fields: []string{"result_id"}},
	})
}

// The workflow's order, with its activities and the testing child
// replaced: the submission is recorded first, linked only to a test run
// that ended, and the test runs as a child named after the task.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		submitErr error
		childErr  error
		linked    bool
		errType   string
	}{
		{name: "graded", linked: true},
		{name: "limit reached", errType: tasks.ErrTypeLimitReached,
			submitErr: temporal.NewNonRetryableApplicationError("all 3 submissions used", tasks.ErrTypeLimitReached, nil)},
		{name: "test failed", errType: "Platform",
			childErr: temporal.NewNonRetryableApplicationError("sandbox gone", "Platform", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
			env := s.NewTestWorkflowEnvironment()
			env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "submission_processing-1"})
			env.RegisterWorkflowWithOptions(workflowTesting(testingKind), workflow.RegisterOptions{Name: Kind})
			var childID string
			var tested testParams
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, p testParams) (*TestRun, error) {
				childID, tested = workflow.GetInfo(ctx).WorkflowExecution.ID, p
				if tc.childErr != nil {
					return nil, tc.childErr
				}
				return &TestRun{ResultID: "r1", Commit: p.Commit, Status: store.ResultFinished, Score: 0.5}, nil
			}, workflow.RegisterOptions{Name: testingKind})
			env.RegisterActivityWithOptions(func(_ context.Context, in Input) (*store.Submission, error) {
				if tc.submitErr != nil {
					return nil, tc.submitErr
				}
				return &store.Submission{Meta: store.Meta{ID: "s1"}, Commit: in.Commit}, nil
			}, activity.RegisterOptions{Name: ActivitySubmit})
			var links []LinkInput
			env.RegisterActivityWithOptions(func(_ context.Context, in LinkInput) error {
				links = append(links, in)
				return nil
			}, activity.RegisterOptions{Name: ActivityLink})

			env.ExecuteWorkflow(Kind, Params{CourseMember: "m1", Content: "c", Commit: "abcd1234"})
			err := env.GetWorkflowError()
			if !tc.linked {
				var app *temporal.ApplicationError
				if !errors.As(err, &app) || app.Type() != tc.errType {
					t.Fatalf("workflow error %v, want type %s", err, tc.errType)
				}
				// A failed run's stored error is linked by its task, so
				// that the submission counts for no limit.
				if tc.childErr != nil && (len(links) != 1 || links[0].ResultID != "" || links[0].ResultTask != "submission_processing-1-test") {
					t.Fatalf("links %+v after a failed run, want its task's result", links)
				}
				if tc.childErr == nil && len(links) != 0 {
					t.Fatalf("linked %+v without a run", links)
				}
				return
			}
			var res Result
			if err != nil || env.GetWorkflowResult(&res) != nil {
				t.Fatalf("workflow: %v", err)
			}
			if childID != "submission_processing-1-test" || tested.Commit != "abcd1234" || tested.CourseMember != "m1" {
				t.Fatalf("child %q tested %+v", childID, tested)
			}
			if len(links) != 1 || links[0] != (LinkInput{SubmissionID: "s1", ResultID: "r1"}) {
				t.Fatalf("links %+v", links)
			}
			if res.SubmissionID != "s1" || res.Test == nil || res.Test.Score != 0.5 {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

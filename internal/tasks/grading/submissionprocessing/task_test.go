package submissionprocessing

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/grading"
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

// The workflow's order, with its activities replaced: the submission is
// recorded and its run started first (the run's result under the task's
// id with "-test"), the grading step links what it grades, and a failed
// run has its error stored and linked, so that the submission counts for
// no limit.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		beginErr error
		gradeErr error
		errType  string
		key      int // the priority key Begin gives; the run must get it
	}{
		{name: "graded", key: tasks.PriorityKeySubmission},
		{name: "graded after many submissions this hour", key: tasks.PriorityKeyPractice},
		{name: "limit reached", errType: tasks.ErrTypeLimitReached,
			beginErr: temporal.NewNonRetryableApplicationError("all 3 submissions used", tasks.ErrTypeLimitReached, nil)},
		{name: "test failed", errType: "Platform",
			gradeErr: temporal.NewNonRetryableApplicationError("open /srv/work: sandbox gone", "Platform", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
			env := s.NewTestWorkflowEnvironment()
			env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "submission_processing-1"})
			env.RegisterWorkflowWithOptions(workflowTesting(testingKind), workflow.RegisterOptions{Name: Kind})
			env.RegisterActivityWithOptions(func(_ context.Context, in Input) (*Begun, error) {
				if tc.beginErr != nil {
					return nil, tc.beginErr
				}
				return &Begun{Submission: &store.Submission{Meta: store.Meta{ID: "s1"}, Commit: in.Commit, Ordinal: 2},
					Run: course.TestRun{ResultID: "r1", TaskID: testTaskID(in.TaskID), Commit: in.Commit}, PriorityKey: tc.key}, nil
			}, activity.RegisterOptions{Name: ActivityBegin})
			var graded []GradeInput
			var keys []int // of the activities the workflow scheduled
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&priorityRecorder{keys: &keys}}})
			env.RegisterActivityWithOptions(func(ctx context.Context, in GradeInput) (*grading.Summary, error) {
				graded = append(graded, in)
				if tc.gradeErr != nil {
					return nil, tc.gradeErr
				}
				return &grading.Summary{Total: 2, Passed: 1, Score: 0.5}, nil
			}, activity.RegisterOptions{Name: ActivityGrade})
			var failed []FailInput
			env.RegisterActivityWithOptions(func(_ context.Context, in FailInput) error {
				failed = append(failed, in)
				return nil
			}, activity.RegisterOptions{Name: ActivityFail})

			env.ExecuteWorkflow(Kind, Params{CourseMember: "m1", Content: "c", Commit: "abcd1234"})
			err := env.GetWorkflowError()
			if tc.beginErr != nil && (len(graded) != 0 || len(failed) != 0) {
				t.Fatalf("graded %+v, failed %+v without a submission", graded, failed)
			}
			if tc.beginErr == nil && (len(graded) != 1 || graded[0].SubmissionID != "s1" ||
				graded[0].Run.TaskID != "submission_processing-1-test" || graded[0].Run.Commit != "abcd1234") {
				t.Fatalf("graded %+v, want the run of s1 once", graded)
			}
			if tc.errType != "" {
				var app *temporal.ApplicationError
				if !errors.As(err, &app) || app.Type() != tc.errType {
					t.Fatalf("workflow error %v, want type %s", err, tc.errType)
				}
				if tc.gradeErr != nil && (len(failed) != 1 || failed[0].SubmissionID != "s1" || failed[0].Run.ResultID != "r1" ||
					!strings.Contains(failed[0].Error, "not because of the submission") || strings.Contains(failed[0].Error, "/srv")) {
					t.Fatalf("failed %+v after a failed run, want its error stored and linked once, without host paths", failed)
				}
				return
			}
			var res Result
			if err != nil || env.GetWorkflowResult(&res) != nil {
				t.Fatalf("workflow: %v", err)
			}
			if len(failed) != 0 {
				t.Fatalf("failed %+v after a graded run", failed)
			}
			if len(keys) != 1 || keys[0] != tc.key {
				t.Fatalf("the run was dispatched at priority keys %v, want %d", keys, tc.key)
			}
			if res.SubmissionID != "s1" || res.Ordinal != 2 || res.Test == nil || res.Test.Score != 0.5 ||
				res.Test.ResultID != "r1" || res.Test.Status != store.ResultFinished || res.Test.Summary.Passed != 1 {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// priorityRecorder records the priority key of each activity a workflow
// schedules (the test environment does not pass it to the activity).
type priorityRecorder struct {
	interceptor.WorkerInterceptorBase
	keys *[]int
}

func (r *priorityRecorder) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &priorityInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, keys: r.keys}
}

type priorityInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	keys *[]int
}

func (i *priorityInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&priorityOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, keys: i.keys})
}

type priorityOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	keys *[]int
}

func (o *priorityOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	*o.keys = append(*o.keys, workflow.GetActivityOptions(ctx).Priority.PriorityKey)
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

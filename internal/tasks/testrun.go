package tasks

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
)

// ErrTypeTestSpec is the error type of an assignment's test.yaml or
// meta.yaml that cannot be read: not retried, and its message, which
// names the line to fix, is stored for the student.
const ErrTypeTestSpec = "InvalidTestSpec"

// TestSpecError is the non-retryable failure of a run whose test.yaml or
// meta.yaml cannot be read.
func TestSpecError(msg string, cause error) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeTestSpec, cause)
}

// TestRunOptions are the options of a test run's sandbox step at priority
// key: dispatched from QueueTests, fairly among members. It heartbeats,
// so a dead worker is noticed within a minute and the run starts again on
// another. The platform's failures (the sandbox, git, the database, a lost
// worker) are retried; only the student's program makes a score.
func TestRunOptions(key int, member string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:           QueueTests,
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{ErrTypeTestSpec},
		},
		Priority: temporal.Priority{PriorityKey: key, FairnessKey: member},
	}
}

// LocalActivityOptions are the options of a short step (a few database
// queries and git reads) run as a local activity: on the workflow's own
// worker, inside its workflow task, with no trip through Temporal's
// matching and one marker in the history instead of three events. Its
// retries are the short activities' (ActivityOptions).
func LocalActivityOptions() workflow.LocalActivityOptions {
	ao := ActivityOptions()
	return workflow.LocalActivityOptions{StartToCloseTimeout: ao.StartToCloseTimeout, RetryPolicy: ao.RetryPolicy}
}

// RunLocal executes the activity as a local activity with ctx's local
// activity options (see LocalActivityOptions) and waits for its result.
func (r ActivityRef[In, Out]) RunLocal(ctx workflow.Context, in In) (Out, error) {
	return Future[Out]{f: workflow.ExecuteLocalActivity(ctx, r.Name, in)}.Get(ctx)
}

// StoredRunError is what a failed run's stored result says, which
// students read: the message of an invalid test.yaml or meta.yaml, which
// names the line to fix; for anything else only that the platform failed,
// since the worker's own error may name host paths. The task's history in
// Temporal keeps the whole error.
func StoredRunError(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == ErrTypeTestSpec {
		return app.Message()
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return "the test run was cancelled"
	}
	return "the test run failed on the worker, not because of the submission; the task's history has the details"
}

// TestStep runs grade, a test run's sandbox step, heartbeating with what
// while it runs; an unreadable test.yaml or meta.yaml (a
// *course.SpecError) becomes TestSpecError. Other errors are the
// platform's and stay retryable.
func TestStep[T any](ctx context.Context, what string, grade func() (T, error)) (T, error) {
	defer Heartbeat(ctx, Progress{Percent: 50, Message: what})()
	out, err := grade()
	var spec *course.SpecError
	if errors.As(err, &spec) {
		return out, TestSpecError(spec.Msg, err)
	}
	return out, err
}

package longrunning

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/tasks"
)

// setup returns a test environment with the task type registered as the
// worker registers it, under its durable names.
func setup(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	Task().Register(env)
	return env
}

func TestLongRunningWorkflow(t *testing.T) {
	t.Parallel()
	env := setup(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	env.SetStartTime(start)
	var heartbeats atomic.Int32
	var last atomic.Value
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var p tasks.Progress
		var elapsed int
		if err := details.Get(&p, &elapsed); err != nil {
			t.Errorf("decode heartbeat: %v", err)
		}
		heartbeats.Add(1)
		last.Store(p)
	})

	env.ExecuteWorkflow(Kind, Params{Duration: 2, Message: "hello"})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var got Result
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got.Message != "hello" || got.DurationRequested != 2 || got.DurationActual != 2 {
		t.Errorf("result = %+v", got)
	}
	if !got.StartedAt.Equal(start) || got.CompletedAt.Before(got.StartedAt) {
		t.Errorf("started_at %v, completed_at %v, want start %v", got.StartedAt, got.CompletedAt, start)
	}
	// The SDK sends the first heartbeat at once and throttles the rest, so
	// not every second's heartbeat reaches the listener.
	if heartbeats.Load() == 0 {
		t.Error("no heartbeat recorded")
	}
	if p, ok := last.Load().(tasks.Progress); ok && (p.Percent < 0 || p.Percent > 100 || p.Message == "") {
		t.Errorf("last progress = %+v", p)
	}
}

func TestLongRunningWorkflowZeroDuration(t *testing.T) {
	t.Parallel()
	env := setup(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	env.SetStartTime(start)
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		t.Errorf("activity %s ran for a zero duration", info.ActivityType.Name)
	})

	env.ExecuteWorkflow(Kind, Params{Duration: 0, Message: "nothing"})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var got Result
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if got.Message != "nothing" || got.DurationRequested != 0 || got.DurationActual != 0 ||
		!got.StartedAt.Equal(start) || !got.CompletedAt.Equal(start) {
		t.Errorf("result = %+v, want message, zero durations and both times %v", got, start)
	}
}

func TestLongRunningWorkflowCancel(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.RegisterDelayedCallback(env.CancelWorkflow, 500*time.Millisecond)

	begin := time.Now()
	env.ExecuteWorkflow(Kind, Params{Duration: 60})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	err := env.GetWorkflowError()
	if !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error = %v, want canceled", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("cancel took %v", d)
	}
}

func TestLongRunningWorkflowActivityFailure(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflowWithOptions(LongRunningWorkflow, workflow.RegisterOptions{Name: Kind})
	env.RegisterActivityWithOptions(func(context.Context, WorkInput) (WorkOutput, error) {
		return WorkOutput{}, temporal.NewNonRetryableApplicationError("broken", "Broken", nil)
	}, activity.RegisterOptions{Name: ActivityWork})

	env.ExecuteWorkflow(Kind, Params{Duration: 5})

	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != "Broken" {
		t.Fatalf("workflow error = %v, want the activity's ApplicationError", err)
	}
}

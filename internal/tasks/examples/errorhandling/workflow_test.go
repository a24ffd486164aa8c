package errorhandling

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// setup returns a test environment with the task type registered as the
// worker registers it, and a count of the activity attempts started.
func setup(t *testing.T) (*testsuite.TestWorkflowEnvironment, *atomic.Int32) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	Task().Register(env)
	var attempts atomic.Int32
	env.SetOnActivityStartedListener(func(*activity.Info, context.Context, converter.EncodedValues) {
		attempts.Add(1)
	})
	return env, &attempts
}

func TestErrorHandlingWorkflowSucceeds(t *testing.T) {
	t.Parallel()
	for _, failures := range []int{0, 1, 2, 5, 10} {
		t.Run(fmt.Sprint(failures), func(t *testing.T) {
			t.Parallel()
			env, attempts := setup(t)
			// error_type does not matter when should_fail is false.
			env.ExecuteWorkflow(Kind, Params{FailAttempts: failures, ErrorType: ErrorNonRetryable})

			if err := env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			var got Result
			if err := env.GetWorkflowResult(&got); err != nil {
				t.Fatal(err)
			}
			if got.Attempts != failures+1 || got.Message == "" {
				t.Errorf("result = %+v, want attempts %d", got, failures+1)
			}
			if n := attempts.Load(); n != int32(failures+1) {
				t.Errorf("%d attempts ran, want %d", n, failures+1)
			}
		})
	}
}

func TestErrorHandlingWorkflowFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		params       Params
		wantAttempts int32
		check        func(t *testing.T, err error)
	}{
		{
			name:         "non-retryable",
			params:       Params{ShouldFail: true, FailAttempts: 5, ErrorType: ErrorNonRetryable},
			wantAttempts: 1,
			check: func(t *testing.T, err error) {
				var appErr *temporal.ApplicationError
				if !errors.As(err, &appErr) || appErr.Type() != ErrTypeNonRetryable || !appErr.NonRetryable() {
					t.Errorf("error = %v, want non-retryable %s", err, ErrTypeNonRetryable)
				}
			},
		},
		{
			name:         "retryable, default attempts",
			params:       Params{ShouldFail: true, ErrorType: ErrorRetryable},
			wantAttempts: 3,
			check:        wantRetryable,
		},
		{
			name:         "retryable, more attempts",
			params:       Params{ShouldFail: true, FailAttempts: 4, ErrorType: ErrorRetryable},
			wantAttempts: 5,
			check:        wantRetryable,
		},
		{
			name:   "timeout",
			params: Params{ShouldFail: true, ErrorType: ErrorTimeout},
			// The test environment does not retry a timed-out attempt; a
			// server makes TimeoutModeAttempts of them.
			wantAttempts: 1,
			check: func(t *testing.T, err error) {
				var timeoutErr *temporal.TimeoutError
				if !errors.As(err, &timeoutErr) {
					t.Errorf("error = %v, want a TimeoutError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, attempts := setup(t)
			begin := time.Now()
			env.ExecuteWorkflow(Kind, tt.params)

			if !env.IsWorkflowCompleted() {
				t.Fatal("workflow did not complete")
			}
			err := env.GetWorkflowError()
			if err == nil {
				t.Fatal("workflow succeeded, want it to fail")
			}
			var actErr *temporal.ActivityError
			if !errors.As(err, &actErr) {
				t.Errorf("error = %v, want an ActivityError cause", err)
			}
			tt.check(t, err)
			if n := attempts.Load(); n != tt.wantAttempts {
				t.Errorf("%d attempts ran, want %d", n, tt.wantAttempts)
			}
			t.Logf("failed after %v: %v", time.Since(begin), err)
		})
	}
}

func wantRetryable(t *testing.T, err error) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeRetryable || appErr.NonRetryable() {
		t.Errorf("error = %v, want retryable %s", err, ErrTypeRetryable)
	}
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		params Params
		want   int32
	}{
		{Params{}, 3},
		{Params{FailAttempts: 2}, 3},
		{Params{FailAttempts: 3}, 4},
		{Params{FailAttempts: 10}, 11},
		{Params{ShouldFail: true, ErrorType: ErrorRetryable}, 3},
		{Params{ShouldFail: true, FailAttempts: 7, ErrorType: ErrorRetryable}, 8},
		{Params{ShouldFail: true, FailAttempts: 7, ErrorType: ErrorTimeout}, TimeoutModeAttempts},
		{Params{FailAttempts: 7, ErrorType: ErrorTimeout}, 8},
	}
	for _, tt := range tests {
		if got := MaxAttempts(tt.params); got != tt.want {
			t.Errorf("MaxAttempts(%+v) = %d, want %d", tt.params, got, tt.want)
		}
		if !tt.params.ShouldFail && MaxAttempts(tt.params) < int32(tt.params.FailAttempts+1) {
			t.Errorf("MaxAttempts(%+v) leaves no attempt to succeed", tt.params)
		}
	}
}

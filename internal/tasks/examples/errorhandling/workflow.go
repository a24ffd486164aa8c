package errorhandling

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Activity timeouts and attempt limits.
const (
	// AttemptTimeout is the StartToCloseTimeout of an attempt that is not
	// meant to time out.
	AttemptTimeout = 30 * time.Second
	// TimeoutModeTimeout is the StartToCloseTimeout of error_type timeout,
	// which each attempt outlasts.
	TimeoutModeTimeout = 2 * time.Second
	// TimeoutModeAttempts is the attempt limit of error_type timeout.
	TimeoutModeAttempts = 2
)

// MaxAttempts returns the retry policy's MaximumAttempts for p:
// max(FailAttempts, 2)+1, enough for FailAttempts failures and then the
// success, and at least three attempts for a failing retryable task; and
// TimeoutModeAttempts for error_type timeout. A non-retryable error ends the
// task on its first attempt whatever the limit.
func MaxAttempts(p Params) int32 {
	if p.ShouldFail && p.ErrorType == ErrorTimeout {
		return TimeoutModeAttempts
	}
	return int32(max(p.FailAttempts, 2) + 1)
}

// ErrorHandlingWorkflow runs an example_error_handling task: one Attempt
// activity under a retry policy with short backoff (200ms doubling up to
// 2s). Its error, if any, is returned as is, so the task fails with it.
func ErrorHandlingWorkflow(ctx workflow.Context, p Params) (Result, error) {
	opts := workflow.ActivityOptions{
		StartToCloseTimeout: AttemptTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    200 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    2 * time.Second,
			MaximumAttempts:    MaxAttempts(p),
		},
	}
	if p.ShouldFail && p.ErrorType == ErrorTimeout {
		opts.StartToCloseTimeout = TimeoutModeTimeout
	}
	ctx = workflow.WithActivityOptions(ctx, opts)

	out, err := attempt.Run(ctx, AttemptInput{ShouldFail: p.ShouldFail, FailAttempts: p.FailAttempts, ErrorType: p.ErrorType})
	if err != nil {
		return Result{}, err
	}
	return Result{Attempts: out.Attempt, Message: out.Message}, nil
}

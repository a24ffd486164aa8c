package errorhandling

import (
	"context"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/tasks"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// ActivityAttempt is the durable name of [Activities.Attempt].
const ActivityAttempt = "example_error_handling.attempt"

// attempt is the typed reference to [Activities.Attempt].
var attempt = tasks.ActivityRef[AttemptInput, AttemptOutput]{Name: ActivityAttempt}

// ApplicationError types of the Attempt activity.
const (
	// ErrTypeRetryable is the type of the planned retryable failures.
	ErrTypeRetryable = "ExampleRetryable"
	// ErrTypeNonRetryable is the type of the planned non-retryable failure.
	ErrTypeNonRetryable = "ExampleNonRetryable"
	// ErrTypeInvalidInput is the type of the error for an unknown error type.
	ErrTypeInvalidInput = "ExampleInvalidInput"
	// ErrTypeNoTimeout is the type of the retryable error of a timeout
	// attempt that was not given a deadline.
	ErrTypeNoTimeout = "ExampleNoTimeout"
)

// Activities are the example_error_handling activities. They need no
// dependencies.
type Activities struct{}

// AttemptInput is the input of [Activities.Attempt]; its fields mean what
// the same fields of [Params] mean.
type AttemptInput struct {
	// ShouldFail makes every attempt fail.
	ShouldFail bool `json:"should_fail"`
	// FailAttempts is the number of failed attempts before success.
	FailAttempts int `json:"fail_attempts"`
	// ErrorType is how an attempt fails when ShouldFail is true.
	ErrorType string `json:"error_type"`
}

// AttemptOutput is the output of [Activities.Attempt].
type AttemptOutput struct {
	// Attempt is the number of the attempt that succeeded, from 1.
	Attempt int `json:"attempt"`
	// Message says how many attempts failed first.
	Message string `json:"message"`
}

// Attempt fails or succeeds as in says, by its attempt number (from
// activity.GetInfo): see the package documentation. A timeout attempt waits
// for its deadline and returns ctx.Err(); without a deadline it gives up
// after a minute with a retryable error.
func (a *Activities) Attempt(ctx context.Context, in AttemptInput) (AttemptOutput, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	if !in.ShouldFail {
		if attempt <= in.FailAttempts {
			return AttemptOutput{}, temporal.NewApplicationError(
				fmt.Sprintf("attempt %d of %d planned failures", attempt, in.FailAttempts), ErrTypeRetryable)
		}
		return AttemptOutput{
			Attempt: attempt,
			Message: fmt.Sprintf("succeeded on attempt %d after %d failed attempts", attempt, attempt-1),
		}, nil
	}
	switch in.ErrorType {
	case ErrorNonRetryable:
		return AttemptOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("attempt %d failed for good, as asked", attempt), ErrTypeNonRetryable, nil)
	case ErrorTimeout:
		select {
		case <-ctx.Done():
			return AttemptOutput{}, ctx.Err()
		case <-time.After(time.Minute):
			return AttemptOutput{}, temporal.NewApplicationError(
				fmt.Sprintf("attempt %d was meant to time out but had no deadline", attempt), ErrTypeNoTimeout)
		}
	case ErrorRetryable:
		return AttemptOutput{}, temporal.NewApplicationError(
			fmt.Sprintf("attempt %d failed, as asked", attempt), ErrTypeRetryable)
	default:
		return AttemptOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unknown error type %q", in.ErrorType), ErrTypeInvalidInput, nil)
	}
}

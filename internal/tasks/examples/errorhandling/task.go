// Package errorhandling is the example_error_handling task: one activity
// that fails on purpose, to show how Temporal retries activities and how a
// task ends FAILED.
//
// With should_fail false the activity fails its first fail_attempts attempts
// with a retryable error and succeeds on attempt fail_attempts+1. With
// should_fail true it never succeeds, and error_type says how it fails:
//
//   - retryable: a retryable ApplicationError (type ExampleRetryable) on
//     every attempt, until [MaxAttempts] attempts are used up.
//   - non_retryable: a non-retryable ApplicationError (type
//     ExampleNonRetryable) on the first attempt, which is the last.
//   - timeout: it waits past its StartToCloseTimeout ([TimeoutModeTimeout])
//     on each of [TimeoutModeAttempts] attempts, ending in a TimeoutError.
//
// In every failing case the workflow returns the activity's error, so the
// task ends FAILED with that error as its cause.
package errorhandling

import (
	"time"

	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task type's stable name and Temporal workflow type.
const Kind = "example_error_handling"

// The error types.
const (
	// ErrorRetryable fails with a retryable error on every attempt.
	ErrorRetryable = "retryable"
	// ErrorNonRetryable fails with a non-retryable error on the first attempt.
	ErrorNonRetryable = "non_retryable"
	// ErrorTimeout outlasts its StartToCloseTimeout on every attempt.
	ErrorTimeout = "timeout"
)

// FailAttemptsMax is the most attempts a task may ask to fail before success.
const FailAttemptsMax = 10

// Params are the parameters of an example_error_handling task.
type Params struct {
	// ShouldFail makes the task fail for good, as ErrorType says.
	ShouldFail bool `json:"should_fail" doc:"Fail for good, in the way error_type says; otherwise succeed after fail_attempts failed attempts."`
	// FailAttempts is the number of failed attempts before success when
	// ShouldFail is false.
	FailAttempts int `json:"fail_attempts" param:"min=0,max=10" doc:"Attempts that fail with a retryable error before the activity succeeds (when should_fail is false); also raises the attempt limit of error_type retryable."`
	// ErrorType is how the task fails when ShouldFail is true.
	ErrorType string `json:"error_type" param:"enum=retryable|non_retryable|timeout" doc:"How the activity fails when should_fail is true: retryable until the attempts run out, non_retryable at once, or timeout on every attempt."`
}

// Kind returns the task type's stable name.
func (Params) Kind() string { return Kind }

// Validate checks the rules the field tags cannot express; there are none.
func (Params) Validate() error { return nil }

// Result is what a successful example_error_handling task returns.
type Result struct {
	// Attempts is the number of the attempt that succeeded, FailAttempts+1.
	Attempts int `json:"attempts"`
	// Message says how many attempts failed before the success.
	Message string `json:"message"`
}

// Task returns the example_error_handling task type.
func Task() *tasks.Type {
	a := &Activities{}
	return tasks.New(tasks.Spec[Params, Result]{
		Description: "Runs an activity that fails on purpose, to show retries, non-retryable errors and timeouts.",
		Defaults:    Params{ErrorType: ErrorRetryable},
		Workflow:    ErrorHandlingWorkflow,
		Activities:  []tasks.Activity{tasks.Bind(attempt, a.Attempt)},
		Timeout:     10 * time.Minute,
	})
}

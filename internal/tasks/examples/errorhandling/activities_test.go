package errorhandling

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

func TestAttemptFirstAttempt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		in            AttemptInput
		wantErrType   string
		wantRetryable bool
	}{
		{name: "succeeds", in: AttemptInput{}},
		{name: "planned failure", in: AttemptInput{FailAttempts: 1}, wantErrType: ErrTypeRetryable, wantRetryable: true},
		{name: "retryable", in: AttemptInput{ShouldFail: true, ErrorType: ErrorRetryable}, wantErrType: ErrTypeRetryable, wantRetryable: true},
		{name: "non-retryable", in: AttemptInput{ShouldFail: true, ErrorType: ErrorNonRetryable}, wantErrType: ErrTypeNonRetryable},
		{name: "unknown error type", in: AttemptInput{ShouldFail: true, ErrorType: "boom"}, wantErrType: ErrTypeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s testsuite.WorkflowTestSuite
			env := s.NewTestActivityEnvironment()
			env.RegisterActivityWithOptions((&Activities{}).Attempt, activity.RegisterOptions{Name: ActivityAttempt})

			val, err := env.ExecuteActivity(ActivityAttempt, tt.in)
			if tt.wantErrType == "" {
				if err != nil {
					t.Fatal(err)
				}
				var out AttemptOutput
				if err := val.Get(&out); err != nil {
					t.Fatal(err)
				}
				if out.Attempt != 1 || out.Message == "" {
					t.Errorf("output = %+v", out)
				}
				return
			}
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != tt.wantErrType || appErr.NonRetryable() == tt.wantRetryable {
				t.Fatalf("error = %v, want %s (retryable %v)", err, tt.wantErrType, tt.wantRetryable)
			}
		})
	}
}

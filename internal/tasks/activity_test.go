package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

func TestActivityError(t *testing.T) {
	t.Parallel()
	plain := errors.New("disk hiccup")
	for _, tt := range []struct {
		name string
		err  error
		// typ is the ApplicationError type; "" when the error stays as is.
		typ string
	}{
		{"store not found", fmt.Errorf("course %q: %w", "x", derrors.NotFound), tasks.ErrTypeNotFound},
		{"git not found", fmt.Errorf("repository a/b: %w", derrors.NotFound), tasks.ErrTypeNotFound},
		{"store conflict", fmt.Errorf("organization %q: %w", "x", derrors.Conflict), tasks.ErrTypeConflict},
		{"store invalid", fmt.Errorf("path segment %q: %w", "X", derrors.Invalid), tasks.ErrTypeInvalid},
		{"git invalid", fmt.Errorf("commit: %w", derrors.Invalid), tasks.ErrTypeInvalid},
		{"doubly wrapped", fmt.Errorf("create: %w", fmt.Errorf("inner: %w", derrors.Conflict)), tasks.ErrTypeConflict},
		{"plain", plain, ""},
		{"forbidden", fmt.Errorf("%w: not yours", derrors.Forbidden), tasks.ErrTypeForbidden},
		{"limit", fmt.Errorf("%w: 3 of 3", derrors.LimitReached), tasks.ErrTypeLimitReached},
		{"rate", fmt.Errorf("x: %w", &derrors.RateLimitError{Msg: "2 an hour"}), tasks.ErrTypeRateLimited},
		{"unavailable is retried", fmt.Errorf("sandbox: %w", derrors.Unavailable), ""},
		{"deadline", context.DeadlineExceeded, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tasks.ActivityError(tt.err)
			var app *temporal.ApplicationError
			if tt.typ == "" {
				if got != tt.err || errors.As(got, &app) {
					t.Fatalf("ActivityError(%v) = %v (%T), want it unchanged", tt.err, got, got)
				}
				return
			}
			if !errors.As(got, &app) {
				t.Fatalf("ActivityError(%v) = %v (%T), want an application error", tt.err, got, got)
			}
			if app.Type() != tt.typ || !app.NonRetryable() || app.Message() != tt.err.Error() {
				t.Errorf("ActivityError(%v): type %q, non-retryable %v, message %q", tt.err, app.Type(), app.NonRetryable(), app.Message())
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("ActivityError(%v) lost its cause", tt.err)
			}
		})
	}
	if err := tasks.ActivityError(nil); err != nil {
		t.Errorf("ActivityError(nil) = %v", err)
	}
}

func TestCheckLookup(t *testing.T) {
	t.Parallel()
	for _, err := range []error{fmt.Errorf("course: %w", derrors.NotFound), fmt.Errorf("id: %w", derrors.Invalid)} {
		got := tasks.CheckLookup("course", err)
		var ve *derrors.InvalidError
		if !errors.As(got, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "course" || ve.Fields[0].Message != err.Error() {
			t.Errorf("CheckLookup(%v) = %v, want a validation error on course", err, got)
		}
	}
	plain := errors.New("database down")
	if got := tasks.CheckLookup("course", plain); got != plain {
		t.Errorf("CheckLookup(plain) = %v, want it unchanged", got)
	}
}

func TestActivityOptions(t *testing.T) {
	t.Parallel()
	o := tasks.ActivityOptions()
	if o.StartToCloseTimeout <= 0 || o.RetryPolicy == nil || o.RetryPolicy.MaximumAttempts <= 1 ||
		o.RetryPolicy.InitialInterval <= 0 || o.RetryPolicy.MaximumInterval < o.RetryPolicy.InitialInterval {
		t.Errorf("ActivityOptions = %+v, retry %+v", o, o.RetryPolicy)
	}
	// Each call is a fresh value: a task that tunes its copy changes no other.
	o.RetryPolicy.MaximumAttempts = 1
	if tasks.ActivityOptions().RetryPolicy.MaximumAttempts == 1 {
		t.Error("ActivityOptions share their retry policy")
	}
}

func TestCheckFree(t *testing.T) {
	t.Parallel()
	err := tasks.CheckFree(nil, `organization "tugraz"`)
	var ve *derrors.InvalidError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "path" || ve.Fields[0].Message != `organization "tugraz" exists already` {
		t.Errorf("CheckFree(nil) = %v, want a validation error on path", err)
	}
	if err := tasks.CheckFree(fmt.Errorf("organization: %w", derrors.NotFound), "x"); err != nil {
		t.Errorf("CheckFree(not found) = %v, want nil", err)
	}
	plain := errors.New("database down")
	if err := tasks.CheckFree(plain, "x"); err != plain {
		t.Errorf("CheckFree(plain) = %v, want it unchanged", err)
	}
}

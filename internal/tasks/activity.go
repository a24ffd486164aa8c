package tasks

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/engine"
)

// Error types of non-retryable activity failures, as Temporal records
// them: the one place where an error of package derrors becomes a
// Temporal error type.
const (
	ErrTypeNotFound     = "NotFound"
	ErrTypeConflict     = "Conflict"
	ErrTypeInvalid      = "Invalid"
	ErrTypeForbidden    = "Forbidden"
	ErrTypeLimitReached = "LimitReached"
	ErrTypeRateLimited  = "RateLimited"
	ErrTypeTooLarge     = "TooLarge"
)

// activityErrorTypes maps the sentinels a retry cannot fix to their types.
var activityErrorTypes = []struct {
	err error
	typ string
}{
	{derrors.NotFound, ErrTypeNotFound},
	{derrors.Conflict, ErrTypeConflict},
	{derrors.Invalid, ErrTypeInvalid},
	{derrors.Forbidden, ErrTypeForbidden},
	{derrors.LimitReached, ErrTypeLimitReached},
	{derrors.RateLimited, ErrTypeRateLimited},
	{derrors.TooLarge, ErrTypeTooLarge},
}

// ActivityError marks an error a retry cannot fix (not found, conflict,
// invalid, forbidden, a limit reached, a rate exceeded, too large) as non-retryable, with
// its type, and leaves the rest (a database, disk or sandbox hiccup,
// derrors.Unavailable) retryable.
func ActivityError(err error) error {
	if err == nil {
		return nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return err // decided already
	}
	for _, row := range activityErrorTypes {
		if errors.Is(err, row.err) {
			return temporal.NewNonRetryableApplicationError(err.Error(), row.typ, err)
		}
	}
	return err
}

// ActivityOptions are the defaults of short activities that act on the
// database and git: a minute each, retried with backoff while either
// hiccups.
func ActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    10,
		},
	}
}

// Origin says on whose behalf and by which task an activity acts; it makes
// creates idempotent (store rows remember their task).
type Origin struct {
	TaskID    string `json:"task_id"`
	Submitter string `json:"submitter"`
	// AcceptedAt is when Temporal accepted the task (its start), not when
	// a worker got to it: deadlines are judged by it.
	AcceptedAt time.Time `json:"accepted_at"`
}

// OriginOf returns the origin of the running task.
func OriginOf(ctx workflow.Context) Origin {
	sub, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(engine.SubmitterKey)
	info := workflow.GetInfo(ctx)
	return Origin{TaskID: info.WorkflowExecution.ID, Submitter: sub, AcceptedAt: info.WorkflowStartTime.UTC()}
}

// CheckLookup turns a lookup that found nothing, or was given something
// malformed, into a 422 on the field; other errors pass.
func CheckLookup(field string, err error) error {
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return derrors.AsInvalidField(field, err)
	}
	return err
}

// CheckFree turns the lookup of a path that a create would take into a
// 422 on "path" when it exists: err is the lookup's error, what names the
// taken row.
func CheckFree(err error, what string) error {
	switch {
	case err == nil:
		return derrors.InvalidField("path", "%s exists already", what)
	case errors.Is(err, derrors.NotFound):
		return nil
	}
	return err
}

// ActivityRef is a typed reference to an activity: its durable name, and
// the types of its input and output. Workflows call activities through
// refs, so a call with the wrong input, or a result read into the wrong
// type, does not compile; Bind ties a ref to its function the same way.
type ActivityRef[In, Out any] struct {
	// Name is the activity's durable name; renaming a Go function never
	// changes it.
	Name string
}

// Run executes the activity with ctx's activity options and waits for its
// result.
func (r ActivityRef[In, Out]) Run(ctx workflow.Context, in In) (Out, error) {
	return r.Start(ctx, in).Get(ctx)
}

// Start executes the activity and returns its future result.
func (r ActivityRef[In, Out]) Start(ctx workflow.Context, in In) Future[Out] {
	return Future[Out]{f: workflow.ExecuteActivity(ctx, r.Name, in)}
}

// Future is the typed future result of an activity.
type Future[Out any] struct {
	f workflow.Future
}

// Get waits for the result.
func (f Future[Out]) Get(ctx workflow.Context) (Out, error) {
	var out Out
	if _, none := any(out).(None); none {
		return out, f.f.Get(ctx, nil)
	}
	err := f.f.Get(ctx, &out)
	return out, err
}

// Untyped is the SDK's future, for a workflow.Selector.
func (f Future[Out]) Untyped() workflow.Future { return f.f }

// None is the output of an activity that returns only an error.
type None struct{}

// Activity is an activity function bound to its durable name, ready to
// register on a worker.
type Activity struct {
	name string
	fn   any
}

// Name is the activity's durable name.
func (a Activity) Name() string { return a.name }

// Bind ties a ref to the function that implements it; the compiler checks
// that the function takes In and returns Out.
func Bind[In, Out any](r ActivityRef[In, Out], fn func(context.Context, In) (Out, error)) Activity {
	return Activity{name: r.Name, fn: fn}
}

// BindNoResult ties a ref whose output is None to a function that returns
// only an error.
func BindNoResult[In any](r ActivityRef[In, None], fn func(context.Context, In) error) Activity {
	return Activity{name: r.Name, fn: fn}
}

package longrunning

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/tasks"
)

// ActivityWork is the durable name of [Activities.Work].
const ActivityWork = "example_long_running.work"

// work is the typed reference to [Activities.Work].
var work = tasks.ActivityRef[WorkInput, WorkOutput]{Name: ActivityWork}

// ErrTypeInvalidInput is the ApplicationError type of an activity input that
// can never succeed.
const ErrTypeInvalidInput = "ExampleInvalidInput"

// step is how long one unit of work takes, and so how often Work heartbeats.
const step = time.Second

// Activities are the example_long_running activities. They need no
// dependencies.
type Activities struct{}

// WorkInput is the input of [Activities.Work].
type WorkInput struct {
	// Duration is the total work to do, in seconds.
	Duration int `json:"duration"`
}

// WorkOutput is the output of [Activities.Work].
type WorkOutput struct {
	// DurationActual is the seconds of work done in total, including the
	// seconds ResumedFrom; it equals WorkInput.Duration.
	DurationActual float64 `json:"duration_actual"`
	// ResumedFrom is the seconds of work an earlier attempt had done (its
	// last heartbeat), 0 on a first attempt.
	ResumedFrom int `json:"resumed_from"`
}

// Work works for in.Duration seconds, one second at a time. After each
// second it heartbeats a [tasks.Progress] and, as resume state, the seconds
// done so far; a retried attempt starts from that count, not from zero.
//
// Cancellation reaches the activity through its heartbeat and ends it at
// once with ctx.Err(); so does its deadline. A negative duration is a
// non-retryable error.
func (a *Activities) Work(ctx context.Context, in WorkInput) (WorkOutput, error) {
	if in.Duration < 0 {
		return WorkOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("duration %d is negative", in.Duration), ErrTypeInvalidInput, nil)
	}
	logger := activity.GetLogger(ctx)

	elapsed := 0
	if activity.HasHeartbeatDetails(ctx) {
		var last tasks.Progress
		var done int
		if err := activity.GetHeartbeatDetails(ctx, &last, &done); err != nil {
			// Unreadable state only costs redoing the work.
			logger.Warn("Ignoring unreadable heartbeat details", "error", err)
		} else {
			elapsed = min(max(done, 0), in.Duration)
		}
	}
	resumedFrom := elapsed
	if resumedFrom > 0 {
		logger.Info("Resuming work", "elapsed_seconds", resumedFrom, "duration", in.Duration)
	}

	activity.RecordHeartbeat(ctx, progress(elapsed, in.Duration), elapsed)
	ticker := time.NewTicker(step)
	defer ticker.Stop()
	for elapsed < in.Duration {
		select {
		case <-ctx.Done():
			return WorkOutput{}, ctx.Err()
		case <-ticker.C:
			elapsed++
			activity.RecordHeartbeat(ctx, progress(elapsed, in.Duration), elapsed)
		}
	}
	return WorkOutput{DurationActual: float64(elapsed), ResumedFrom: resumedFrom}, nil
}

// progress describes elapsed of duration seconds done.
func progress(elapsed, duration int) tasks.Progress {
	percent := 100.0
	if duration > 0 {
		percent = 100 * float64(elapsed) / float64(duration)
	}
	return tasks.Progress{
		Percent: percent,
		Message: fmt.Sprintf("worked %d of %d seconds", elapsed, duration),
	}
}

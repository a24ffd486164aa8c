package longrunning

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// HeartbeatTimeout is how long the work activity may go without a heartbeat
// before Temporal considers its worker dead and retries it elsewhere.
const HeartbeatTimeout = 5 * time.Second

// LongRunningWorkflow runs an example_long_running task. A zero duration
// finishes at once without any activity; otherwise one activity does the
// work.
func LongRunningWorkflow(ctx workflow.Context, p Params) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// Each attempt may take the whole duration, plus slack.
		StartToCloseTimeout: time.Duration(p.Duration)*time.Second + time.Minute,
		HeartbeatTimeout:    HeartbeatTimeout,
		// The workflow ends canceled only once the activity has stopped.
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
			MaximumAttempts:    10,
		},
	})

	res := Result{
		Message:           p.Message,
		DurationRequested: p.Duration,
		StartedAt:         workflow.Now(ctx),
	}
	if p.Duration <= 0 {
		res.CompletedAt = res.StartedAt
		return res, nil
	}

	out, err := work.Run(ctx, WorkInput{Duration: p.Duration})
	if err != nil {
		return Result{}, err
	}
	res.DurationActual = out.DurationActual
	res.CompletedAt = workflow.Now(ctx)
	return res, nil
}

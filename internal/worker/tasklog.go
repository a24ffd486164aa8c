package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/metrics"
)

// taskLog logs every task's end and every activity attempt with the task_id,
// so one task can be followed across API and worker logs, and counts task
// outcomes and durations in metrics (nil: none). It writes to the worker's
// own logger rather than the SDK's, whose info lines are muted.
type taskLog struct {
	interceptor.WorkerInterceptorBase
	logger  *slog.Logger
	metrics *metrics.Registry
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (t *taskLog) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &activityLog{logger: t.logger}
	i.Next = next
	return i
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (t *taskLog) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &workflowLog{logger: t.logger, metrics: t.metrics}
	i.Next = next
	return i
}

type activityLog struct {
	interceptor.ActivityInboundInterceptorBase
	logger *slog.Logger
}

// ExecuteActivity logs the attempt's outcome and duration.
func (a *activityLog) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	start := time.Now()
	out, err := a.Next.ExecuteActivity(ctx, in)
	info := activity.GetInfo(ctx)
	level, msg := slog.LevelInfo, "activity completed"
	switch {
	case errors.Is(err, context.Canceled) || temporal.IsCanceledError(err):
		msg = "activity canceled"
	case err != nil:
		level, msg = slog.LevelWarn, "activity failed"
	}
	attrs := []slog.Attr{
		slog.String("task_id", info.WorkflowExecution.ID),
		slog.String("activity", info.ActivityType.Name),
		slog.Int("attempt", int(info.Attempt)),
		slog.String("queue", info.TaskQueue),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	a.logger.LogAttrs(ctx, level, msg, attrs...)
	return out, err
}

type workflowLog struct {
	interceptor.WorkflowInboundInterceptorBase
	logger  *slog.Logger
	metrics *metrics.Registry
}

// ExecuteWorkflow logs how the task ended and how long it ran, once: not
// while the worker replays history it has already acted on.
func (w *workflowLog) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	out, err := w.Next.ExecuteWorkflow(ctx, in)
	if workflow.IsReplaying(ctx) {
		return out, err
	}
	info := workflow.GetInfo(ctx)
	level, status := slog.LevelInfo, "FINISHED"
	switch {
	case temporal.IsCanceledError(err):
		status = "CANCELLED"
	case err != nil:
		level, status = slog.LevelWarn, "FAILED"
	}
	took := workflow.Now(ctx).Sub(info.WorkflowStartTime)
	w.metrics.TaskEnded(info.WorkflowType.Name, info.TaskQueueName, status, took)
	attrs := []slog.Attr{
		slog.String("task_id", info.WorkflowExecution.ID),
		slog.String("task_name", info.WorkflowType.Name),
		slog.String("status", status),
		slog.String("queue", info.TaskQueueName),
		slog.Int64("duration_ms", took.Milliseconds()),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	w.logger.LogAttrs(context.Background(), level, "task ended", attrs...)
	return out, err
}

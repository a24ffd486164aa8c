package releasestudents

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/tasks"
)

// Input is what the per-student activity gets.
type Input struct {
	// Course by id or path, as submitted.
	Course  string  `json:"course"`
	Student Student `json:"student"`
	tasks.Origin
}

// BatchInput is what the batch activity gets.
type BatchInput struct {
	// Course by id or path, as submitted.
	Course   string    `json:"course"`
	Students []Student `json:"students"`
	tasks.Origin
}

// batchVersion marks the change from one activity per student to batches;
// tasks started before it replay one activity per student.
const batchVersion = "release-in-batches"

// Workflow releases the students in batches, ParallelBatches at a time.
// The students of a batch that fails as a whole (after its retries) are
// released again one by one, so each gets an outcome of their own.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	origin := tasks.OriginOf(ctx)
	res := &Result{Course: p.Course, Students: make([]Outcome, len(p.Students))}
	all := make([]int, len(p.Students))
	for i := range all {
		all[i] = i
	}
	var started int
	if workflow.GetVersion(ctx, batchVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		started = releaseEach(ctx, p, origin, res, all)
	} else {
		var failed []int
		started, failed = releaseBatches(ctx, p, origin, res)
		if len(failed) > 0 && ctx.Err() == nil {
			workflow.GetLogger(ctx).Warn("batches failed; releasing their students one by one", "students", len(failed))
			releaseEach(ctx, p, origin, res, failed)
		}
	}
	if ctx.Err() != nil {
		return nil, temporal.NewCanceledError(fmt.Sprintf("cancelled after %d of %d students", started, len(p.Students)))
	}
	for _, o := range res.Students {
		switch o.Status {
		case OutcomeReleased:
			res.Released++
		case OutcomeSkipped:
			res.Skipped++
		default:
			res.Failed++
		}
	}
	if res.Released+res.Skipped == 0 {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no student could be released; first error: %s", res.Students[0].Error), "NoStudentReleased", nil, res)
	}
	return res, nil
}

// releaseBatches runs the batch activity over p.Students, ParallelBatches
// at a time, and fills res with their outcomes. It returns how many
// students were started and the indexes of those whose batch failed.
func releaseBatches(ctx workflow.Context, p Params, origin tasks.Origin, res *Result) (started int, failed []int) {
	ao := tasks.ActivityOptions()
	// A batch heartbeats after each student; a worker that died holding
	// one is noticed after HeartbeatTimeout, and the batch is retried,
	// finding done what was done.
	ao.StartToCloseTimeout = 10 * time.Minute
	ao.HeartbeatTimeout = 30 * time.Second
	ao.RetryPolicy.MaximumAttempts = 5
	ctx = workflow.WithActivityOptions(ctx, ao)

	sel := workflow.NewSelector(ctx)
	running, next := 0, 0
	start := func(lo, hi int) {
		f := releaseBatch.Start(ctx, BatchInput{Course: p.Course, Students: p.Students[lo:hi], Origin: origin})
		running++
		sel.AddFuture(f.Untyped(), func(workflow.Future) {
			running--
			outs, err := f.Get(ctx)
			if err != nil || len(outs) != hi-lo {
				for i := lo; i < hi; i++ {
					failed = append(failed, i)
				}
				return
			}
			copy(res.Students[lo:hi], outs)
		})
	}
	for next < len(p.Students) || running > 0 {
		for running < ParallelBatches && next < len(p.Students) && ctx.Err() == nil {
			hi := min(next+BatchSize, len(p.Students))
			start(next, hi)
			next = hi
		}
		if running == 0 {
			break
		}
		sel.Select(ctx)
	}
	return next, failed
}

// releaseEach runs the per-student activity for the students at indexes,
// Parallel at a time, and fills res with their outcomes; it returns how
// many it started. Once cancelled it starts no one new and waits for
// those running.
func releaseEach(ctx workflow.Context, p Params, origin tasks.Origin, res *Result, indexes []int) int {
	ao := tasks.ActivityOptions()
	// One student takes well under a second; a worker that died holding one
	// is noticed after this long, and the student is retried.
	ao.StartToCloseTimeout = 30 * time.Second
	ao.RetryPolicy.MaximumAttempts = 5
	ctx = workflow.WithActivityOptions(ctx, ao)

	sel := workflow.NewSelector(ctx)
	running, next := 0, 0
	start := func(i int) {
		in := Input{Course: p.Course, Student: p.Students[i], Origin: origin}
		f := releaseStudent.Start(ctx, in)
		running++
		sel.AddFuture(f.Untyped(), func(workflow.Future) {
			running--
			o, err := f.Get(ctx)
			if err != nil || o == nil {
				o = &Outcome{Username: p.Students[i].Username, Status: OutcomeFailed, Error: errorText(err)}
			}
			res.Students[i] = *o
		})
	}
	for next < len(indexes) || running > 0 {
		for running < Parallel && next < len(indexes) && ctx.Err() == nil {
			start(indexes[next])
			next++
		}
		if running == 0 {
			break
		}
		sel.Select(ctx)
	}
	return next
}

// errorText is the readable cause of a failed activity.
func errorText(err error) string {
	if err == nil {
		return "the activity returned no outcome"
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

package dataprocessing

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// ErrTypeInvalidParams is the ApplicationError type of a workflow started
// with parameters that never passed validation.
const ErrTypeInvalidParams = "ExampleInvalidParams"

// DataProcessingWorkflow runs an example_data_processing task: one
// ProcessChunk activity per chunk, at most MaxParallelChunks at a time, with
// the chunk results combined as they arrive. The first chunk that fails for
// good cancels the others and fails the task.
func DataProcessingWorkflow(ctx workflow.Context, p Params) (Result, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    5,
		},
	})

	if err := p.Validate(); err != nil {
		return Result{}, temporal.NewNonRetryableApplicationError("invalid parameters", ErrTypeInvalidParams, err)
	}

	res := Result{
		ProcessingType: p.ProcessingType,
		DataSize:       p.DataSize,
		ChunkSize:      p.ChunkSize,
		Chunks:         p.Chunks(),
	}
	ctx, cancel := workflow.WithCancel(ctx)
	defer cancel()

	var failed error
	sel := workflow.NewSelector(ctx)
	next, running := 0, 0
	for next < res.Chunks || running > 0 {
		for running < MaxParallelChunks && next < res.Chunks {
			c := Chunk{
				Index:          next,
				Start:          next * p.ChunkSize,
				End:            min((next+1)*p.ChunkSize, p.DataSize),
				ProcessingType: p.ProcessingType,
			}
			f := processChunk.Start(ctx, c)
			sel.AddFuture(f.Untyped(), func(workflow.Future) {
				running--
				r, err := f.Get(ctx)
				if err != nil {
					if failed == nil {
						failed = err
					}
					return
				}
				res.add(r)
			})
			next++
			running++
		}
		sel.Select(ctx)
		if failed != nil {
			return Result{}, failed
		}
	}
	return res, nil
}

// add combines one chunk's result into the task's.
func (res *Result) add(r ChunkResult) {
	res.ItemsProcessed += r.ItemsProcessed
	res.ItemsOutput += r.ItemsOutput
	res.Value += r.Value
	if r.Min != nil && (res.Min == nil || *r.Min < *res.Min) {
		v := *r.Min
		res.Min = &v
	}
	if r.Max != nil && (res.Max == nil || *r.Max > *res.Max) {
		v := *r.Max
		res.Max = &v
	}
}

// Package dataprocessing is the example_data_processing task: it processes a
// deterministic data set in chunks, one parallel activity per chunk, and
// combines the chunk results in the workflow.
//
// The data set of size n is the values 0, 1, …, n-1 (item i has value i).
// The three processing types, and what a finished task returns for them:
//
//   - transform: every value v becomes 2v. ItemsOutput = n and
//     Value = Σ 2v = n(n-1).
//   - aggregate: the values are summed. ItemsOutput = n (the count),
//     Value = Σ v = n(n-1)/2, Min = 0 and Max = n-1.
//   - filter: only the values with v%3 == 0 are kept. With k = ⌈n/3⌉ of
//     them, ItemsOutput = k and Value = Σ kept = 3·k(k-1)/2.
package dataprocessing

import (
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task type's stable name and Temporal workflow type.
const Kind = "example_data_processing"

// The processing types.
const (
	// TypeTransform doubles every value and sums the results.
	TypeTransform = "transform"
	// TypeAggregate sums the values and reports their count, min and max.
	TypeAggregate = "aggregate"
	// TypeFilter keeps the multiples of 3 and reports their count and sum.
	TypeFilter = "filter"
)

// Limits and defaults.
const (
	// DataSizeDefault is the number of items a task processes when it names
	// no data size.
	DataSizeDefault = 1000
	// ChunkSizeDefault is the items per chunk when a task names no chunk size.
	ChunkSizeDefault = 100
	// MaxChunks is the most chunks (activities) one task may need.
	MaxChunks = 1000
	// MaxParallelChunks is the most chunk activities a task runs at a time.
	MaxParallelChunks = 20
)

// Params are the parameters of an example_data_processing task.
type Params struct {
	// DataSize is the number of items, with values 0 to DataSize-1.
	DataSize int `json:"data_size" param:"min=1,max=1000000" doc:"Number of items to process; item i has value i."`
	// ProcessingType says what to do with the items.
	ProcessingType string `json:"processing_type" param:"enum=transform|aggregate|filter" doc:"transform doubles each value and sums them; aggregate sums the values with count, min and max; filter keeps the multiples of 3 and sums them."`
	// ChunkSize is the number of items per activity.
	ChunkSize int `json:"chunk_size" param:"min=1,max=1000000" doc:"Items per chunk; each chunk is one activity, and a task may need at most 1000 chunks."`
}

// Kind returns the task type's stable name.
func (Params) Kind() string { return Kind }

// Validate checks that the data set needs at most MaxChunks chunks.
func (p Params) Validate() error {
	if p.ChunkSize < 1 {
		return derrors.InvalidField("chunk_size", "must be at least 1")
	}
	if p.DataSize < 1 {
		return derrors.InvalidField("data_size", "must be at least 1")
	}
	if n := p.Chunks(); n > MaxChunks {
		need := (p.DataSize + MaxChunks - 1) / MaxChunks
		return derrors.InvalidField("chunk_size", "gives %d chunks, more than the %d allowed; use a chunk size of at least %d for data_size %d",
			n, MaxChunks, need, p.DataSize)
	}
	return nil
}

// Chunks returns the number of chunks, ⌈DataSize/ChunkSize⌉; chunk c holds
// the items [c·ChunkSize, min((c+1)·ChunkSize, DataSize)).
func (p Params) Chunks() int {
	if p.ChunkSize < 1 {
		return 0
	}
	return (p.DataSize + p.ChunkSize - 1) / p.ChunkSize
}

// Result is what a finished example_data_processing task returns; the
// package documentation gives each field's exact value.
type Result struct {
	// ProcessingType is Params.ProcessingType.
	ProcessingType string `json:"processing_type"`
	// DataSize is Params.DataSize.
	DataSize int `json:"data_size"`
	// ChunkSize is Params.ChunkSize.
	ChunkSize int `json:"chunk_size"`
	// Chunks is the number of chunks processed, ⌈DataSize/ChunkSize⌉.
	Chunks int `json:"chunks"`
	// ItemsProcessed is the number of items read, always DataSize.
	ItemsProcessed int `json:"items_processed"`
	// ItemsOutput is the number of items that make up Value: every item for
	// transform and aggregate, the kept ones for filter.
	ItemsOutput int `json:"items_output"`
	// Value is the sum of the output items: of the doubled values for
	// transform, of the values for aggregate, of the kept values for filter.
	Value int64 `json:"value"`
	// Min is the smallest value; set for aggregate only.
	Min *int64 `json:"min,omitempty"`
	// Max is the largest value; set for aggregate only.
	Max *int64 `json:"max,omitempty"`
}

// Task returns the example_data_processing task type.
func Task() *tasks.Type {
	a := &Activities{}
	return tasks.New(tasks.Spec[Params, Result]{
		Description: "Processes a generated data set in parallel chunks by transforming, aggregating or filtering it.",
		Defaults:    Params{DataSize: DataSizeDefault, ProcessingType: TypeTransform, ChunkSize: ChunkSizeDefault},
		Workflow:    DataProcessingWorkflow,
		Activities:  []tasks.Activity{tasks.Bind(processChunk, a.ProcessChunk)},
		Timeout:     time.Hour,
	})
}

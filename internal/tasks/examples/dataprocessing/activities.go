package dataprocessing

import (
	"context"
	"fmt"

	"github.com/computor-org/computor-go/internal/tasks"
	"go.temporal.io/sdk/temporal"
)

// ActivityProcessChunk is the durable name of [Activities.ProcessChunk].
const ActivityProcessChunk = "example_data_processing.process_chunk"

// processChunk is the typed reference to [Activities.ProcessChunk].
var processChunk = tasks.ActivityRef[Chunk, ChunkResult]{Name: ActivityProcessChunk}

// ErrTypeInvalidChunk is the ApplicationError type of a chunk that can never
// be processed.
const ErrTypeInvalidChunk = "ExampleInvalidChunk"

// Activities are the example_data_processing activities. They need no
// dependencies.
type Activities struct{}

// Chunk is the input of [Activities.ProcessChunk]: the items [Start, End).
type Chunk struct {
	// Index is the chunk's number, from 0.
	Index int `json:"index"`
	// Start is the first item.
	Start int `json:"start"`
	// End is one past the last item.
	End int `json:"end"`
	// ProcessingType is one of TypeTransform, TypeAggregate and TypeFilter.
	ProcessingType string `json:"processing_type"`
}

// ChunkResult is the output of [Activities.ProcessChunk], with the same
// meaning as the fields of [Result] restricted to one chunk.
type ChunkResult struct {
	// Index is Chunk.Index.
	Index int `json:"index"`
	// ItemsProcessed is End-Start.
	ItemsProcessed int `json:"items_processed"`
	// ItemsOutput is the number of items that make up Value.
	ItemsOutput int `json:"items_output"`
	// Value is the sum of the output items.
	Value int64 `json:"value"`
	// Min is the chunk's smallest value; aggregate only.
	Min *int64 `json:"min,omitempty"`
	// Max is the chunk's largest value; aggregate only.
	Max *int64 `json:"max,omitempty"`
}

// ProcessChunk processes the items of one chunk. Item i has value i. A chunk
// that is empty, negative or of an unknown type is a non-retryable error.
func (a *Activities) ProcessChunk(_ context.Context, c Chunk) (ChunkResult, error) {
	if c.Start < 0 || c.End <= c.Start {
		return ChunkResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("chunk %d has no items: [%d, %d)", c.Index, c.Start, c.End), ErrTypeInvalidChunk, nil)
	}
	r := ChunkResult{Index: c.Index, ItemsProcessed: c.End - c.Start}
	switch c.ProcessingType {
	case TypeTransform:
		for i := c.Start; i < c.End; i++ {
			r.Value += 2 * int64(i)
		}
		r.ItemsOutput = r.ItemsProcessed
	case TypeAggregate:
		for i := c.Start; i < c.End; i++ {
			r.Value += int64(i)
		}
		r.ItemsOutput = r.ItemsProcessed
		lo, hi := int64(c.Start), int64(c.End-1)
		r.Min, r.Max = &lo, &hi
	case TypeFilter:
		for i := c.Start; i < c.End; i++ {
			if i%3 == 0 {
				r.Value += int64(i)
				r.ItemsOutput++
			}
		}
	default:
		return ChunkResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unknown processing type %q", c.ProcessingType), ErrTypeInvalidChunk, nil)
	}
	return r, nil
}

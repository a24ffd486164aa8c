package dataprocessing

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
)

func TestProcessChunk(t *testing.T) {
	t.Parallel()
	ptr := func(v int64) *int64 { return &v }
	tests := []struct {
		name string
		in   Chunk
		want ChunkResult
	}{
		{name: "transform", in: Chunk{Index: 1, Start: 3, End: 6, ProcessingType: TypeTransform},
			want: ChunkResult{Index: 1, ItemsProcessed: 3, ItemsOutput: 3, Value: 6 + 8 + 10}},
		{name: "aggregate", in: Chunk{Index: 2, Start: 3, End: 6, ProcessingType: TypeAggregate},
			want: ChunkResult{Index: 2, ItemsProcessed: 3, ItemsOutput: 3, Value: 3 + 4 + 5, Min: ptr(3), Max: ptr(5)}},
		{name: "filter", in: Chunk{Index: 3, Start: 3, End: 10, ProcessingType: TypeFilter},
			want: ChunkResult{Index: 3, ItemsProcessed: 7, ItemsOutput: 3, Value: 3 + 6 + 9}},
		{name: "filter keeps none", in: Chunk{Start: 4, End: 6, ProcessingType: TypeFilter},
			want: ChunkResult{ItemsProcessed: 2}},
	}
	a := &Activities{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := a.ProcessChunk(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			g, w := Result{Value: got.Value, Min: got.Min, Max: got.Max}, Result{Value: tt.want.Value, Min: tt.want.Min, Max: tt.want.Max}
			if got.Index != tt.want.Index || got.ItemsProcessed != tt.want.ItemsProcessed ||
				got.ItemsOutput != tt.want.ItemsOutput || !equal(g, w) {
				t.Errorf("got %+v (%s), want %+v (%s)", got, show(g), tt.want, show(w))
			}
		})
	}
}

func TestProcessChunkInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Chunk
	}{
		{name: "empty", in: Chunk{Start: 5, End: 5, ProcessingType: TypeTransform}},
		{name: "negative", in: Chunk{Start: -1, End: 5, ProcessingType: TypeTransform}},
		{name: "unknown type", in: Chunk{Start: 0, End: 5, ProcessingType: "sort"}},
	}
	a := &Activities{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := a.ProcessChunk(context.Background(), tt.in)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != ErrTypeInvalidChunk {
				t.Fatalf("error = %v, want non-retryable %s", err, ErrTypeInvalidChunk)
			}
		})
	}
}

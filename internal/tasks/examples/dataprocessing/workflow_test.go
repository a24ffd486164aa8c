package dataprocessing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// setup returns a test environment with the task type registered as the
// worker registers it, under its durable names.
func setup(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	Task().Register(env)
	return env
}

// want returns the result the package documentation promises, computed by
// its closed-form formulas.
func want(typ string, n, chunkSize int) Result {
	r := Result{
		ProcessingType: typ,
		DataSize:       n,
		ChunkSize:      chunkSize,
		Chunks:         (n + chunkSize - 1) / chunkSize,
		ItemsProcessed: n,
	}
	n64 := int64(n)
	switch typ {
	case TypeTransform:
		r.ItemsOutput = n
		r.Value = n64 * (n64 - 1)
	case TypeAggregate:
		r.ItemsOutput = n
		r.Value = n64 * (n64 - 1) / 2
		lo, hi := int64(0), n64-1
		r.Min, r.Max = &lo, &hi
	case TypeFilter:
		k := (n64 + 2) / 3
		r.ItemsOutput = int(k)
		r.Value = 3 * k * (k - 1) / 2
	}
	return r
}

func equal(a, b Result) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ProcessingType == b.ProcessingType && a.DataSize == b.DataSize && a.ChunkSize == b.ChunkSize &&
		a.Chunks == b.Chunks && a.ItemsProcessed == b.ItemsProcessed && a.ItemsOutput == b.ItemsOutput &&
		a.Value == b.Value && eq(a.Min, b.Min) && eq(a.Max, b.Max)
}

func TestDataProcessingWorkflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ             string
		n, chunkSize    int
		wantItemsOutput int
		wantValue       int64
	}{
		// A few cases spelled out by hand, to check the formulas themselves.
		{typ: TypeTransform, n: 10, chunkSize: 3, wantItemsOutput: 10, wantValue: 90},
		{typ: TypeAggregate, n: 10, chunkSize: 3, wantItemsOutput: 10, wantValue: 45},
		{typ: TypeFilter, n: 10, chunkSize: 3, wantItemsOutput: 4, wantValue: 0 + 3 + 6 + 9},
		{typ: TypeFilter, n: 1, chunkSize: 100, wantItemsOutput: 1, wantValue: 0},
		{typ: TypeAggregate, n: 1, chunkSize: 1, wantItemsOutput: 1, wantValue: 0},
		// Uneven last chunk.
		{typ: TypeTransform, n: 1001, chunkSize: 100},
		{typ: TypeAggregate, n: 1001, chunkSize: 100},
		{typ: TypeFilter, n: 1001, chunkSize: 100},
		// More chunks than run at a time, one item each.
		{typ: TypeFilter, n: 1000, chunkSize: 1},
		// One chunk bigger than the data.
		{typ: TypeAggregate, n: 5, chunkSize: 1000000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d/%d", tt.typ, tt.n, tt.chunkSize), func(t *testing.T) {
			t.Parallel()
			w := want(tt.typ, tt.n, tt.chunkSize)
			if tt.wantValue != 0 || tt.wantItemsOutput != 0 {
				if w.Value != tt.wantValue || w.ItemsOutput != tt.wantItemsOutput {
					t.Fatalf("formula gives %d items, value %d; by hand %d, %d", w.ItemsOutput, w.Value, tt.wantItemsOutput, tt.wantValue)
				}
			}
			env := setup(t)
			env.ExecuteWorkflow(Kind, Params{DataSize: tt.n, ProcessingType: tt.typ, ChunkSize: tt.chunkSize})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow error: %v", err)
			}
			var got Result
			if err := env.GetWorkflowResult(&got); err != nil {
				t.Fatal(err)
			}
			if !equal(got, w) {
				t.Errorf("result = %s, want %s", show(got), show(w))
			}
		})
	}
}

func show(r Result) string {
	s := fmt.Sprintf("%+v", r)
	if r.Min != nil {
		s += fmt.Sprintf(" min=%d", *r.Min)
	}
	if r.Max != nil {
		s += fmt.Sprintf(" max=%d", *r.Max)
	}
	return s
}

func TestDataProcessingWorkflowMillionItems(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.ExecuteWorkflow(Kind, Params{DataSize: 1000000, ProcessingType: TypeTransform, ChunkSize: 1000})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var got Result
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if w := want(TypeTransform, 1000000, 1000); !equal(got, w) {
		t.Errorf("result = %s, want %s", show(got), show(w))
	}
}

func TestDataProcessingWorkflowParallelism(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflowWithOptions(DataProcessingWorkflow, workflow.RegisterOptions{Name: Kind})
	// Each chunk takes a while, so that every slot fills up.
	a := &Activities{}
	var mu sync.Mutex
	running, peak, started := 0, 0, 0
	env.RegisterActivityWithOptions(func(ctx context.Context, c Chunk) (ChunkResult, error) {
		mu.Lock()
		running++
		started++
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return a.ProcessChunk(ctx, c)
	}, activity.RegisterOptions{Name: ActivityProcessChunk})

	env.ExecuteWorkflow(Kind, Params{DataSize: 500, ProcessingType: TypeAggregate, ChunkSize: 5})

	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var got Result
	if err := env.GetWorkflowResult(&got); err != nil {
		t.Fatal(err)
	}
	if w := want(TypeAggregate, 500, 5); !equal(got, w) {
		t.Errorf("result = %s, want %s", show(got), show(w))
	}
	mu.Lock()
	defer mu.Unlock()
	if started != 100 {
		t.Errorf("%d chunk activities ran, want 100", started)
	}
	if peak != MaxParallelChunks {
		t.Errorf("%d chunk activities ran at once, want %d", peak, MaxParallelChunks)
	}
}

func TestDataProcessingWorkflowChunkFails(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; the tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.RegisterWorkflowWithOptions(DataProcessingWorkflow, workflow.RegisterOptions{Name: Kind})
	a := &Activities{}
	env.RegisterActivityWithOptions(func(ctx context.Context, c Chunk) (ChunkResult, error) {
		if c.Index == 7 {
			return ChunkResult{}, temporal.NewNonRetryableApplicationError("chunk 7 is bad", "Broken", nil)
		}
		return a.ProcessChunk(ctx, c)
	}, activity.RegisterOptions{Name: ActivityProcessChunk})

	env.ExecuteWorkflow(Kind, Params{DataSize: 100, ProcessingType: TypeFilter, ChunkSize: 5})

	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != "Broken" {
		t.Fatalf("workflow error = %v, want the chunk's ApplicationError", err)
	}
}

func TestDataProcessingWorkflowInvalidParams(t *testing.T) {
	t.Parallel()
	env := setup(t)
	env.ExecuteWorkflow(Kind, Params{DataSize: 1000000, ProcessingType: TypeTransform, ChunkSize: 10})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != ErrTypeInvalidParams || !appErr.NonRetryable() {
		t.Fatalf("workflow error = %v, want non-retryable %s", err, ErrTypeInvalidParams)
	}
}

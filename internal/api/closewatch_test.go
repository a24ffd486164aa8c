package api

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The close watch's own bookkeeping, with visibility's answers given by
// the test (the end-to-end test TestResultWaitsEndAtTheClose runs it
// against Temporal): one query a tick for every waiter, by close time; a
// closed run wakes its waiters; a waiter that gives up is forgotten; the
// loop stops when no one waits.
func TestCloseWatch(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	closed := map[string]time.Time{}
	var queries []string
	w := &closeWatch{logger: slog.New(slog.DiscardHandler), list: func(_ context.Context, r *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, r.GetQuery())
		var resp workflowservice.ListWorkflowExecutionsResponse
		for id, at := range closed {
			resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{
				Execution: &commonpb.WorkflowExecution{RunId: id}, CloseTime: timestamppb.New(at)})
		}
		return &resp, nil
	}}
	const a, b = "0191a2b3-0000-7000-8000-00000000000a", "0191a2b3-0000-7000-8000-00000000000b"
	start := time.Now()
	// Temporal's clock, half a minute behind this host's: the watch must
	// follow the close times it reports.
	closedAt := start.Add(-30 * time.Second)
	go func() {
		time.Sleep(closeWatchEvery / 2)
		mu.Lock()
		closed[a] = closedAt
		mu.Unlock()
	}()
	var wg sync.WaitGroup
	var gotA, gotB bool
	wg.Go(func() { gotA = w.wait(t.Context(), a, 30*time.Second) })
	wg.Go(func() { gotB = w.wait(t.Context(), b, 2*closeWatchEvery+closeWatchEvery/2) })
	wg.Wait()
	if !gotA || gotB {
		t.Fatalf("closed run woke %v (want true), open run %v (want false)", gotA, gotB)
	}
	time.Sleep(2 * closeWatchEvery)
	w.mu.Lock()
	left, running := len(w.waiters), w.running
	w.mu.Unlock()
	if left != 0 || running {
		t.Fatalf("after every wait ended: %d waiters, loop running %v", left, running)
	}
	mu.Lock()
	defer mu.Unlock()
	// Two waiters, about three ticks: one query a tick, not one a waiter.
	if n := len(queries); n == 0 || n > int(time.Since(start)/closeWatchEvery)+1 {
		t.Fatalf("%d queries in %s", n, time.Since(start))
	}
	// The first query reaches back closeWatchStart; once a close is seen,
	// closeWatchLag before it, by Temporal's clock.
	if len(queries) < 2 {
		t.Fatalf("queries %q, want at least two", queries)
	}
	for i, q := range queries {
		since, ok := strings.CutPrefix(q, "CloseTime >= '")
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(since, "'"))
		if !ok || err != nil {
			t.Fatalf("query %q", q)
		}
		if first := start.Add(-closeWatchStart); i == 0 && (at.After(first.Add(closeWatchEvery)) || at.Before(first.Add(-closeWatchEvery))) {
			t.Fatalf("first query %q, want closes since about %s", q, first)
		}
		if i > 0 && !at.Equal(closedAt.Add(-closeWatchLag)) {
			t.Fatalf("query %d %q, want closes since %s (the close seen, less the lag)", i, q, closedAt.Add(-closeWatchLag))
		}
	}
}

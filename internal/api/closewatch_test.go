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
)

// The close watch's own bookkeeping, with visibility's answers given by
// the test (the end-to-end test TestResultWaitsEndByTheCloseWatch runs it
// against Temporal): a closed run wakes its waiters, a waiter that gives
// up is forgotten, the loop stops when no one waits, and a run id that
// could not be quoted safely is never put in a query.
func TestCloseWatch(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	closed := map[string]bool{}
	var queries []string
	w := &closeWatch{logger: slog.New(slog.DiscardHandler), list: func(_ context.Context, r *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, r.GetQuery())
		var resp workflowservice.ListWorkflowExecutionsResponse
		for id := range closed {
			if strings.Contains(r.GetQuery(), "'"+id+"'") {
				resp.Executions = append(resp.Executions, &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{RunId: id}})
			}
		}
		return &resp, nil
	}}
	const a, b = "0191a2b3-0000-7000-8000-00000000000a", "0191a2b3-0000-7000-8000-00000000000b"
	go func() {
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		closed[a] = true
		mu.Unlock()
	}()
	var wg sync.WaitGroup
	var gotA, gotB bool
	wg.Go(func() { gotA = w.wait(t.Context(), a, 30*time.Second) })
	wg.Go(func() { gotB = w.wait(t.Context(), b, 500*time.Millisecond) })
	wg.Wait()
	if !gotA || gotB {
		t.Fatalf("closed run woke %v (want true), open run %v (want false)", gotA, gotB)
	}
	if w.wait(t.Context(), "x') OR ('1'='1", 50*time.Millisecond) {
		t.Fatal("an unquotable run id was woken")
	}
	time.Sleep(3 * closeWatchEvery)
	w.mu.Lock()
	left, running := len(w.waiters), w.running
	w.mu.Unlock()
	if left != 0 || running {
		t.Fatalf("after every wait ended: %d waiters, loop running %v", left, running)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, q := range queries {
		if strings.Contains(q, "OR") {
			t.Fatalf("query %q holds an unquotable id", q)
		}
	}
	if len(queries) == 0 || !strings.Contains(queries[0], a) || !strings.Contains(queries[0], b) {
		t.Fatalf("queries %q, want both waited-for runs in one", queries)
	}
}

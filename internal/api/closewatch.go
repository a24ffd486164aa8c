package api

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// closeWatch tells result long polls (GET /tasks/{id}/result?wait=) when
// their task has closed, from one query of Temporal's visibility store
// for all of them every closeWatchEvery. Without it each waiting request
// long-polled its task's history in 1 s slices, which Temporal's history
// service answers again at every slice and wakes at every event of the
// task: with a hundred students waiting during a grading rush that was a
// quarter of a dev process's CPU (docs/PERFORMANCE.md).
//
// A query that fails, or a record that visibility has not written yet,
// only delays a waiter: after closeWatchFallback it asks Temporal
// itself.
type closeWatch struct {
	namespace string
	list      func(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	logger    *slog.Logger
	// loggedAt is when a failed query was last logged: once a minute.
	loggedAt time.Time

	mu      sync.Mutex
	waiters map[string][]chan struct{}
	running bool
}

const (
	closeWatchEvery    = 100 * time.Millisecond
	closeWatchFallback = 5 * time.Second
	// closeWatchBatch bounds the ids of one query.
	closeWatchBatch = 200
)

// watchableRun says whether a run id may be quoted into a visibility
// query as it is (Temporal's run ids are UUIDs); other waiters use the
// fallback only.
var watchableRun = regexp.MustCompile(`^[0-9a-fA-F-]{1,64}$`)

// wait returns when visibility shows the task's run closed (true), after
// d, or when ctx ends, whichever is first. Runs are watched by run id: a
// task id may also name an earlier run that closed.
func (w *closeWatch) wait(ctx context.Context, runID string, d time.Duration) (closed bool) {
	id := runID
	t := time.NewTimer(d)
	defer t.Stop()
	if !watchableRun.MatchString(id) {
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return false
	}
	ch := make(chan struct{})
	w.mu.Lock()
	if w.waiters == nil {
		w.waiters = map[string][]chan struct{}{}
	}
	w.waiters[id] = append(w.waiters[id], ch)
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()
	select {
	case <-ch:
		return true // the loop removed it
	case <-t.C:
	case <-ctx.Done():
	}
	w.remove(id, ch)
	return false
}

// remove drops a waiter that stopped waiting by itself.
func (w *closeWatch) remove(id string, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	chans := w.waiters[id]
	for i, c := range chans {
		if c == ch {
			chans = append(chans[:i], chans[i+1:]...)
			break
		}
	}
	if len(chans) == 0 {
		delete(w.waiters, id)
	} else {
		w.waiters[id] = chans
	}
}

// loop queries visibility for the closes of the waited-for tasks until no
// one waits.
func (w *closeWatch) loop() {
	for {
		time.Sleep(closeWatchEvery)
		w.mu.Lock()
		if len(w.waiters) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		ids := make([]string, 0, len(w.waiters))
		for id := range w.waiters {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		for len(ids) > 0 {
			n := min(len(ids), closeWatchBatch)
			w.wake(w.closed(ids[:n]))
			ids = ids[n:]
		}
	}
}

// closed returns those of the run ids that visibility shows closed. An error
// returns none: the waiters' fallback covers it.
func (w *closeWatch) closed(ids []string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := w.list(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace: w.namespace,
		PageSize:  int32(len(ids)),
		Query:     "RunId IN ('" + strings.Join(ids, "','") + "') AND ExecutionStatus != 'Running'",
	})
	if err != nil {
		// Waiters fall back to asking Temporal every closeWatchFallback:
		// slower, so worth a line in the log.
		if time.Since(w.loggedAt) > time.Minute {
			w.loggedAt = time.Now()
			w.logger.Warn("result waits: the visibility query for closed tasks failed; waits end by the fallback", "err", err)
		}
		return nil
	}
	var out []string
	for _, e := range resp.GetExecutions() {
		out = append(out, e.GetExecution().GetRunId())
	}
	return out
}

// wake ends the waits of the given ids.
func (w *closeWatch) wake(ids []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		for _, ch := range w.waiters[id] {
			close(ch)
		}
		delete(w.waiters, id)
	}
}

package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// closeWatch tells result long polls (GET /tasks/{id}/result?wait=) that
// their task has closed when their own long poll of the task's history
// missed it, which Temporal's history long poll does now and then (seen
// here as a result delivered only when a 20 s poll ran out, 180 ms after
// the task ended). It asks Temporal's visibility store, once a second
// whatever the number of waiters, for the runs closed since a watermark.
//
// With it a wait is one long poll of the history for as long as the
// client waits: before, each wait re-polled in 1 s slices to bound a miss,
// and Temporal's history service answers every slice anew; with a hundred
// students waiting during a grading rush that was a quarter of a dev
// process's CPU (docs/PERFORMANCE.md). One query a second keeps to a tenth
// of the visibility calls Temporal allows a namespace by default
// (frontend.namespaceRPS.visibility, 10 a second), which the Web UI and
// GET /tasks need too. A query that fails, or a record that visibility
// has not written yet, only leaves a miss to the long poll's own end.
type closeWatch struct {
	namespace string
	list      func(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	logger    *slog.Logger

	mu      sync.Mutex
	waiters map[string][]chan struct{} // by run id
	running bool

	// Owned by the loop: the close time from which it asks, and when a
	// failed query was last logged (once a minute).
	watermark time.Time
	loggedAt  time.Time
}

const (
	closeWatchEvery = time.Second
	// closeWatchLag is how long after a close its visibility record may
	// appear and still be found by the watch: each query reaches back
	// that far before the previous one began.
	closeWatchLag = 10 * time.Second
	// closeWatchPages bounds the pages of one query (of closeWatchPage
	// runs); closes beyond them wait for the fallback.
	closeWatchPage  = 1000
	closeWatchPages = 10
)

// watch returns a channel closed when visibility shows the run closed,
// and stop, which ends the watch; call it once the wait is over.
func (w *closeWatch) watch(runID string) (closed <-chan struct{}, stop func()) {
	ch := make(chan struct{})
	w.mu.Lock()
	if w.waiters == nil {
		w.waiters = map[string][]chan struct{}{}
	}
	w.waiters[runID] = append(w.waiters[runID], ch)
	if !w.running {
		w.running = true
		w.watermark = time.Now().Add(-closeWatchLag)
		go w.loop()
	}
	w.mu.Unlock()
	return ch, func() { w.remove(runID, ch) }
}

// wait returns when visibility shows the run closed (true), after d, or
// when ctx ends, whichever is first.
func (w *closeWatch) wait(ctx context.Context, runID string, d time.Duration) bool {
	ch, stop := w.watch(runID)
	defer stop()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// remove drops a waiter that stopped waiting by itself.
func (w *closeWatch) remove(runID string, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	chans := w.waiters[runID]
	for i, c := range chans {
		if c == ch {
			chans = append(chans[:i], chans[i+1:]...)
			break
		}
	}
	if len(chans) == 0 {
		delete(w.waiters, runID)
	} else {
		w.waiters[runID] = chans
	}
}

// loop queries visibility for closed runs until no one waits.
func (w *closeWatch) loop() {
	for {
		time.Sleep(closeWatchEvery)
		w.mu.Lock()
		if len(w.waiters) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		began := time.Now()
		if closed, ok := w.closedSince(w.watermark); ok {
			w.watermark = began.Add(-closeWatchLag)
			w.wake(closed)
		}
	}
}

// closedSince returns the run ids that visibility shows closed at or
// after since; false when the query failed.
func (w *closeWatch) closedSince(since time.Time) ([]string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out []string
	var token []byte
	for range closeWatchPages {
		resp, err := w.list(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace:     w.namespace,
			PageSize:      closeWatchPage,
			NextPageToken: token,
			Query:         "CloseTime >= '" + since.UTC().Format(time.RFC3339Nano) + "'",
		})
		if err != nil {
			// Waiters fall back to asking Temporal every
			// closeWatchFallback: slower, so worth a line in the log.
			if time.Since(w.loggedAt) > time.Minute {
				w.loggedAt = time.Now()
				w.logger.Warn("result waits: the visibility query for closed tasks failed; waits end by the fallback", "err", err)
			}
			return out, len(out) > 0
		}
		for _, e := range resp.GetExecutions() {
			out = append(out, e.GetExecution().GetRunId())
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	return out, true
}

// wake ends the waits of the given runs.
func (w *closeWatch) wake(runIDs []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range runIDs {
		for _, ch := range w.waiters[id] {
			close(ch)
		}
		delete(w.waiters, id)
	}
}

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
	// failed query was last logged (once a minute). The watermark follows
	// the close times Temporal reports, not this host's clock, so that
	// clocks that disagree cannot narrow the window.
	watermark time.Time
	loggedAt  time.Time
}

const (
	closeWatchEvery = time.Second
	// closeWatchLag is how long after a close its visibility record may
	// appear and still be found by the watch: each query reaches back
	// that far before the latest close it has seen.
	closeWatchLag = 10 * time.Second
	// closeWatchStart is how far back the first query of a watch
	// reaches, with room for this host's clock to run ahead of
	// Temporal's.
	closeWatchStart = time.Minute
	// closeWatchPages bounds the pages of one query (of closeWatchPage
	// runs: more than 10,000 closes in about ten seconds); a read cut
	// short moves the watermark not at all.
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
		w.watermark = time.Now().Add(-closeWatchStart)
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
		closed, latest, complete := w.closedSince(w.watermark)
		w.wake(closed)
		if complete && latest.Add(-closeWatchLag).After(w.watermark) {
			w.watermark = latest.Add(-closeWatchLag)
		}
	}
}

// closedSince returns the run ids that visibility shows closed at or
// after since, the latest close time among them, and whether the read
// was complete (every page, no error).
func (w *closeWatch) closedSince(since time.Time) (runIDs []string, latest time.Time, complete bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var token []byte
	for range closeWatchPages {
		resp, err := w.list(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace:     w.namespace,
			PageSize:      closeWatchPage,
			NextPageToken: token,
			Query:         "CloseTime >= '" + since.UTC().Format(time.RFC3339Nano) + "'",
		})
		if err != nil {
			// A close the long polls missed now waits for their own end:
			// worth a line in the log.
			if time.Since(w.loggedAt) > time.Minute {
				w.loggedAt = time.Now()
				w.logger.Warn("result waits: the visibility query for closed tasks failed", "err", err)
			}
			return runIDs, latest, false
		}
		for _, e := range resp.GetExecutions() {
			runIDs = append(runIDs, e.GetExecution().GetRunId())
			if at := e.GetCloseTime().AsTime(); at.After(latest) {
				latest = at
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return runIDs, latest, true
		}
	}
	return runIDs, latest, false
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

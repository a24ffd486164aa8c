package api

import (
	"context"
	"sync"
)

// closedHistories remembers what the histories of ended runs say: they
// never change, and GET /tasks would otherwise read every listed task's
// whole history on every page. Bounded; the oldest entries go first.
type closedHistories struct {
	mu    sync.Mutex
	byRun map[string]history
	order []string
}

// maxClosedHistories bounds the cache: a few hundred bytes an entry.
const maxClosedHistories = 20_000

func (c *closedHistories) get(runID string) (history, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.byRun[runID]
	return h, ok
}

func (c *closedHistories) put(runID string, h history) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byRun == nil {
		c.byRun = map[string]history{}
	}
	if _, ok := c.byRun[runID]; ok {
		return
	}
	if len(c.order) >= maxClosedHistories {
		delete(c.byRun, c.order[0])
		c.order = c.order[1:]
	}
	c.byRun[runID] = h
	c.order = append(c.order, runID)
}

// historyOf reads a run's history, from the cache when the run has ended.
func (s *Server) historyOf(ctx context.Context, id, runID string, ended bool) (history, error) {
	if ended && runID != "" {
		if h, ok := s.histories.get(runID); ok {
			return h, nil
		}
	}
	h, err := s.readHistory(ctx, id, runID)
	if err == nil && ended && h.close != nil && runID != "" {
		s.histories.put(runID, h)
	}
	return h, err
}

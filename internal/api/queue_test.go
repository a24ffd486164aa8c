package api

import (
	"testing"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// What is dispatched before a run of a priority key: the backlog of the
// keys before it. Without figures by key only the total is known, which
// is the backlog of every key.
func TestQueueSnapshotBacklog(t *testing.T) {
	t.Parallel()
	snap := &queueSnapshot{byKey: map[int32]int64{1: 4, 3: 10, 5: 100}, total: 114}
	for _, tt := range []struct {
		key  int
		want int64
	}{
		{tasks.PriorityKeySubmission - 1, 0},
		{tasks.PriorityKeySubmission, 4},
		{tasks.PriorityKeyPractice - 1, 4},
		{tasks.PriorityKeyPractice, 14},
		{tasks.PriorityKeyRegrade - 1, 14},
		{tasks.PriorityKeyLast, 114},
	} {
		if got := snap.backlog(tt.key); got != tt.want {
			t.Errorf("backlog(%d) = %d, want %d", tt.key, got, tt.want)
		}
	}
	none := &queueSnapshot{byKey: map[int32]int64{}, total: 7}
	if got := none.backlog(tasks.PriorityKeyPractice - 1); got != 0 {
		t.Errorf("without figures by key, backlog before practice = %d, want 0", got)
	}
	if got := none.backlog(tasks.PriorityKeyLast); got != 7 {
		t.Errorf("without figures by key, the whole backlog = %d, want 7", got)
	}
}

// The estimate: the runs ahead at the recent mean run time, as many at
// once as run now; a second a run without recent runs.
func TestEstimateStart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ahead int64
		q     store.TestQueueStats
		want  float64
	}{
		{0, store.TestQueueStats{MeanRunS: 2, Running: 2}, 0},
		{10, store.TestQueueStats{MeanRunS: 0.2, Running: 2}, 1},
		{10, store.TestQueueStats{MeanRunS: 0.2, Running: 0}, 2},
		{3, store.TestQueueStats{}, 3},
		{7, store.TestQueueStats{MeanRunS: 1.234, Running: 3}, 2.9},
	} {
		if got := estimateStart(tt.ahead, &tt.q); got != tt.want {
			t.Errorf("estimateStart(%d, %+v) = %v, want %v", tt.ahead, tt.q, got, tt.want)
		}
	}
}

package tasks

import "testing"

func TestQueueFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		priority  int
		wantQueue string
		wantKey   int
	}{
		{priority: 100, wantQueue: QueueHigh, wantKey: 1},
		{priority: 10, wantQueue: QueueHigh, wantKey: 1},
		{priority: 9, wantQueue: QueueHigh, wantKey: 2},
		{priority: 6, wantQueue: QueueHigh, wantKey: 5},
		{priority: 5, wantQueue: QueueDefault, wantKey: 1},
		{priority: 4, wantQueue: QueueDefault, wantKey: 1},
		{priority: 3, wantQueue: QueueDefault, wantKey: 2},
		{priority: 0, wantQueue: QueueDefault, wantKey: 5},
		{priority: -1, wantQueue: QueueLow, wantKey: 1},
		{priority: -4, wantQueue: QueueLow, wantKey: 4},
		{priority: -50, wantQueue: QueueLow, wantKey: 5},
	}
	for _, tt := range tests {
		if got := QueueFor(tt.priority); got != tt.wantQueue {
			t.Errorf("QueueFor(%d) = %q, want %q", tt.priority, got, tt.wantQueue)
		}
		if got := PriorityKey(tt.priority); got != tt.wantKey {
			t.Errorf("PriorityKey(%d) = %d, want %d", tt.priority, got, tt.wantKey)
		}
	}
}

func TestIsQueue(t *testing.T) {
	t.Parallel()
	for _, q := range Queues() {
		if !IsQueue(q) {
			t.Errorf("IsQueue(%q) = false", q)
		}
	}
	if IsQueue("computor") {
		t.Error(`IsQueue("computor") = true`)
	}
}

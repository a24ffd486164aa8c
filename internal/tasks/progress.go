package tasks

import (
	"context"
	"math"
	"time"

	"go.temporal.io/sdk/activity"
)

// Progress is what a running activity reports as the first value of each
// heartbeat. The API shows the latest one as the task's progress, so a task
// reports progress by heartbeating, with nothing to store: Temporal keeps
// the last heartbeat of each pending activity. Any state the activity needs
// to resume after a crash goes in the heartbeat's second value.
type Progress struct {
	// Percent done, 0 to 100.
	Percent float64 `json:"percent"`
	// Message says what the task is doing now.
	Message string `json:"message"`
}

// Rounded is p with its percent rounded to one decimal, as people read
// it: 6.7, not 6.666666666666667.
func (p Progress) Rounded() Progress {
	p.Percent = math.Round(p.Percent*10) / 10
	return p
}

// Heartbeat records p now and every few seconds until the returned stop
// is called, so that a dead worker is noticed and a cancel reaches a long
// activity.
func Heartbeat(ctx context.Context, p Progress) (stop func()) {
	hbCtx, cancel := context.WithCancel(ctx)
	activity.RecordHeartbeat(ctx, p)
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, p)
			}
		}
	}()
	return cancel
}

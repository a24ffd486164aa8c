package tasks

import "math"

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

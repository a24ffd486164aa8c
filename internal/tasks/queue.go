package tasks

// The three task queues. Workers poll them; the API routes each submit to one
// of them by priority (see [QueueFor]).
const (
	QueueHigh    = "computor-high-priority"
	QueueDefault = "computor-tasks"
	QueueLow     = "computor-low-priority"
)

// Queues returns all task queues, default first.
func Queues() []string {
	return []string{QueueDefault, QueueHigh, QueueLow}
}

// IsQueue reports whether name is one of the task queues.
func IsQueue(name string) bool {
	switch name {
	case QueueHigh, QueueDefault, QueueLow:
		return true
	}
	return false
}

// QueueFor routes a submit priority to its queue, as the usage guide says:
// above 5 the high-priority queue, 0 to 5 the default queue, below 0 the
// low-priority queue.
func QueueFor(priority int) string {
	switch {
	case priority > 5:
		return QueueHigh
	case priority < 0:
		return QueueLow
	default:
		return QueueDefault
	}
}

// Temporal priority keys run from 1 (dispatched first) to 5 (last).
const (
	PriorityKeyFirst = 1
	PriorityKeyLast  = 5
)

// PriorityKey maps a submit priority to the Temporal priority key that orders
// dispatch within its queue: a higher priority gets a smaller key.
//
//	high queue:    6 → 5, 7 → 4, 8 → 3, 9 → 2, 10 and above → 1
//	default queue: 0 → 5, 1 → 4, 2 → 3, 3 → 2, 4 and 5 → 1
//	low queue:    -1 → 1, -2 → 2, -3 → 3, -4 → 4, -5 and below → 5
func PriorityKey(priority int) int {
	// Far outside the ranges every priority maps like the queue's end;
	// clamping first keeps the arithmetic below from overflowing.
	priority = min(max(priority, -100), 100)
	var key int
	switch QueueFor(priority) {
	case QueueHigh:
		key = 11 - priority
	case QueueLow:
		key = -priority
	default:
		key = 5 - priority
	}
	return min(max(key, PriorityKeyFirst), PriorityKeyLast)
}

// Test runs, whatever task and queue they belong to, are dispatched from
// one task queue of their own, QueueTests, which only workers with a
// sandbox poll, each with as many activity slots as its sandbox runs at
// once: runs wait in Temporal's matching, not in a worker, so that its
// priority keys order them by class (the fairness key, the course member, then shares each class
// fairly among students). The task's own queue, chosen by its submit
// priority as above, carries its workflow and its short steps; a student
// cannot move their test run ahead by submitting at a high priority.
//
//	graded submissions (submission_processing)  PriorityKeySubmission  1
//	practice runs (student_testing)             PriorityKeyPractice    3
//	regrades (regrade_content)                  PriorityKeyRegrade     5
const (
	QueueTests            = "computor-tests"
	PriorityKeySubmission = 1
	PriorityKeyPractice   = 3
	PriorityKeyRegrade    = 5
)

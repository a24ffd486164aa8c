package tasks

import (
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

func TestStartOptions(t *testing.T) {
	typ := &Type{name: "example", timeout: time.Hour}
	for _, tc := range []struct {
		name  string
		start Start
		queue string
		eager bool
	}{
		{"high, now", Start{ID: "a", Priority: 10}, QueueHigh, true},
		{"default, now", Start{ID: "b"}, QueueDefault, true},
		{"low, later", Start{ID: "c", Priority: -5, Delay: time.Minute}, QueueLow, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := typ.StartOptions(tc.start)
			if want := PriorityKey(tc.start.Priority); o.ID != tc.start.ID || o.TaskQueue != tc.queue || o.Priority.PriorityKey != want {
				t.Errorf("id %q queue %q priority key %d; want %q %q %d", o.ID, o.TaskQueue, o.Priority.PriorityKey, tc.start.ID, tc.queue, want)
			}
			// A delayed start waits on the server; only an immediate one
			// may be handed to a local worker.
			if o.EnableEagerStart != tc.eager || o.StartDelay != tc.start.Delay {
				t.Errorf("eager %v delay %v; want eager %v", o.EnableEagerStart, o.StartDelay, tc.eager)
			}
			// Idempotent submits: the same id finds the same task.
			if o.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING ||
				o.WorkflowIDReusePolicy != enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE {
				t.Errorf("id policies %v %v", o.WorkflowIDConflictPolicy, o.WorkflowIDReusePolicy)
			}
			if o.WorkflowExecutionTimeout != time.Hour {
				t.Errorf("timeout %v", o.WorkflowExecutionTimeout)
			}
		})
	}
}

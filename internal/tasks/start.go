package tasks

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/engine"
)

// Start says how one task is started.
type Start struct {
	// ID is the task id, also the workflow id.
	ID string
	// Priority routes the task (QueueFor) and orders it within its queue
	// (PriorityKey).
	Priority int
	// Submitter is the `sub` of the caller, kept as a search attribute and
	// in the memo so the Web UI shows and filters it.
	Submitter string
	// Delay starts the task later.
	Delay time.Duration
	// FairnessKey shares dispatch fairly among keys within a priority: the
	// tasks of one key do not starve another's. Empty: one shared key.
	FairnessKey string
	// Request, when set, is a digest of the request that started the
	// task, kept in the memo (MemoRequest) so that a retry with the same
	// idempotency key but another request can be told apart.
	Request string
}

// MemoRequest is the memo field of Start.Request.
const MemoRequest = "request_sha256"

// MemoProgress is the memo field in which a workflow that fans out (its
// activities' heartbeats tell only their own part) keeps its Progress.
const MemoProgress = "progress"

// StartOptions returns the Temporal options that start a task of this type.
// A second start with the same ID finds the first task, running or ended,
// and starts nothing new: that is what makes a submit idempotent.
func (t *Type) StartOptions(s Start) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       s.ID,
		TaskQueue:                QueueFor(s.Priority),
		WorkflowExecutionTimeout: t.timeout,
		StartDelay:               s.Delay,
		Priority:                 temporal.Priority{PriorityKey: PriorityKey(s.Priority), FairnessKey: s.FairnessKey},
		TypedSearchAttributes: temporal.NewSearchAttributes(
			engine.SubmitterKey.ValueSet(s.Submitter),
			engine.PriorityKey.ValueSet(int64(s.Priority)),
		),
		// The Web UI shows Temporal's priority key as "Priority"; the memo
		// says what the API's priority was, and how it became the key.
		Memo:                     memo(s),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// When a worker shares this process's client and has a free slot
		// (`computor dev`), Temporal hands it the first workflow task in
		// the start's answer instead of through matching: fewer writes,
		// less latency. Elsewhere the SDK leaves it out. Not with a delay,
		// which must wait on the server.
		EnableEagerStart: s.Delay == 0,
	}
}

func memo(s Start) map[string]any {
	m := map[string]any{"submitter": s.Submitter, "priority": s.Priority,
		"priority_key": fmt.Sprintf("the UI's Priority %d is Temporal's key for API priority %d (key 1 is dispatched first, 5 last)",
			PriorityKey(s.Priority), s.Priority)}
	if s.Request != "" {
		m[MemoRequest] = s.Request
	}
	return m
}

package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Task statuses, as the usage guide names them.
const (
	StatusQueued    = "QUEUED"
	StatusStarted   = "STARTED"
	StatusFinished  = "FINISHED"
	StatusFailed    = "FAILED"
	StatusCancelled = "CANCELLED"
)

// TaskInfo is the answer to GET /tasks/{id} and one item of GET /tasks.
type TaskInfo struct {
	TaskID     string          `json:"task_id"`
	TaskName   string          `json:"task_name"`
	Status     string          `json:"status"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Error      *string         `json:"error"`
	Worker     *string         `json:"worker"`
	Queue      string          `json:"queue"`
	Priority   int             `json:"priority"`
	Progress   *tasks.Progress `json:"progress"`
	Retries    int             `json:"retries"`
	Submitter  string          `json:"submitter"`
	// Hint says why a task waits, when the API can tell: no worker polls
	// the queue of a QUEUED task.
	Hint string `json:"hint,omitempty"`
	// Waiting, for a task whose test run has not begun, estimates when
	// it will (GET /tasks/{id} only).
	Waiting *Waiting `json:"waiting,omitempty"`
}

// describeTask fetches a task the caller may see. A task of another user is
// a 404, as if it did not exist.
func (s *Server) describeTask(ctx context.Context, claims *auth.Claims, id string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if id == "" || len(id) > 1000 {
		return nil, errTaskNotFound(id)
	}
	noteTaskID(ctx, id)
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
	if isTemporalNotFound(err) {
		return nil, errTaskNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("describe task %s: %w", id, err)
	}
	if !claims.IsAdmin() && submitterOf(desc.GetWorkflowExecutionInfo().GetSearchAttributes()) != claims.Subject {
		return nil, errTaskNotFound(id)
	}
	return desc, nil
}

func submitterOf(sa *commonpb.SearchAttributes) string {
	var sub string
	if p := sa.GetIndexedFields()[engine.AttrSubmitter]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &sub)
	}
	return sub
}

func priorityOf(sa *commonpb.SearchAttributes) int {
	var prio int64
	if p := sa.GetIndexedFields()[engine.AttrPriority]; p != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(p, &prio)
	}
	return int(prio)
}

// baseInfo is what Describe alone tells about a task.
func baseInfo(desc *workflowservice.DescribeWorkflowExecutionResponse) TaskInfo {
	wf := desc.GetWorkflowExecutionInfo()
	info := visibleInfo(wf)
	if info.Status == StatusQueued {
		// Started and the first workflow task scheduled make two events; a
		// third means a worker picked the task up.
		if wf.GetHistoryLength() > 2 || len(desc.GetPendingActivities()) > 0 ||
			desc.GetPendingWorkflowTask().GetState() == enumspb.PENDING_WORKFLOW_TASK_STATE_STARTED {
			info.Status = StatusStarted
		}
	}
	for _, a := range desc.GetPendingActivities() {
		info.Retries += max(int(a.GetAttempt())-1, 0)
		if id := a.GetLastWorkerIdentity(); id != "" {
			info.Worker = &id
		}
		if p := progressOf(a.GetHeartbeatDetails()); p != nil {
			info.Progress = p
		}
	}
	// A task that fans out keeps its whole progress in its memo.
	if p := wf.GetMemo().GetFields()[tasks.MemoProgress]; p != nil && info.Status != StatusFinished {
		if pr := progressOf(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}}); pr != nil {
			info.Progress = pr
		}
	}
	return info
}

// visibleInfo is what the execution info of Describe or a visibility list
// tells about a task. A running task is QUEUED here; baseInfo knows more.
func visibleInfo(wf *workflowpb.WorkflowExecutionInfo) TaskInfo {
	info := TaskInfo{
		TaskID:    wf.GetExecution().GetWorkflowId(),
		TaskName:  wf.GetType().GetName(),
		CreatedAt: wf.GetStartTime().AsTime().UTC(),
		Queue:     wf.GetTaskQueue(),
		Priority:  priorityOf(wf.GetSearchAttributes()),
		Submitter: submitterOf(wf.GetSearchAttributes()),
	}
	if ct := wf.GetCloseTime(); ct != nil && wf.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t := ct.AsTime().UTC()
		info.FinishedAt = &t
	}
	switch wf.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		info.Status = StatusFinished
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		info.Status = StatusFailed
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		info.Status = StatusCancelled
	default:
		info.Status = StatusQueued
	}
	if info.Status == StatusFinished {
		info.Progress = &tasks.Progress{Percent: 100, Message: "finished"}
	}
	return info
}

// progressOf decodes the first heartbeat value as Progress.
func progressOf(details *commonpb.Payloads) *tasks.Progress {
	if len(details.GetPayloads()) == 0 {
		return nil
	}
	var p *tasks.Progress
	if err := converter.GetDefaultDataConverter().FromPayload(details.GetPayloads()[0], &p); err != nil || p == nil {
		return nil
	}
	r := p.Rounded()
	return &r
}

// history is what a task's event history adds to Describe.
type history struct {
	startedAt *time.Time
	worker    string
	retries   int
	close     *historypb.HistoryEvent
}

// readHistory scans a task's events once.
func (s *Server) readHistory(ctx context.Context, id, runID string) (history, error) {
	var h history
	it := s.temporal.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return h, fmt.Errorf("read history of %s: %w", id, err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			if h.startedAt == nil {
				t := ev.GetEventTime().AsTime().UTC()
				h.startedAt = &t
			}
			h.worker = ev.GetWorkflowTaskStartedEventAttributes().GetIdentity()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			h.retries += max(int(a.GetAttempt())-1, 0)
			h.worker = a.GetIdentity()
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
			h.close = ev
		}
	}
	return h, nil
}

// fullInfo combines Describe and the history.
func (s *Server) fullInfo(ctx context.Context, desc *workflowservice.DescribeWorkflowExecutionResponse) (TaskInfo, *historypb.HistoryEvent, error) {
	info := baseInfo(desc)
	exec := desc.GetWorkflowExecutionInfo().GetExecution()
	h, err := s.readHistory(ctx, exec.GetWorkflowId(), exec.GetRunId())
	if err != nil {
		return info, nil, err
	}
	h.apply(&info)
	return info, h.close, nil
}

// apply adds what the history tells to info.
func (h history) apply(info *TaskInfo) {
	info.StartedAt = h.startedAt
	if info.StartedAt != nil && info.Status == StatusQueued {
		info.Status = StatusStarted
	}
	info.Retries += h.retries
	if info.Worker == nil && h.worker != "" {
		info.Worker = &h.worker
	}
	if msg := closeError(h.close); msg != "" {
		info.Error = &msg
	}
}

// closeError is the readable error of a task that did not finish well.
func closeError(ev *historypb.HistoryEvent) string {
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		return failureMessage(ev.GetWorkflowExecutionFailedEventAttributes().GetFailure())
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		return "the task timed out"
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		reason := ev.GetWorkflowExecutionTerminatedEventAttributes().GetReason()
		if reason == "" {
			return "the task was terminated"
		}
		return "the task was terminated: " + reason
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		return "the task was cancelled"
	}
	return ""
}

// failureMessage joins a failure's messages down its cause chain, leaving
// out Temporal's generic wrappers ("activity error").
func failureMessage(f *failurepb.Failure) string {
	var parts []string
	for ; f != nil; f = f.GetCause() {
		msg := f.GetMessage()
		if f.GetActivityFailureInfo() != nil {
			msg = "activity " + f.GetActivityFailureInfo().GetActivityType().GetName() + " failed"
		}
		if ti := f.GetTimeoutFailureInfo(); ti != nil {
			msg = "timed out (" + strings.ToLower(strings.TrimPrefix(enumspb.TimeoutType_name[int32(ti.GetTimeoutType())], "TIMEOUT_TYPE_")) + ")"
		}
		if msg != "" && (len(parts) == 0 || parts[len(parts)-1] != msg) {
			parts = append(parts, msg)
		}
	}
	return strings.Join(parts, ": ")
}

// resultOf decodes the result of a completed task as raw JSON.
func resultOf(ev *historypb.HistoryEvent) (json.RawMessage, error) {
	payloads := ev.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads()
	if len(payloads) == 0 {
		return json.RawMessage("null"), nil
	}
	var raw json.RawMessage
	if err := converter.GetDefaultDataConverter().FromPayload(payloads[0], &raw); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if len(raw) == 0 || !json.Valid(raw) {
		return json.RawMessage("null"), nil
	}
	return raw, nil
}

func (s *Server) serveTask(w http.ResponseWriter, r *http.Request) error {
	desc, err := s.describeTask(r.Context(), claimsOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	info, _, err := s.fullInfo(r.Context(), desc)
	if err != nil {
		return err
	}
	if info.Status == StatusQueued {
		info.Hint = s.queueHint(r.Context(), info.Queue)
	}
	info.Waiting = s.testRunWaiting(r.Context(), info)
	writeJSON(w, http.StatusOK, info)
	return nil
}

// queueHint is a hint for a task waiting in queue: that no worker polls
// it. "" when one does, or when Temporal cannot tell.
func (s *Server) queueHint(ctx context.Context, queue string) string {
	resp, err := s.temporal.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     s.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
	})
	if err != nil {
		return ""
	}
	for _, p := range resp.GetPollers() {
		if time.Since(p.GetLastAccessTime().AsTime()) <= PollerWindow {
			return ""
		}
	}
	return fmt.Sprintf("no worker is polling %s (none in the last %s): start one with `computor worker`, or check GET /tasks/workers/status", queue, PollerWindow)
}

package api

import (
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

func appFailure(msg string, cause *failurepb.Failure) *failurepb.Failure {
	return &failurepb.Failure{
		Message: msg,
		Cause:   cause,
		FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
			ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: "TestError"}},
	}
}

func activityFailure(activity string, cause *failurepb.Failure) *failurepb.Failure {
	return &failurepb.Failure{
		Message: "activity error",
		Cause:   cause,
		FailureInfo: &failurepb.Failure_ActivityFailureInfo{ActivityFailureInfo: &failurepb.ActivityFailureInfo{
			ActivityType: &commonpb.ActivityType{Name: activity},
			RetryState:   enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
		}},
	}
}

func timeoutFailure(typ enumspb.TimeoutType) *failurepb.Failure {
	return &failurepb.Failure{
		Message: "activity " + typ.String() + " timeout",
		FailureInfo: &failurepb.Failure_TimeoutFailureInfo{
			TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: typ}},
	}
}

func TestFailureMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		failure *failurepb.Failure
		want    string
	}{
		{"nil", nil, ""},
		{"plain", appFailure("boom", nil), "boom"},
		{"activity", activityFailure("ProcessChunk", appFailure("disk full", nil)),
			"activity ProcessChunk failed: disk full"},
		{"wrapped activity", appFailure("processing failed", activityFailure("ProcessChunk", appFailure("disk full", nil))),
			"processing failed: activity ProcessChunk failed: disk full"},
		{"start to close timeout", activityFailure("Sleep", timeoutFailure(enumspb.TIMEOUT_TYPE_START_TO_CLOSE)),
			"activity Sleep failed: timed out (start_to_close)"},
		{"heartbeat timeout", activityFailure("Sleep", timeoutFailure(enumspb.TIMEOUT_TYPE_HEARTBEAT)),
			"activity Sleep failed: timed out (heartbeat)"},
		{"schedule to close timeout", timeoutFailure(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
			"timed out (schedule_to_close)"},
		{"timeout with last failure", activityFailure("Sleep", &failurepb.Failure{
			FailureInfo: &failurepb.Failure_TimeoutFailureInfo{TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: enumspb.TIMEOUT_TYPE_START_TO_CLOSE}},
			Cause:       appFailure("still busy", nil),
		}), "activity Sleep failed: timed out (start_to_close): still busy"},
		{"duplicates collapsed", appFailure("boom", appFailure("boom", appFailure("boom", nil))), "boom"},
		{"duplicate after activity", appFailure("boom", activityFailure("A", appFailure("boom", nil))),
			"boom: activity A failed: boom"},
		{"empty messages left out", appFailure("", appFailure("", appFailure("root cause", nil))), "root cause"},
		{"canceled", &failurepb.Failure{Message: "canceled", FailureInfo: &failurepb.Failure_CanceledFailureInfo{
			CanceledFailureInfo: &failurepb.CanceledFailureInfo{}}}, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := failureMessage(tt.failure); got != tt.want {
				t.Fatalf("failureMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCloseError(t *testing.T) {
	t.Parallel()
	failed := closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
	failed.GetWorkflowExecutionFailedEventAttributes().Failure = activityFailure("Fetch", appFailure("HTTP 502", nil))
	terminated := closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
	terminated.GetWorkflowExecutionTerminatedEventAttributes().Reason = "stuck since Monday"
	tests := []struct {
		name string
		ev   *historypb.HistoryEvent
		want string
	}{
		{"no event", nil, ""},
		{"completed", closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED), ""},
		{"continued as new", closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW), ""},
		{"failed", failed, "activity Fetch failed: HTTP 502"},
		{"timed out", closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT), "the task timed out"},
		{"terminated with reason", terminated, "the task was terminated: stuck since Monday"},
		{"terminated without reason", closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED), "the task was terminated"},
		{"canceled", closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED), "the task was cancelled"},
	}
	for _, tt := range tests {
		if got := closeError(tt.ev); got != tt.want {
			t.Errorf("%s: closeError = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// payload encodes v as the SDK and the server do.
func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func heartbeat(t *testing.T, vs ...any) *commonpb.Payloads {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(vs...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func brokenPayloads() *commonpb.Payloads {
	return &commonpb.Payloads{Payloads: []*commonpb.Payload{{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
		Data:     []byte(`{"percent":`),
	}}}
}

func TestProgressOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		details *commonpb.Payloads
		want    *tasks.Progress
	}{
		{"nil", nil, nil},
		{"no payloads", &commonpb.Payloads{}, nil},
		{"progress", heartbeat(t, tasks.Progress{Percent: 42.5, Message: "chunk 3 of 8"}), &tasks.Progress{Percent: 42.5, Message: "chunk 3 of 8"}},
		{"progress and resume state", heartbeat(t, tasks.Progress{Percent: 10, Message: "x"}, map[string]int{"next": 4}), &tasks.Progress{Percent: 10, Message: "x"}},
		{"as a map", heartbeat(t, map[string]any{"percent": 7, "message": "m"}), &tasks.Progress{Percent: 7, Message: "m"}},
		{"a string", heartbeat(t, "halfway"), nil},
		{"a number", heartbeat(t, 50), nil},
		{"wrong field type", heartbeat(t, map[string]any{"percent": "half"}), nil},
		{"broken json", brokenPayloads(), nil},
		{"unknown encoding", &commonpb.Payloads{Payloads: []*commonpb.Payload{{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte("x/unknown")}, Data: []byte("{}")}}}, nil},
	}
	for _, tt := range tests {
		got := progressOf(tt.details)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("%s: progressOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestSearchAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sa        *commonpb.SearchAttributes
		submitter string
		priority  int
	}{
		{"nil", nil, "", 0},
		{"empty", &commonpb.SearchAttributes{}, "", 0},
		{"both", &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			engine.AttrSubmitter: payload(t, "alice"), engine.AttrPriority: payload(t, int64(7)),
		}}, "alice", 7},
		{"negative priority", &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			engine.AttrPriority: payload(t, int64(-4)),
		}}, "", -4},
		{"wrong types", &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			engine.AttrSubmitter: payload(t, 5), engine.AttrPriority: payload(t, "high"),
		}}, "", 0},
		{"other attributes only", &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			"CustomKeywordField": payload(t, "alice"), "CustomIntField": payload(t, 3),
		}}, "", 0},
	}
	for _, tt := range tests {
		if got := submitterOf(tt.sa); got != tt.submitter {
			t.Errorf("%s: submitterOf = %q, want %q", tt.name, got, tt.submitter)
		}
		if got := priorityOf(tt.sa); got != tt.priority {
			t.Errorf("%s: priorityOf = %d, want %d", tt.name, got, tt.priority)
		}
	}
}

var (
	testStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	testClose = testStart.Add(90 * time.Second)
)

// execInfo is the execution info of a task of alice with priority 7.
func execInfo(t *testing.T, status enumspb.WorkflowExecutionStatus, historyLength int64) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	wf := &workflowpb.WorkflowExecutionInfo{
		Execution:     &commonpb.WorkflowExecution{WorkflowId: "example_long_running-1", RunId: "run-1"},
		Type:          &commonpb.WorkflowType{Name: "example_long_running"},
		StartTime:     timestamppb.New(testStart),
		Status:        status,
		HistoryLength: historyLength,
		TaskQueue:     tasks.QueueHigh,
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			engine.AttrSubmitter: payload(t, "alice"),
			engine.AttrPriority:  payload(t, int64(7)),
		}},
	}
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		wf.CloseTime = timestamppb.New(testClose)
	}
	return wf
}

func TestVisibleInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   enumspb.WorkflowExecutionStatus
		want     string
		finished bool
	}{
		{enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, StatusQueued, false},
		{enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, StatusFinished, true},
		{enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, StatusFailed, true},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, StatusFailed, true},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, StatusFailed, true},
		{enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, StatusCancelled, true},
	}
	for _, tt := range tests {
		t.Run(tt.status.String(), func(t *testing.T) {
			t.Parallel()
			info := visibleInfo(execInfo(t, tt.status, 20))
			if info.Status != tt.want {
				t.Fatalf("status %s, want %s", info.Status, tt.want)
			}
			if info.TaskID != "example_long_running-1" || info.TaskName != "example_long_running" ||
				info.Queue != tasks.QueueHigh || info.Priority != 7 || info.Submitter != "alice" {
				t.Fatalf("info %+v", info)
			}
			if !info.CreatedAt.Equal(testStart) || info.CreatedAt.Location() != time.UTC {
				t.Fatalf("created_at %v, want %v in UTC", info.CreatedAt, testStart)
			}
			if tt.finished != (info.FinishedAt != nil) {
				t.Fatalf("finished_at %v", info.FinishedAt)
			}
			if info.FinishedAt != nil && (!info.FinishedAt.Equal(testClose) || info.FinishedAt.Location() != time.UTC) {
				t.Fatalf("finished_at %v, want %v in UTC", info.FinishedAt, testClose)
			}
			if info.StartedAt != nil || info.Error != nil || info.Worker != nil || info.Retries != 0 {
				t.Fatalf("visibility alone cannot know %+v", info)
			}
			wantProgress := tt.want == StatusFinished
			if wantProgress != (info.Progress != nil) || (wantProgress && *info.Progress != tasks.Progress{Percent: 100, Message: "finished"}) {
				t.Fatalf("progress %+v", info.Progress)
			}
		})
	}
	t.Run("running with a close time", func(t *testing.T) {
		t.Parallel()
		wf := execInfo(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, 3)
		wf.CloseTime = timestamppb.New(testClose)
		if info := visibleInfo(wf); info.FinishedAt != nil {
			t.Fatalf("a running task has finished_at %v", info.FinishedAt)
		}
	})
}

func TestBaseInfo(t *testing.T) {
	t.Parallel()
	running := enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	type pending = workflowpb.PendingActivityInfo
	tests := []struct {
		name     string
		status   enumspb.WorkflowExecutionStatus
		length   int64
		wfTask   enumspb.PendingWorkflowTaskState
		pending  []*pending
		want     string
		retries  int
		worker   string
		progress *tasks.Progress
	}{
		{name: "delayed start", status: running, length: 1, want: StatusQueued},
		{name: "waiting for a worker", status: running, length: 2, want: StatusQueued},
		{name: "workflow task scheduled", status: running, length: 2, wfTask: enumspb.PENDING_WORKFLOW_TASK_STATE_SCHEDULED, want: StatusQueued},
		{name: "workflow task started", status: running, length: 2, wfTask: enumspb.PENDING_WORKFLOW_TASK_STATE_STARTED, want: StatusStarted},
		{name: "third event", status: running, length: 3, want: StatusStarted},
		{name: "pending activity", status: running, length: 2, pending: []*pending{{Attempt: 1}}, want: StatusStarted},
		{name: "retrying activity", status: running, length: 5,
			pending: []*pending{{Attempt: 3, LastWorkerIdentity: "worker@host-a"}}, want: StatusStarted, retries: 2, worker: "worker@host-a"},
		{name: "attempts of two activities", status: running, length: 9,
			pending: []*pending{{Attempt: 2}, {Attempt: 4}, {Attempt: 0}}, want: StatusStarted, retries: 4},
		{name: "progress", status: running, length: 5,
			pending: []*pending{{Attempt: 1, LastWorkerIdentity: "w1", HeartbeatDetails: heartbeat(t, tasks.Progress{Percent: 30, Message: "step 3"})}},
			want:    StatusStarted, worker: "w1", progress: &tasks.Progress{Percent: 30, Message: "step 3"}},
		{name: "undecodable progress", status: running, length: 5,
			pending: []*pending{{Attempt: 1, HeartbeatDetails: brokenPayloads()}}, want: StatusStarted},
		{name: "later activity without heartbeat keeps progress", status: running, length: 7,
			pending: []*pending{
				{Attempt: 1, LastWorkerIdentity: "w1", HeartbeatDetails: heartbeat(t, tasks.Progress{Percent: 60, Message: "a"})},
				{Attempt: 1, HeartbeatDetails: brokenPayloads()},
			}, want: StatusStarted, worker: "w1", progress: &tasks.Progress{Percent: 60, Message: "a"}},
		{name: "completed", status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, length: 11, want: StatusFinished,
			progress: &tasks.Progress{Percent: 100, Message: "finished"}},
		{name: "failed", status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, length: 11, want: StatusFailed},
		{name: "timed out", status: enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, length: 2, want: StatusFailed},
		{name: "terminated", status: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, length: 2, want: StatusFailed},
		{name: "canceled", status: enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, length: 2, want: StatusCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			desc := &workflowservice.DescribeWorkflowExecutionResponse{
				WorkflowExecutionInfo: execInfo(t, tt.status, tt.length),
				PendingActivities:     tt.pending,
			}
			if tt.wfTask != enumspb.PENDING_WORKFLOW_TASK_STATE_UNSPECIFIED {
				desc.PendingWorkflowTask = &workflowpb.PendingWorkflowTaskInfo{State: tt.wfTask}
			}
			info := baseInfo(desc)
			if info.Status != tt.want {
				t.Fatalf("status %s, want %s", info.Status, tt.want)
			}
			if info.Retries != tt.retries {
				t.Fatalf("retries %d, want %d", info.Retries, tt.retries)
			}
			if got := ""; info.Worker != nil {
				got = *info.Worker
				if got != tt.worker {
					t.Fatalf("worker %q, want %q", got, tt.worker)
				}
			} else if tt.worker != "" {
				t.Fatalf("no worker, want %q", tt.worker)
			}
			if (info.Progress == nil) != (tt.progress == nil) || (info.Progress != nil && *info.Progress != *tt.progress) {
				t.Fatalf("progress %+v, want %+v", info.Progress, tt.progress)
			}
			if info.Submitter != "alice" || info.Priority != 7 || info.TaskID != "example_long_running-1" {
				t.Fatalf("info %+v", info)
			}
		})
	}
}

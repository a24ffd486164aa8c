package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

func TestParseWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait string
		want time.Duration
		bad  bool
	}{
		{wait: "", want: 0},
		{wait: "0", want: 0},
		{wait: "0s", want: 0},
		{wait: "30s", want: 30 * time.Second},
		{wait: "30", want: 30 * time.Second},
		{wait: "1.5", want: 1500 * time.Millisecond},
		{wait: "500ms", want: 500 * time.Millisecond},
		{wait: "1m", want: time.Minute},
		{wait: "60s", want: MaxWait},
		{wait: "60", want: MaxWait},
		{wait: "61s", bad: true},
		{wait: "61", bad: true},
		{wait: "60.001", bad: true},
		{wait: "2m", bad: true},
		{wait: "1h", bad: true},
		{wait: "-1s", bad: true},
		{wait: "-1", bad: true},
		{wait: "abc", bad: true},
		{wait: "30 s", bad: true},
		{wait: "NaN", bad: true},
		{wait: "Inf", bad: true},
		{wait: "+Inf", bad: true},
		{wait: "-Inf", bad: true},
		{wait: "1e400", bad: true},
		{wait: "1e300", bad: true},
		{wait: "1e10", bad: true},
		{wait: "9999999999999h", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.wait, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/tasks/x/result?wait="+url.QueryEscape(tt.wait), nil)
			got, err := parseWait(r)
			if !tt.bad {
				if err != nil || got != tt.want {
					t.Fatalf("parseWait(%q) = %v, %v; want %v", tt.wait, got, err, tt.want)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != http.StatusUnprocessableEntity || got != 0 {
				t.Fatalf("parseWait(%q) = %v, %v; want a 422", tt.wait, got, err)
			}
			if !slices.Equal(fieldNames(p), []string{"wait"}) || p.Errors[0].Message == "" {
				t.Fatalf("parseWait(%q) names %+v, want wait", tt.wait, p.Errors)
			}
		})
	}
}

// closeEvent builds a close event of type typ with empty attributes.
func closeEvent(typ enumspb.EventType) *historypb.HistoryEvent {
	ev := &historypb.HistoryEvent{EventId: 9, EventType: typ}
	switch typ {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
			WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{
			WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionTimedOutEventAttributes{
			WorkflowExecutionTimedOutEventAttributes: &historypb.WorkflowExecutionTimedOutEventAttributes{}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{
			WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionCanceledEventAttributes{
			WorkflowExecutionCanceledEventAttributes: &historypb.WorkflowExecutionCanceledEventAttributes{}}
	}
	return ev
}

func TestStatusOfClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  enumspb.EventType
		want string
	}{
		{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, StatusFinished},
		{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, StatusFailed},
		{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, StatusFailed},
		{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, StatusFailed},
		{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, StatusCancelled},
	}
	for _, tt := range tests {
		if got := statusOfClose(closeEvent(tt.typ)); got != tt.want {
			t.Errorf("statusOfClose(%s) = %s, want %s", tt.typ, got, tt.want)
		}
	}
}

func TestResultOf(t *testing.T) {
	t.Parallel()
	dc := converter.GetDefaultDataConverter()
	payloads := func(vs ...any) *commonpb.Payloads {
		p, err := dc.ToPayloads(vs...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		result *commonpb.Payloads
		want   string
		bad    bool
	}{
		{name: "no result", result: nil, want: `null`},
		{name: "empty payloads", result: &commonpb.Payloads{}, want: `null`},
		{name: "object", result: payloads(map[string]any{"rows": 3, "ok": true}), want: `{"ok":true,"rows":3}`},
		{name: "string", result: payloads("done"), want: `"done"`},
		{name: "number", result: payloads(42.5), want: `42.5`},
		{name: "first of two", result: payloads([]int{1, 2}, "second"), want: `[1,2]`},
		{name: "broken json", result: &commonpb.Payloads{Payloads: []*commonpb.Payload{{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
			Data:     []byte(`{"rows":`),
		}}}, bad: true},
		{name: "unknown encoding", result: &commonpb.Payloads{Payloads: []*commonpb.Payload{{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte("x/unknown")},
			Data:     []byte(`1`),
		}}}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := closeEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
			ev.GetWorkflowExecutionCompletedEventAttributes().Result = tt.result
			got, err := resultOf(ev)
			if tt.bad {
				if err == nil {
					t.Fatalf("resultOf = %s, want an error", got)
				}
				if _, internal := toProblem(err); !internal {
					t.Fatalf("an undecodable result is not an internal error: %v", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("resultOf = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

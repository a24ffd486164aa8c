package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	t.Parallel()
	cursor := []byte{0, 1, 2, 0xfb, 0xff, 0xfe}
	tests := []struct {
		name  string
		query string
		admin bool
		sub   string
		// want and wantQuery are checked when fields is nil; else the
		// problem must name exactly fields.
		want      ListParams
		wantQuery string
		fields    []string
	}{
		{name: "user defaults", sub: "alice",
			want:      ListParams{Submitter: "alice", Limit: DefaultPageSize},
			wantQuery: `ComputorSubmitter = 'alice'`},
		{name: "admin defaults", admin: true, sub: "root",
			want:      ListParams{Limit: DefaultPageSize},
			wantQuery: ``},
		{name: "admin filters by submitter", query: "submitter=bob", admin: true, sub: "root",
			want:      ListParams{Submitter: "bob", Limit: DefaultPageSize},
			wantQuery: `ComputorSubmitter = 'bob'`},
		{name: "user names self", query: "submitter=alice", sub: "alice",
			want:      ListParams{Submitter: "alice", Limit: DefaultPageSize},
			wantQuery: `ComputorSubmitter = 'alice'`},
		{name: "every filter", query: "status=FAILED&task_name=example_long_running&queue=computor-tasks", sub: "alice",
			want:      ListParams{Status: StatusFailed, TaskName: "example_long_running", Queue: "computor-tasks", Submitter: "alice", Limit: DefaultPageSize},
			wantQuery: `ComputorSubmitter = 'alice' AND WorkflowType = 'example_long_running' AND TaskQueue = 'computor-tasks' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated')`},
		{name: "lower-case status", query: "status=finished", admin: true,
			want:      ListParams{Status: StatusFinished, Limit: DefaultPageSize},
			wantQuery: `(ExecutionStatus = 'Completed')`},
		{name: "mixed-case status", query: "status=Cancelled", admin: true,
			want:      ListParams{Status: StatusCancelled, Limit: DefaultPageSize},
			wantQuery: `(ExecutionStatus = 'Canceled')`},
		{name: "queued", query: "status=QUEUED&queue=computor-high-priority", admin: true,
			want:      ListParams{Status: StatusQueued, Queue: "computor-high-priority", Limit: DefaultPageSize},
			wantQuery: `TaskQueue = 'computor-high-priority' AND (ExecutionStatus = 'Running')`},
		{name: "started", query: "status=started", admin: true,
			want:      ListParams{Status: StatusStarted, Limit: DefaultPageSize},
			wantQuery: `(ExecutionStatus = 'Running')`},
		{name: "limit min", query: "limit=1", admin: true,
			want: ListParams{Limit: 1}},
		{name: "limit max", query: "limit=100", admin: true,
			want: ListParams{Limit: MaxPageSize}},
		{name: "cursor", query: "cursor=" + base64.RawURLEncoding.EncodeToString(cursor), admin: true,
			want: ListParams{Limit: DefaultPageSize, Cursor: cursor}},

		{name: "another user's tasks", query: "submitter=bob", sub: "alice", fields: []string{"submitter"}},
		{name: "single quote", query: "submitter=o%27brien", admin: true, fields: []string{"submitter"}},
		{name: "double quote", query: "submitter=a%22b", admin: true, fields: []string{"submitter"}},
		{name: "backslash", query: "submitter=a%5Cb", admin: true, fields: []string{"submitter"}},
		{name: "injection", query: "submitter=x%27%20OR%20%27a%27%3D%27a", admin: true, fields: []string{"submitter"}},
		{name: "unknown status", query: "status=DONE", admin: true, fields: []string{"status"}},
		{name: "unknown task_name", query: "task_name=nope", admin: true, fields: []string{"task_name"}},
		{name: "task_name case matters", query: "task_name=EXAMPLE_LONG_RUNNING", admin: true, fields: []string{"task_name"}},
		{name: "unknown queue", query: "queue=q", admin: true, fields: []string{"queue"}},
		{name: "limit zero", query: "limit=0", admin: true, fields: []string{"limit"}},
		{name: "limit negative", query: "limit=-1", admin: true, fields: []string{"limit"}},
		{name: "limit over max", query: "limit=101", admin: true, fields: []string{"limit"}},
		{name: "limit not a number", query: "limit=ten", admin: true, fields: []string{"limit"}},
		{name: "limit fraction", query: "limit=1.5", admin: true, fields: []string{"limit"}},
		{name: "cursor not base64", query: "cursor=%21%21%21", admin: true, fields: []string{"cursor"}},
		{name: "cursor padded", query: "cursor=AAE%3D", admin: true, fields: []string{"cursor"}},
		{name: "cursor std alphabet", query: "cursor=%2B%2F%2B%2F", admin: true, fields: []string{"cursor"}},
		{name: "every parameter bad", query: "status=x&task_name=y&queue=z&submitter=bob&limit=0&cursor=%21", sub: "alice",
			fields: []string{"status", "task_name", "queue", "submitter", "limit", "cursor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			r := httptest.NewRequest(http.MethodGet, "/tasks?"+tt.query, nil)
			got, err := b.server.parseList(r, tt.admin, tt.sub)
			if tt.fields != nil {
				var p *Problem
				if !errors.As(err, &p) || p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("parseList(%s) = %+v, %v; want a 422", tt.query, got, err)
				}
				if names := fieldNames(p); !slices.Equal(names, tt.fields) {
					t.Fatalf("parseList(%s) names %v, want %v", tt.query, names, tt.fields)
				}
				for _, e := range p.Errors {
					if e.Message == "" {
						t.Fatalf("field %s without a message", e.Field)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseList(%s): %v", tt.query, err)
			}
			if got.Status != tt.want.Status || got.TaskName != tt.want.TaskName || got.Queue != tt.want.Queue ||
				got.Submitter != tt.want.Submitter || got.Limit != tt.want.Limit || !slices.Equal(got.Cursor, tt.want.Cursor) {
				t.Fatalf("parseList(%s) = %+v, want %+v", tt.query, got, tt.want)
			}
			if q := got.query(); q != tt.wantQuery {
				t.Fatalf("query() = %q, want %q", q, tt.wantQuery)
			}
		})
	}
}

// A user is always limited to their own tasks, whatever the query asks.
func TestParseListForcesSubmitter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, query := range []string{"", "submitter=", "submitter=carol", "status=FAILED"} {
		r := httptest.NewRequest(http.MethodGet, "/tasks?"+query, nil)
		got, err := b.server.parseList(r, false, "carol")
		if err != nil || got.Submitter != "carol" {
			t.Fatalf("parseList(%q) for carol = %+v, %v", query, got, err)
		}
		if q := got.query(); !strings.HasPrefix(q, `ComputorSubmitter = 'carol'`) {
			t.Fatalf("query %q is not limited to carol", q)
		}
	}
}

func TestListParamsQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		params ListParams
		want   string
	}{
		{ListParams{}, ``},
		{ListParams{Limit: 5, Cursor: []byte("x")}, ``},
		{ListParams{Submitter: "alice"}, `ComputorSubmitter = 'alice'`},
		{ListParams{TaskName: "example_data_processing"}, `WorkflowType = 'example_data_processing'`},
		{ListParams{Queue: "computor-low-priority"}, `TaskQueue = 'computor-low-priority'`},
		{ListParams{Status: StatusQueued}, `(ExecutionStatus = 'Running')`},
		{ListParams{Status: StatusStarted}, `(ExecutionStatus = 'Running')`},
		{ListParams{Status: StatusFinished}, `(ExecutionStatus = 'Completed')`},
		{ListParams{Status: StatusFailed}, `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated')`},
		{ListParams{Status: StatusCancelled}, `(ExecutionStatus = 'Canceled')`},
		{ListParams{Status: "UNKNOWN"}, ``},
		{ListParams{Submitter: "bob", Status: StatusCancelled}, `ComputorSubmitter = 'bob' AND (ExecutionStatus = 'Canceled')`},
		{ListParams{TaskName: "t", Queue: "q"}, `WorkflowType = 't' AND TaskQueue = 'q'`},
	}
	for _, tt := range tests {
		if got := tt.params.query(); got != tt.want {
			t.Errorf("%+v.query() = %q, want %q", tt.params, got, tt.want)
		}
	}
}

// The cache of ended runs' histories stays within its bound and keeps
// the newest.
func TestClosedHistoriesBound(t *testing.T) {
	t.Parallel()
	var c closedHistories
	for i := range maxClosedHistories + 10 {
		c.put(strconv.Itoa(i), history{retries: i})
	}
	if len(c.byRun) != maxClosedHistories || len(c.order) != maxClosedHistories {
		t.Fatalf("%d entries, %d in order; want %d", len(c.byRun), len(c.order), maxClosedHistories)
	}
	if _, ok := c.get("0"); ok {
		t.Error("the oldest entry is still there")
	}
	if h, ok := c.get(strconv.Itoa(maxClosedHistories + 9)); !ok || h.retries != maxClosedHistories+9 {
		t.Errorf("the newest entry: %+v %v", h, ok)
	}
}

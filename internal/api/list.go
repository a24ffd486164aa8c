package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Page sizes of GET /tasks.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// TaskList is the answer to GET /tasks.
type TaskList struct {
	Tasks []TaskInfo `json:"tasks"`
	// NextCursor fetches the next page; empty on the last one.
	NextCursor string `json:"next_cursor"`
}

// visibilityStatus maps an API status to the Temporal execution statuses
// it covers.
var visibilityStatus = map[string][]string{
	StatusQueued:    {"Running"},
	StatusStarted:   {"Running"},
	StatusFinished:  {"Completed"},
	StatusFailed:    {"Failed", "TimedOut", "Terminated"},
	StatusCancelled: {"Canceled"},
}

// ListParams are the query parameters of GET /tasks.
type ListParams struct {
	Status    string
	TaskName  string
	Queue     string
	Submitter string
	Limit     int
	Cursor    []byte
}

// parseList checks the query; each bad parameter is named.
func (s *Server) parseList(r *http.Request, admin bool, sub string) (ListParams, error) {
	q := r.URL.Query()
	p := ListParams{
		Status:    strings.ToUpper(q.Get("status")),
		TaskName:  q.Get("task_name"),
		Queue:     q.Get("queue"),
		Submitter: q.Get("submitter"),
		Limit:     DefaultPageSize,
	}
	var bad []derrors.FieldError
	fail := func(field, format string, args ...any) {
		bad = append(bad, derrors.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if _, ok := visibilityStatus[p.Status]; p.Status != "" && !ok {
		fail("status", "must be one of QUEUED, STARTED, FINISHED, FAILED, CANCELLED")
	}
	if _, ok := s.registry.Get(p.TaskName); p.TaskName != "" && !ok {
		fail("task_name", "must be one of %s", strings.Join(s.registry.Names(), ", "))
	}
	if p.Queue != "" && !tasks.IsQueue(p.Queue) {
		fail("queue", "must be one of %s", strings.Join(tasks.Queues(), ", "))
	}
	if p.Submitter != "" && strings.ContainsAny(p.Submitter, `'"\`) {
		fail("submitter", "must not contain quotes or backslashes")
	}
	if !admin {
		// A user lists only their own tasks.
		if p.Submitter != "" && p.Submitter != sub {
			fail("submitter", "you may list only your own tasks")
		}
		p.Submitter = sub
		if strings.ContainsAny(sub, `'"\`) {
			// The query quotes it; a token's sub must not break out.
			fail("submitter", "your username has quotes or backslashes and cannot be listed")
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			fail("limit", "must be an integer from 1 to %d", MaxPageSize)
		}
		p.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		c, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			fail("cursor", "is not a cursor this API returned")
		}
		p.Cursor = c
	}
	if len(bad) > 0 {
		return p, invalid(bad...)
	}
	return p, nil
}

// query builds the visibility query. Values are checked by parseList, so
// quoting them is safe.
func (p ListParams) query() string {
	var where []string
	if p.Submitter != "" {
		where = append(where, fmt.Sprintf("ComputorSubmitter = '%s'", p.Submitter))
	}
	if p.TaskName != "" {
		where = append(where, fmt.Sprintf("WorkflowType = '%s'", p.TaskName))
	}
	if p.Queue != "" {
		where = append(where, fmt.Sprintf("TaskQueue = '%s'", p.Queue))
	}
	if statuses := visibilityStatus[p.Status]; len(statuses) > 0 {
		var or []string
		for _, st := range statuses {
			or = append(or, fmt.Sprintf("ExecutionStatus = '%s'", st))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(where, " AND ")
}

// serveList lists tasks from Temporal's visibility store: running tasks
// first, newest first, then ended ones by the time they ended. A filter on
// QUEUED or STARTED is applied to each page, so such a page may hold fewer
// than limit tasks while more follow.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request) error {
	claims := claimsOf(r)
	p, err := s.parseList(r, claims.IsAdmin(), claims.Subject)
	if err != nil {
		return err
	}
	resp, err := s.temporal.ListWorkflow(r.Context(), &workflowservice.ListWorkflowExecutionsRequest{
		Namespace:     s.namespace,
		PageSize:      int32(p.Limit),
		NextPageToken: p.Cursor,
		Query:         p.query(),
	})
	if err != nil {
		if isInvalidArgument(err) && len(p.Cursor) > 0 {
			return invalidField("cursor", "is not a cursor this API returned")
		}
		return fmt.Errorf("list tasks: %w", err)
	}
	infos := make([]TaskInfo, len(resp.GetExecutions()))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, wf := range resp.GetExecutions() {
		infos[i] = visibleInfo(wf)
		// Visibility does not know whether a running task has started,
		// nor when or where any task ran: Describe and the history do, as
		// for GET /tasks/{id}.
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			id, runID := wf.GetExecution().GetWorkflowId(), wf.GetExecution().GetRunId()
			info := infos[i]
			if info.Status == StatusQueued {
				desc, err := s.temporal.DescribeWorkflowExecution(r.Context(), id, runID)
				if err != nil {
					return
				}
				info = baseInfo(desc)
			}
			if h, err := s.historyOf(r.Context(), id, runID, info.FinishedAt != nil); err == nil {
				h.apply(&info)
			}
			infos[i] = info
		}()
	}
	wg.Wait()
	if p.Status == StatusQueued || p.Status == StatusStarted {
		infos = slices.DeleteFunc(infos, func(t TaskInfo) bool { return t.Status != p.Status })
	}
	out := TaskList{Tasks: infos}
	if len(resp.GetNextPageToken()) > 0 {
		out.NextCursor = base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

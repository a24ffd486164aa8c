package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// MaxWait bounds the long-poll of GET /tasks/{id}/result?wait=.
const MaxWait = 60 * time.Second

// TaskResult is the answer to GET /tasks/{id}/result.
type TaskResult struct {
	TaskID   string          `json:"task_id"`
	TaskName string          `json:"task_name"`
	Status   string          `json:"status"`
	Result   json.RawMessage `json:"result,omitempty"`
	Error    *string         `json:"error,omitempty"`
}

func parseWait(r *http.Request) (time.Duration, error) {
	v := r.URL.Query().Get("wait")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		// A bare number is seconds.
		secs, serr := strconv.ParseFloat(v, 64)
		if serr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 || secs > MaxWait.Seconds() {
			return 0, invalidField("wait", "must be a duration such as 30s (at most %s)", MaxWait)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 || d > MaxWait {
		return 0, invalidField("wait", "must be between 0s and %s", MaxWait)
	}
	return d, nil
}

func (s *Server) serveResult(w http.ResponseWriter, r *http.Request) error {
	wait, err := parseWait(r)
	if err != nil {
		return err
	}
	computor, err := wantComputor(r)
	if err != nil {
		return err
	}
	desc, err := s.describeTask(r.Context(), claimsOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	info := baseInfo(desc)
	exec := desc.GetWorkflowExecutionInfo().GetExecution()
	var closeEvent *historypb.HistoryEvent
	if info.FinishedAt != nil || wait > 0 {
		closeEvent, err = s.waitClose(r.Context(), exec.GetWorkflowId(), exec.GetRunId(), wait, info.FinishedAt != nil)
		if err != nil {
			return err
		}
	}
	if closeEvent == nil {
		writeJSON(w, http.StatusAccepted, TaskResult{TaskID: info.TaskID, TaskName: info.TaskName, Status: info.Status})
		return nil
	}
	res := TaskResult{TaskID: info.TaskID, TaskName: info.TaskName, Status: statusOfClose(closeEvent)}
	if res.Status == StatusFinished {
		if res.Result, err = resultOf(closeEvent); err != nil {
			return err
		}
		res.Result = s.viewTaskResult(r.Context(), claimsOf(r), exec.GetWorkflowId(), exec.GetRunId(), res.Result)
		if computor {
			res.Result = computorTaskResult(res.Result)
		}
	} else {
		msg := closeError(closeEvent)
		res.Error = &msg
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// waitClose returns the close event of a run, waiting up to wait for a
// running one; nil when it is still running after that. closed says the
// run is known to have closed. The wait is one long poll of the run's
// history, which answers at the close, cut short by the close watch when
// the long poll missed the close (see closeWatch).
func (s *Server) waitClose(ctx context.Context, id, runID string, wait time.Duration, closed bool) (*historypb.HistoryEvent, error) {
	if closed {
		// Closed: the close event is there to read at once.
		return s.pollClose(ctx, id, runID, closeReadTimeout)
	}
	seen, stop := s.closes.watch(runID)
	defer stop()
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-seen:
			cancel()
		case <-pctx.Done():
		}
	}()
	ev, err := s.pollClose(pctx, id, runID, wait)
	switch {
	case err != nil:
		return nil, err
	case ev != nil:
		s.metrics.ResultWait("long_poll")
		return ev, nil
	case ctx.Err() != nil:
		return nil, nil
	}
	select {
	case <-seen:
		// The long poll missed the close; the watch did not.
		s.metrics.ResultWait("closed")
		return s.pollClose(ctx, id, runID, closeReadTimeout)
	default:
		s.metrics.ResultWait("timeout")
		return nil, nil
	}
}

// closeReadTimeout bounds the read of a closed run's close event.
const closeReadTimeout = 30 * time.Second

// pollClose returns the close event of a run, waiting up to wait (none
// when not positive); nil when it is still running.
func (s *Server) pollClose(ctx context.Context, id, runID string, wait time.Duration) (*historypb.HistoryEvent, error) {
	longPoll := wait > 0
	if longPoll {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	it := s.temporal.GetWorkflowHistory(ctx, id, runID, longPoll, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			if longPoll && (ctx.Err() != nil || isDeadline(err)) {
				return nil, nil // still running when the wait ran out
			}
			return nil, fmt.Errorf("read result of %s: %w", id, err)
		}
		if closeError(ev) != "" || ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
			return ev, nil
		}
	}
	return nil, nil
}

func statusOfClose(ev *historypb.HistoryEvent) string {
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		return StatusFinished
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		return StatusCancelled
	default:
		return StatusFailed
	}
}

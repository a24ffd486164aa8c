package api

import (
	"fmt"
	"net/http"
)

// CancelResponse is the answer to POST /tasks/{id}/cancel.
type CancelResponse struct {
	TaskID  string `json:"task_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (s *Server) serveCancel(w http.ResponseWriter, r *http.Request) error {
	if p := s.syncBroken(); p != nil {
		return p // nothing changed
	}
	desc, err := s.describeTask(r.Context(), claimsOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	info := baseInfo(desc)
	if info.FinishedAt != nil {
		return problem(http.StatusConflict, "task %s has already ended with status %s", info.TaskID, info.Status)
	}
	exec := desc.GetWorkflowExecutionInfo().GetExecution()
	if err := s.temporal.CancelWorkflow(r.Context(), exec.GetWorkflowId(), exec.GetRunId()); err != nil {
		return fmt.Errorf("cancel %s: %w", info.TaskID, err)
	}
	if err := s.durable(); err != nil {
		s.logger.ErrorContext(r.Context(), "cancel requested but not made durable", "task_id", info.TaskID, "err", err)
		p := problem(http.StatusServiceUnavailable, "the cancellation of task %s was requested, but %s. Look the task up before asking again.", info.TaskID, errNotDurable)
		p.TaskID = info.TaskID
		return p
	}
	writeJSON(w, http.StatusAccepted, CancelResponse{
		TaskID:  info.TaskID,
		Status:  "cancel_requested",
		Message: fmt.Sprintf("Cancellation of task '%s' requested", info.TaskID),
	})
	return nil
}

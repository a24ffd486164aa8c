package api

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/grading"
)

// gradeView is what a caller may see of one content's test results:
// everything (admins and the course's staff), or a student's view, which
// depends on whether the deadline has passed (grading.Summary.View).
type gradeView struct {
	full          bool
	afterDeadline bool
}

// viewOf is the caller's view of a member's results of a content.
func (s *Server) viewOf(ctx context.Context, claims *auth.Claims, courseID, content, memberID string) (gradeView, error) {
	if claims.IsAdmin() {
		return gradeView{full: true}, nil
	}
	ms, err := s.store.MembershipsOf(ctx, claims.Subject)
	if err != nil {
		return gradeView{}, err
	}
	for _, m := range ms {
		if m.CourseID == courseID && course.IsStaff(m.Role) {
			return gradeView{full: true}, nil
		}
	}
	cc, err := s.store.CourseContentGet(ctx, courseID, content)
	if err != nil {
		return gradeView{}, err
	}
	reveal, err := course.RevealAt(ctx, s.store, memberID, cc)
	if err != nil {
		return gradeView{}, err
	}
	return gradeView{afterDeadline: course.DeadlinePassed(reveal, time.Now())}, nil
}

// summary is the view of a stored summary and the score that goes with it.
func (v gradeView) summary(raw json.RawMessage, score float64) (json.RawMessage, float64, error) {
	if v.full || len(raw) == 0 || string(raw) == "null" {
		return raw, score, nil
	}
	var sum grading.Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		return nil, 0, fmt.Errorf("read summary: %w", err)
	}
	seen := sum.View(v.afterDeadline)
	b, err := json.Marshal(seen)
	if err != nil {
		return nil, 0, err
	}
	return b, seen.Score, nil
}

// viewTaskResult applies the caller's view to the result of a testing
// task (student_testing, or submission_processing with its test run):
// every "summary" in it, and the "score" beside it. Results of other task
// types have none and pass unchanged. When the view cannot be worked out,
// the summaries and scores are left out: a student never gets more than
// their view.
func (s *Server) viewTaskResult(ctx context.Context, claims *auth.Claims, id, runID string, raw json.RawMessage) json.RawMessage {
	if claims.IsAdmin() || s.store == nil {
		return raw
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return raw
	}
	holders := []map[string]json.RawMessage{top}
	if t, ok := top["test"]; ok {
		var nested map[string]json.RawMessage
		if json.Unmarshal(t, &nested) == nil {
			holders = append(holders, nested)
		}
	}
	hasSummary := false
	for _, h := range holders {
		_, ok := h["summary"]
		hasSummary = hasSummary || ok
	}
	if !hasSummary {
		return raw
	}
	view, err := s.taskGradeView(ctx, claims, id, runID)
	for _, h := range holders {
		sum, ok := h["summary"]
		if !ok {
			continue
		}
		var score float64
		_ = json.Unmarshal(h["score"], &score)
		if err == nil {
			sum, score, err = view.summary(sum, score)
		}
		if err != nil {
			s.logger.WarnContext(ctx, "task result without its summary: the caller's view is unknown", "task_id", id, "err", err)
			delete(h, "summary")
			delete(h, "score")
			continue
		}
		h["summary"] = sum
		h["score"], _ = json.Marshal(score)
	}
	if len(holders) > 1 {
		top["test"], _ = json.Marshal(holders[1])
	}
	out, merr := json.Marshal(top)
	if merr != nil {
		return json.RawMessage(`{}`)
	}
	return out
}

// taskGradeView is the caller's view of the content a testing task
// tested, read from the task's own input (course_member, content).
func (s *Server) taskGradeView(ctx context.Context, claims *auth.Claims, id, runID string) (gradeView, error) {
	it := s.temporal.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return gradeView{}, fmt.Errorf("task %s has no history", id)
	}
	ev, err := it.Next()
	if err != nil {
		return gradeView{}, err
	}
	in := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(in) == 0 {
		return gradeView{}, fmt.Errorf("task %s has no input", id)
	}
	var p struct {
		CourseMember string `json:"course_member"`
		Content      string `json:"content"`
	}
	if err := converter.GetDefaultDataConverter().FromPayload(in[0], &p); err != nil {
		return gradeView{}, err
	}
	m, err := s.store.CourseMemberGet(ctx, p.CourseMember)
	if err != nil {
		return gradeView{}, err
	}
	return s.viewOf(ctx, claims, m.CourseID, p.Content, m.ID)
}

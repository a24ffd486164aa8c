package e2e

import (
	"context"
	"net/http"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/grading/submissionprocessing"
)

// With unlimited max_submissions, submitting is no way around the queue:
// a member's first three submissions of an assignment in an hour run at
// the submissions' priority, later ones at the practice runs'. All are
// accepted and graded.
func TestSubmissionsBeyondThreeAnHourRunAsPractice(t *testing.T) {
	t.Parallel()
	s := shared
	course, members := sampleCourse(t, s, []string{"eager-submitter"})
	commit := pushSolution(t, s, course, "eager-submitter", "sum/sum.py", solution(t, "sum/correct.py"))
	admin := s.tokenFor(t, "testing-admin", "admin")
	s.mustFinish(t, admin, "update_course_content", map[string]any{"course": course, "content": "sum", "max_submissions": 0}, nil)
	token := s.tokenFor(t, "eager-submitter")
	c, err := engine.Dial(context.Background(), s.clientConfig(t, "", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, want := range []int{tasks.PriorityKeySubmission, tasks.PriorityKeySubmission, tasks.PriorityKeySubmission, tasks.PriorityKeyPractice} {
		id := s.submit(t, token, "submission_processing", map[string]any{"course_member": members["eager-submitter"], "content": "sum", "commit": commit}, 0)
		if res := s.await(t, token, id); res.Status != "FINISHED" {
			t.Fatalf("submission %d: %+v", i+1, res)
		}
		got := -1
		it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == submissionprocessing.ActivityGrade {
				got = int(a.GetPriority().GetPriorityKey())
			}
		}
		if got != want {
			t.Fatalf("submission %d ran at priority key %d, want %d", i+1, got, want)
		}
	}
	var rs []struct {
		Status       string `json:"status"`
		SubmissionID string `json:"submission_id"`
	}
	s.do(t, "GET", "/results?course="+course, token, nil).want(t, http.StatusOK).json(t, &rs)
	graded := 0
	for _, r := range rs {
		if r.Status == "finished" && r.SubmissionID != "" {
			graded++
		}
	}
	if graded != 4 {
		t.Fatalf("%d graded submissions, want 4: %+v", graded, rs)
	}
}

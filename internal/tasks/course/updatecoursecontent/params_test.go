package updatecoursecontent

import (
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "deadline", Body: `{"course":"o.f.c","content":"week1","deadline":"2026-12-20T23:59:00+01:00"}`,
			Want: Params{Course: "o.f.c", Content: "week1", Deadline: "2026-12-20T23:59:00+01:00", MaxTestRuns: -1, MaxSubmissions: -1, TestRunsPerHour: -1, LatePenalty: -1, FreeSubmissions: -1, SubmissionPenalty: -1}},
		{Name: "limits", Body: `{"course":"o.f.c","content":"week1","max_test_runs":0,"max_submissions":5}`,
			Want: Params{Course: "o.f.c", Content: "week1", MaxTestRuns: 0, MaxSubmissions: 5, TestRunsPerHour: -1, LatePenalty: -1, FreeSubmissions: -1, SubmissionPenalty: -1}},
		{Name: "rate and grading", Body: `{"course":"o.f.c","content":"week1","test_runs_per_hour":6,"grading":"best"}`,
			Want: Params{Course: "o.f.c", Content: "week1", MaxTestRuns: -1, MaxSubmissions: -1, TestRunsPerHour: 6, Grading: "best", LatePenalty: -1, FreeSubmissions: -1, SubmissionPenalty: -1}},
		{Name: "penalties", Body: `{"course":"c","content":"w","late_deadline":"2026-12-21T23:59:00+01:00","late_penalty":0.2,"free_submissions":2,"submission_penalty":0.1}`,
			Want: Params{Course: "c", Content: "w", MaxTestRuns: -1, MaxSubmissions: -1, TestRunsPerHour: -1, LateDeadline: "2026-12-21T23:59:00+01:00",
				LatePenalty: 0.2, FreeSubmissions: 2, SubmissionPenalty: 0.1}},
		{Name: "penalty over 1", Body: `{"course":"c","content":"w","late_penalty":1.5}`, Fields: []string{"late_penalty"}},
		{Name: "bad late deadline", Body: `{"course":"c","content":"w","late_deadline":"later"}`, Fields: []string{"late_deadline"}},
		{Name: "bad grading", Body: `{"course":"o.f.c","content":"week1","grading":"average"}`, Fields: []string{"grading"}},
		{Name: "nothing to change", Body: `{"course":"o.f.c","content":"week1"}`, Fields: []string{"deadline"}},
		{Name: "bad deadline", Body: `{"course":"o.f.c","content":"week1","deadline":"friday"}`, Fields: []string{"deadline"}},
		{Name: "negative limit", Body: `{"course":"o.f.c","content":"week1","max_submissions":-2}`, Fields: []string{"max_submissions"}},
		{Name: "a setting not offered", Body: `{"course":"o.f.c","content":"week1","penalty":0.5}`, Fields: []string{"penalty"}},
		{Name: "empty object", Body: `{}`, Fields: []string{"course", "content"}},
	})
}

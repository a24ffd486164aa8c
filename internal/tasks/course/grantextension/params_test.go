package grantextension

import (
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "all", Body: `{"course_member":"m","content":"week1/hello","deadline":"2026-12-20T23:59:00+01:00"}`,
			Want: Params{CourseMember: "m", Content: "week1/hello", Deadline: "2026-12-20T23:59:00+01:00"}},
		{Name: "UTC", Body: `{"course_member":"m","content":"c","deadline":"2026-12-20T22:59:00Z"}`,
			Want: Params{CourseMember: "m", Content: "c", Deadline: "2026-12-20T22:59:00Z"}},
		{Name: "empty object", Body: `{}`, Fields: []string{"course_member", "content", "deadline"}},
		{Name: "no offset", Body: `{"course_member":"m","content":"c","deadline":"2026-12-20T23:59:00"}`, Fields: []string{"deadline"}},
		{Name: "a date only", Body: `{"course_member":"m","content":"c","deadline":"2026-12-20"}`, Fields: []string{"deadline"}},
		{Name: "words", Body: `{"course_member":"m","content":"c","deadline":"next week"}`, Fields: []string{"deadline"}},
		{Name: "a number", Body: `{"course_member":"m","content":"c","deadline":1766271540}`, Fields: []string{"deadline"}},
	})
}

package createcourse

import (
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "minimal", Body: `{"course_family":"tugraz.progphys","path":"2026ws","title":"Programming 2026"}`,
			Want: Params{CourseFamily: "tugraz.progphys", Path: "2026ws", Title: "Programming 2026"}},
		{Name: "digits only path", Body: `{"course_family":"o.f","path":"2026","title":"T","description":"d"}`,
			Want: Params{CourseFamily: "o.f", Path: "2026", Title: "T", Description: "d"}},
		{Name: "empty object", Body: `{}`, Fields: []string{"course_family", "path", "title"}},
		{Name: "missing course family", Body: `{"path":"p","title":"T"}`, Fields: []string{"course_family"}},
		{Name: "missing title", Body: `{"course_family":"o.f","path":"p"}`, Fields: []string{"title"}},
		{Name: "empty course family", Body: `{"course_family":"","path":"p","title":"T"}`, Fields: []string{"course_family"}},
		{Name: "bad path", Body: `{"course_family":"o.f","path":"2026 WS","title":"T"}`, Fields: []string{"path"}},
		{Name: "dotted path", Body: `{"course_family":"o.f","path":"o.f.c","title":"T"}`, Fields: []string{"path"}},
		{Name: "empty title", Body: `{"course_family":"o.f","path":"p","title":""}`, Fields: []string{"title"}},
		{Name: "description not a string", Body: `{"course_family":"o.f","path":"p","title":"T","description":["x"]}`, Fields: []string{"description"}},
		{Name: "misspelt field", Body: `{"coursefamily":"o.f","path":"p","title":"T"}`, Fields: []string{"course_family", "coursefamily"}},
	})
}

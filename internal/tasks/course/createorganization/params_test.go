package createorganization

import (
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "minimal", Body: `{"path":"tugraz","title":"TU Graz"}`, Want: Params{Path: "tugraz", Title: "TU Graz"}},
		{Name: "full", Body: `{"path":"tu-graz_2","title":"TU Graz","description":"Styria"}`,
			Want: Params{Path: "tu-graz_2", Title: "TU Graz", Description: "Styria"}},
		{Name: "null description", Body: `{"path":"a","title":"A","description":null}`, Want: Params{Path: "a", Title: "A"}},
		{Name: "empty object", Body: `{}`, Fields: []string{"path", "title"}},
		{Name: "null", Body: `null`, Fields: []string{"path", "title"}},
		{Name: "array", Body: `[]`, Fields: []string{"parameters"}},
		{Name: "string", Body: `"tugraz"`, Fields: []string{"parameters"}},
		{Name: "null path", Body: `{"path":null,"title":"x"}`, Fields: []string{"path"}},
		{Name: "empty path", Body: `{"path":"","title":"x"}`, Fields: []string{"path"}},
		{Name: "path with a space", Body: `{"path":"Bad Path","title":"x"}`, Fields: []string{"path"}},
		{Name: "uppercase path", Body: `{"path":"TUGraz","title":"x"}`, Fields: []string{"path"}},
		{Name: "dotted path", Body: `{"path":"a.b","title":"x"}`, Fields: []string{"path"}},
		{Name: "path with a slash", Body: `{"path":"a/b","title":"x"}`, Fields: []string{"path"}},
		{Name: "uuid path", Body: `{"path":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","title":"x"}`, Fields: []string{"path"}},
		{Name: "path too long", Body: `{"path":"` + strings.Repeat("a", 65) + `","title":"x"}`, Fields: []string{"path"}},
		{Name: "numeric path", Body: `{"path":1,"title":"x"}`, Fields: []string{"path"}},
		{Name: "empty title", Body: `{"path":"a","title":""}`, Fields: []string{"title"}},
		{Name: "title too long", Body: `{"path":"a","title":"` + strings.Repeat("t", 256) + `"}`, Fields: []string{"title"}},
		{Name: "description too long", Body: `{"path":"a","title":"x","description":"` + strings.Repeat("d", 10001) + `"}`, Fields: []string{"description"}},
		{Name: "unknown field", Body: `{"path":"a","title":"x","owner":"me"}`, Fields: []string{"owner"}},
		{Name: "several", Body: `{"path":2,"title":"","zzz":1,"aaa":2}`, Fields: []string{"path", "title", "aaa", "zzz"}},
	})
}

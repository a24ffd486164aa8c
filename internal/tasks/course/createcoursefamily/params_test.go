package createcoursefamily

import (
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "minimal", Body: `{"organization":"tugraz","path":"progphys","title":"Programming"}`,
			Want: Params{Organization: "tugraz", Path: "progphys", Title: "Programming"}},
		{Name: "organization by id", Body: `{"organization":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","path":"p","title":"P","description":"d"}`,
			Want: Params{Organization: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Path: "p", Title: "P", Description: "d"}},
		{Name: "empty object", Body: `{}`, Fields: []string{"organization", "path", "title"}},
		{Name: "empty organization", Body: `{"organization":"","path":"p","title":"P"}`, Fields: []string{"organization"}},
		{Name: "bad path", Body: `{"organization":"o","path":"Prog Phys","title":"P"}`, Fields: []string{"path"}},
		{Name: "dotted path", Body: `{"organization":"o","path":"prog.phys","title":"P"}`, Fields: []string{"path"}},
		{Name: "path starts with a dash", Body: `{"organization":"o","path":"-p","title":"P"}`, Fields: []string{"path"}},
		{Name: "title too long", Body: `{"organization":"o","path":"p","title":"` + strings.Repeat("t", 256) + `"}`, Fields: []string{"title"}},
		{Name: "organization not a string", Body: `{"organization":{"path":"o"},"path":"p","title":"P"}`, Fields: []string{"organization"}},
		{Name: "unknown field", Body: `{"organization":"o","path":"p","title":"P","course":"c"}`, Fields: []string{"course"}},
	})
}

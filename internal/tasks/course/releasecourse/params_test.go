package releasecourse

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("a%d", i)
	}
	manyJSON, _ := json.Marshal(many)
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "course only: every assignment at main", Body: `{"course":"tugraz.progphys.2026"}`,
			Want: Params{Course: "tugraz.progphys.2026", Ref: "main"}},
		{Name: "all", Body: `{"course":"c","contents":"all"}`, Want: Params{Course: "c", Ref: "main"}},
		{Name: "null contents", Body: `{"course":"c","contents":null}`, Want: Params{Course: "c", Ref: "main"}},
		{Name: "null ref keeps the default", Body: `{"course":"c","ref":null}`, Want: Params{Course: "c", Ref: "main"}},
		{Name: "empty list", Body: `{"course":"c","contents":[]}`, Want: Params{Course: "c", Contents: Contents{}, Ref: "main"}},
		{Name: "list and ref", Body: `{"course":"c","contents":["hello","week1/Sum_2.v"],"ref":"v1.0"}`,
			Want: Params{Course: "c", Contents: Contents{"hello", "week1/Sum_2.v"}, Ref: "v1.0"}},
		{Name: "missing course", Body: `{"contents":"all"}`, Fields: []string{"course"}},
		{Name: "empty course", Body: `{"course":""}`, Fields: []string{"course"}},
		{Name: "contents some", Body: `{"course":"c","contents":"some"}`, Fields: []string{"contents"}},
		{Name: "contents ALL", Body: `{"course":"c","contents":"ALL"}`, Fields: []string{"contents"}},
		{Name: "contents an object", Body: `{"course":"c","contents":{"hello":true}}`, Fields: []string{"contents"}},
		{Name: "contents of numbers", Body: `{"course":"c","contents":[1]}`, Fields: []string{"contents"}},
		{Name: "dot-dot", Body: `{"course":"c","contents":["../x"]}`, Fields: []string{"contents[0]"}},
		{Name: "second is dot-dot", Body: `{"course":"c","contents":["hello","a/../b"]}`, Fields: []string{"contents[1]"}},
		{Name: "absolute", Body: `{"course":"c","contents":["/hello"]}`, Fields: []string{"contents[0]"}},
		{Name: "trailing slash", Body: `{"course":"c","contents":["hello/"]}`, Fields: []string{"contents[0]"}},
		{Name: "empty path", Body: `{"course":"c","contents":[""]}`, Fields: []string{"contents[0]"}},
		{Name: "space", Body: `{"course":"c","contents":["hello world"]}`, Fields: []string{"contents[0]"}},
		{Name: "duplicate", Body: `{"course":"c","contents":["hello","sum","hello"]}`, Fields: []string{"contents[2]"}},
		{Name: "too many", Body: `{"course":"c","contents":` + string(manyJSON) + `}`, Fields: []string{"contents"}},
		{Name: "empty ref", Body: `{"course":"c","ref":""}`, Fields: []string{"ref"}},
		{Name: "ref too long", Body: `{"course":"c","ref":"` + strings.Repeat("r", 256) + `"}`, Fields: []string{"ref"}},
		{Name: "unknown field", Body: `{"course":"c","students":[]}`, Fields: []string{"students"}},
	})
}

func TestContentsUnmarshalJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    Contents
		wantErr bool
	}{
		{`"all"`, nil, false},
		{`null`, nil, false},
		{`["a","b"]`, Contents{"a", "b"}, false},
		{`"some"`, nil, true},
		{`""`, nil, true},
		{`[1]`, nil, true},
		{`{}`, nil, true},
	} {
		c := Contents{"before"}
		err := json.Unmarshal([]byte(tt.in), &c)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s): %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && (!slices.Equal(c, tt.want) || (c == nil) != (tt.want == nil)) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tt.in, c, tt.want)
		}
	}
}

package releasestudents

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// studentsJSON returns n students s0000, s0001, ... as JSON.
func studentsJSON(n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf(`{"username":"s%04d"}`, i)
	}
	return "[" + strings.Join(list, ",") + "]"
}

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(tasks.Deps{}), []tasktest.ParamCase{
		{Name: "full", Body: `{"course":"tugraz.progphys.2026","students":[` +
			`{"username":"s001","email":"s001@example.org","given_name":"Stu","family_name":"Dent","group":"g1"},{"username":"a.b-c_d"}]}`,
			Want: Params{Course: "tugraz.progphys.2026", Students: []Student{
				{Username: "s001", Email: "s001@example.org", GivenName: "Stu", FamilyName: "Dent", Group: "g1"},
				{Username: "a.b-c_d"},
			}}},
		{Name: "the most students", Body: `{"course":"c","students":` + studentsJSON(MaxStudents) + `}`},
		{Name: "empty object", Body: `{}`, Fields: []string{"course", "students"}},
		{Name: "empty course", Body: `{"course":"","students":[{"username":"a"}]}`, Fields: []string{"course"}},
		{Name: "no students", Body: `{"course":"c","students":[]}`, Fields: []string{"students"}},
		{Name: "students an object", Body: `{"course":"c","students":{"username":"a"}}`, Fields: []string{"students"}},
		{Name: "student a string", Body: `{"course":"c","students":["a"]}`, Fields: []string{"students[0]"}},
		{Name: "student null", Body: `{"course":"c","students":[null]}`, Fields: []string{"students[0].username"}},
		{Name: "missing username", Body: `{"course":"c","students":[{"email":"a@b"}]}`, Fields: []string{"students[0].username"}},
		{Name: "bad username", Body: `{"course":"c","students":[{"username":"ok"},{"username":"Bad Name"}]}`, Fields: []string{"students[1].username"}},
		{Name: "username starts with a dot", Body: `{"course":"c","students":[{"username":".x"}]}`, Fields: []string{"students[0].username"}},
		{Name: "username too long", Body: `{"course":"c","students":[{"username":"` + strings.Repeat("u", 65) + `"}]}`, Fields: []string{"students[0].username"}},
		{Name: "duplicate username", Body: `{"course":"c","students":[{"username":"a"},{"username":"a"}]}`, Fields: []string{"students[1].username"}},
		{Name: "duplicate later", Body: `{"course":"c","students":[{"username":"a"},{"username":"b"},{"username":"a"}]}`, Fields: []string{"students[2].username"}},
		{Name: "bad and duplicate", Body: `{"course":"c","students":[{"username":"A"},{"username":"b"},{"username":"b"}]}`,
			Fields: []string{"students[0].username", "students[2].username"}},
		{Name: "email too long", Body: `{"course":"c","students":[{"username":"a","email":"` + strings.Repeat("e", 256) + `"}]}`, Fields: []string{"students[0].email"}},
		{Name: "unknown student field", Body: `{"course":"c","students":[{"username":"a","role":"_lecturer"}]}`, Fields: []string{"students[0].role"}},
		{Name: "too many", Body: `{"course":"c","students":` + studentsJSON(MaxStudents+1) + `}`, Fields: []string{"students"}},
	})
}

func TestDuplicateNamesTheFirst(t *testing.T) {
	t.Parallel()
	err := Params{Course: "c", Students: []Student{{Username: "a"}, {Username: "b"}, {Username: "a"}}}.Validate()
	var ve *derrors.InvalidError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || !strings.Contains(ve.Fields[0].Message, "students[0]") {
		t.Fatalf("Validate = %v, want students[2].username naming students[0]", err)
	}
}

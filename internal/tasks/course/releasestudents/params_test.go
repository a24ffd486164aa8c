package releasestudents

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

// badFields returns the fields a *derrors.InvalidError names.
func badFields(t *testing.T, err error) []string {
	t.Helper()
	var ve *derrors.InvalidError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *derrors.InvalidError", err, err)
	}
	var fields []string
	for _, f := range ve.Fields {
		fields = append(fields, f.Field)
	}
	return fields
}

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
	typ := Task(tasks.Deps{})
	for _, tt := range []struct {
		name   string
		body   string
		want   Params
		fields []string
	}{
		{name: "full", body: `{"course":"tugraz.progphys.2026","students":[` +
			`{"username":"s001","email":"s001@example.org","given_name":"Stu","family_name":"Dent","group":"g1"},{"username":"a.b-c_d"}]}`,
			want: Params{Course: "tugraz.progphys.2026", Students: []Student{
				{Username: "s001", Email: "s001@example.org", GivenName: "Stu", FamilyName: "Dent", Group: "g1"},
				{Username: "a.b-c_d"},
			}}},
		{name: "the most students", body: `{"course":"c","students":` + studentsJSON(MaxStudents) + `}`},
		{name: "empty object", body: `{}`, fields: []string{"course", "students"}},
		{name: "empty course", body: `{"course":"","students":[{"username":"a"}]}`, fields: []string{"course"}},
		{name: "no students", body: `{"course":"c","students":[]}`, fields: []string{"students"}},
		{name: "students an object", body: `{"course":"c","students":{"username":"a"}}`, fields: []string{"students"}},
		{name: "student a string", body: `{"course":"c","students":["a"]}`, fields: []string{"students[0]"}},
		{name: "student null", body: `{"course":"c","students":[null]}`, fields: []string{"students[0].username"}},
		{name: "missing username", body: `{"course":"c","students":[{"email":"a@b"}]}`, fields: []string{"students[0].username"}},
		{name: "bad username", body: `{"course":"c","students":[{"username":"ok"},{"username":"Bad Name"}]}`, fields: []string{"students[1].username"}},
		{name: "username starts with a dot", body: `{"course":"c","students":[{"username":".x"}]}`, fields: []string{"students[0].username"}},
		{name: "username too long", body: `{"course":"c","students":[{"username":"` + strings.Repeat("u", 65) + `"}]}`, fields: []string{"students[0].username"}},
		{name: "duplicate username", body: `{"course":"c","students":[{"username":"a"},{"username":"a"}]}`, fields: []string{"students[1].username"}},
		{name: "duplicate later", body: `{"course":"c","students":[{"username":"a"},{"username":"b"},{"username":"a"}]}`, fields: []string{"students[2].username"}},
		{name: "bad and duplicate", body: `{"course":"c","students":[{"username":"A"},{"username":"b"},{"username":"b"}]}`,
			fields: []string{"students[0].username", "students[2].username"}},
		{name: "email too long", body: `{"course":"c","students":[{"username":"a","email":"` + strings.Repeat("e", 256) + `"}]}`, fields: []string{"students[0].email"}},
		{name: "unknown student field", body: `{"course":"c","students":[{"username":"a","role":"_lecturer"}]}`, fields: []string{"students[0].role"}},
		{name: "too many", body: `{"course":"c","students":` + studentsJSON(MaxStudents+1) + `}`, fields: []string{"students"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := typ.DecodeParams(json.RawMessage(tt.body))
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("DecodeParams: %v", err)
				}
				p := got.(Params)
				if tt.want.Course != "" && (p.Course != tt.want.Course || !slices.Equal(p.Students, tt.want.Students)) {
					t.Errorf("DecodeParams(%s) = %+v, want %+v", tt.body, p, tt.want)
				}
				return
			}
			if fields := slices.Compact(badFields(t, err)); !slices.Equal(fields, tt.fields) {
				t.Errorf("DecodeParams: bad fields %q, want %q (%.300v)", fields, tt.fields, err)
			}
		})
	}
}

func TestDuplicateNamesTheFirst(t *testing.T) {
	t.Parallel()
	err := Params{Course: "c", Students: []Student{{Username: "a"}, {Username: "b"}, {Username: "a"}}}.Validate()
	var ve *derrors.InvalidError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || !strings.Contains(ve.Fields[0].Message, "students[0]") {
		t.Fatalf("Validate = %v, want students[2].username naming students[0]", err)
	}
}

func TestSchemaAndAccess(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	if typ.Name() != "release_students" {
		t.Errorf("Name() = %q", typ.Name())
	}
	s := typ.Schema()
	if got := s["required"]; !slices.Equal(got.([]string), []string{"course", "students"}) {
		t.Errorf("schema required = %v", got)
	}
	students := s["properties"].(map[string]any)["students"].(map[string]any)
	if students["type"] != "array" || students["minItems"] != 1 || students["maxItems"] != MaxStudents {
		t.Errorf("schema of students = %v", students)
	}
	item := students["items"].(map[string]any)
	if got := item["required"]; !slices.Equal(got.([]string), []string{"username"}) {
		t.Errorf("schema of a student: required = %v", got)
	}
	if len(typ.Roles()) != 0 || typ.Access() != course.ReleaseAccess {
		t.Errorf("Roles() = %v, Access() = %q; want none and %q", typ.Roles(), typ.Access(), course.ReleaseAccess)
	}
	if typ.Timeout() <= 0 {
		t.Errorf("Timeout() = %v, want a bound", typ.Timeout())
	}
}

package createcourse

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

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

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	for _, tt := range []struct {
		name   string
		body   string
		want   Params
		fields []string
	}{
		{name: "minimal", body: `{"course_family":"tugraz.progphys","path":"2026ws","title":"Programming 2026"}`,
			want: Params{CourseFamily: "tugraz.progphys", Path: "2026ws", Title: "Programming 2026"}},
		{name: "digits only path", body: `{"course_family":"o.f","path":"2026","title":"T","description":"d"}`,
			want: Params{CourseFamily: "o.f", Path: "2026", Title: "T", Description: "d"}},
		{name: "empty object", body: `{}`, fields: []string{"course_family", "path", "title"}},
		{name: "missing course family", body: `{"path":"p","title":"T"}`, fields: []string{"course_family"}},
		{name: "missing title", body: `{"course_family":"o.f","path":"p"}`, fields: []string{"title"}},
		{name: "empty course family", body: `{"course_family":"","path":"p","title":"T"}`, fields: []string{"course_family"}},
		{name: "bad path", body: `{"course_family":"o.f","path":"2026 WS","title":"T"}`, fields: []string{"path"}},
		{name: "dotted path", body: `{"course_family":"o.f","path":"o.f.c","title":"T"}`, fields: []string{"path"}},
		{name: "empty title", body: `{"course_family":"o.f","path":"p","title":""}`, fields: []string{"title"}},
		{name: "description not a string", body: `{"course_family":"o.f","path":"p","title":"T","description":["x"]}`, fields: []string{"description"}},
		{name: "misspelt field", body: `{"coursefamily":"o.f","path":"p","title":"T"}`, fields: []string{"course_family", "coursefamily"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := typ.DecodeParams(json.RawMessage(tt.body))
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("DecodeParams(%s): %v", tt.body, err)
				}
				if p.(Params) != tt.want {
					t.Errorf("DecodeParams(%s) = %+v, want %+v", tt.body, p, tt.want)
				}
				return
			}
			// Compact: a value of the wrong type is also reported as
			// breaking its rules (tasks.decoder checks the zero value).
			if got := slices.Compact(badFields(t, err)); !slices.Equal(got, tt.fields) {
				t.Errorf("DecodeParams(%s): bad fields %q, want %q (%v)", tt.body, got, tt.fields, err)
			}
		})
	}
}

func TestSchemaAndAccess(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	if typ.Name() != "create_course" {
		t.Errorf("Name() = %q", typ.Name())
	}
	if got := typ.Schema()["required"]; !slices.Equal(got.([]string), []string{"course_family", "path", "title"}) {
		t.Errorf("schema required = %v", got)
	}
	if got := typ.Roles(); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("Roles() = %v, want [admin]", got)
	}
	if err := typ.Admit(t.Context(), tasks.Caller{Subject: "lect", Roles: []string{"lecturer"}},
		Params{CourseFamily: "o.f", Path: "p", Title: "P"}); !errors.Is(err, derrors.Forbidden) {
		t.Errorf("Admit(non-admin) = %v, want ErrForbidden", err)
	}
}

package createcoursefamily

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
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
		{name: "minimal", body: `{"organization":"tugraz","path":"progphys","title":"Programming"}`,
			want: Params{Organization: "tugraz", Path: "progphys", Title: "Programming"}},
		{name: "organization by id", body: `{"organization":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","path":"p","title":"P","description":"d"}`,
			want: Params{Organization: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Path: "p", Title: "P", Description: "d"}},
		{name: "empty object", body: `{}`, fields: []string{"organization", "path", "title"}},
		{name: "empty organization", body: `{"organization":"","path":"p","title":"P"}`, fields: []string{"organization"}},
		{name: "bad path", body: `{"organization":"o","path":"Prog Phys","title":"P"}`, fields: []string{"path"}},
		{name: "dotted path", body: `{"organization":"o","path":"prog.phys","title":"P"}`, fields: []string{"path"}},
		{name: "path starts with a dash", body: `{"organization":"o","path":"-p","title":"P"}`, fields: []string{"path"}},
		{name: "title too long", body: `{"organization":"o","path":"p","title":"` + strings.Repeat("t", 256) + `"}`, fields: []string{"title"}},
		{name: "organization not a string", body: `{"organization":{"path":"o"},"path":"p","title":"P"}`, fields: []string{"organization"}},
		{name: "unknown field", body: `{"organization":"o","path":"p","title":"P","course":"c"}`, fields: []string{"course"}},
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
	if typ.Name() != "create_course_family" {
		t.Errorf("Name() = %q", typ.Name())
	}
	if got := typ.Schema()["required"]; !slices.Equal(got.([]string), []string{"organization", "path", "title"}) {
		t.Errorf("schema required = %v", got)
	}
	if got := typ.Roles(); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("Roles() = %v, want [admin]", got)
	}
	if err := typ.Admit(t.Context(), tasks.Caller{Subject: "lect", Roles: []string{"lecturer"}},
		Params{Organization: "o", Path: "p", Title: "P"}); !errors.Is(err, derrors.Forbidden) {
		t.Errorf("Admit(non-admin) = %v, want ErrForbidden", err)
	}
}

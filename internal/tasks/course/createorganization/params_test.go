package createorganization

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
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
		fields = append(fields, f.Field)
	}
	return fields
}

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	for _, tt := range []struct {
		name string
		body string
		want Params
		// fields are the bad fields; nil when the body is valid.
		fields []string
	}{
		{name: "minimal", body: `{"path":"tugraz","title":"TU Graz"}`, want: Params{Path: "tugraz", Title: "TU Graz"}},
		{name: "full", body: `{"path":"tu-graz_2","title":"TU Graz","description":"Styria"}`,
			want: Params{Path: "tu-graz_2", Title: "TU Graz", Description: "Styria"}},
		{name: "null description", body: `{"path":"a","title":"A","description":null}`, want: Params{Path: "a", Title: "A"}},
		{name: "empty object", body: `{}`, fields: []string{"path", "title"}},
		{name: "null", body: `null`, fields: []string{"path", "title"}},
		{name: "array", body: `[]`, fields: []string{"parameters"}},
		{name: "string", body: `"tugraz"`, fields: []string{"parameters"}},
		{name: "null path", body: `{"path":null,"title":"x"}`, fields: []string{"path"}},
		{name: "empty path", body: `{"path":"","title":"x"}`, fields: []string{"path"}},
		{name: "path with a space", body: `{"path":"Bad Path","title":"x"}`, fields: []string{"path"}},
		{name: "uppercase path", body: `{"path":"TUGraz","title":"x"}`, fields: []string{"path"}},
		{name: "dotted path", body: `{"path":"a.b","title":"x"}`, fields: []string{"path"}},
		{name: "path with a slash", body: `{"path":"a/b","title":"x"}`, fields: []string{"path"}},
		{name: "uuid path", body: `{"path":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","title":"x"}`, fields: []string{"path"}},
		{name: "path too long", body: `{"path":"` + strings.Repeat("a", 65) + `","title":"x"}`, fields: []string{"path"}},
		{name: "numeric path", body: `{"path":1,"title":"x"}`, fields: []string{"path"}},
		{name: "empty title", body: `{"path":"a","title":""}`, fields: []string{"title"}},
		{name: "title too long", body: `{"path":"a","title":"` + strings.Repeat("t", 256) + `"}`, fields: []string{"title"}},
		{name: "description too long", body: `{"path":"a","title":"x","description":"` + strings.Repeat("d", 10001) + `"}`, fields: []string{"description"}},
		{name: "unknown field", body: `{"path":"a","title":"x","owner":"me"}`, fields: []string{"owner"}},
		{name: "several", body: `{"path":2,"title":"","zzz":1,"aaa":2}`, fields: []string{"path", "title", "aaa", "zzz"}},
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
			if got := badFields(t, err); !slices.Equal(got, tt.fields) {
				t.Errorf("DecodeParams(%s): bad fields %q, want %q (%v)", tt.body, got, tt.fields, err)
			}
		})
	}
}

func TestSchemaAndAccess(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	if typ.Name() != Kind || Kind != "create_organization" {
		t.Errorf("Name() = %q, Kind = %q", typ.Name(), Kind)
	}
	s := typ.Schema()
	if got := s["required"]; !slices.Equal(got.([]string), []string{"path", "title"}) {
		t.Errorf("schema required = %v", got)
	}
	if s["additionalProperties"] != false {
		t.Errorf("schema allows additional properties: %v", s)
	}
	props := s["properties"].(map[string]any)
	for _, name := range []string{"path", "title", "description"} {
		if _, ok := props[name]; !ok {
			t.Errorf("schema has no property %s", name)
		}
	}
	if got := typ.Roles(); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("Roles() = %v, want [admin]", got)
	}
	if !strings.Contains(typ.Access(), "admin") {
		t.Errorf("Access() = %q", typ.Access())
	}
	if err := typ.Gate(tasks.Caller{Subject: "lect", Roles: []string{"lecturer"}}); !errors.Is(err, derrors.Forbidden) {
		t.Errorf("Gate(lecturer) = %v, want ErrForbidden", err)
	}
	// Refused before Check, which would need the store.
	if err := typ.Admit(t.Context(), tasks.Caller{Subject: "lect"}, Params{Path: "a", Title: "A"}); !errors.Is(err, derrors.Forbidden) {
		t.Errorf("Admit(non-admin) = %v, want ErrForbidden", err)
	}
	if err := typ.Gate(tasks.Caller{Subject: "root", Roles: []string{"admin"}, Admin: true}); err != nil {
		t.Errorf("Gate(admin role) = %v", err)
	}
}

package releasecourse

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

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("a%d", i)
	}
	manyJSON, _ := json.Marshal(many)
	for _, tt := range []struct {
		name   string
		body   string
		want   Params
		fields []string
	}{
		{name: "course only: every assignment at main", body: `{"course":"tugraz.progphys.2026"}`,
			want: Params{Course: "tugraz.progphys.2026", Ref: "main"}},
		{name: "all", body: `{"course":"c","contents":"all"}`, want: Params{Course: "c", Ref: "main"}},
		{name: "null contents", body: `{"course":"c","contents":null}`, want: Params{Course: "c", Ref: "main"}},
		{name: "null ref keeps the default", body: `{"course":"c","ref":null}`, want: Params{Course: "c", Ref: "main"}},
		{name: "empty list", body: `{"course":"c","contents":[]}`, want: Params{Course: "c", Contents: Contents{}, Ref: "main"}},
		{name: "list and ref", body: `{"course":"c","contents":["hello","week1/Sum_2.v"],"ref":"v1.0"}`,
			want: Params{Course: "c", Contents: Contents{"hello", "week1/Sum_2.v"}, Ref: "v1.0"}},
		{name: "missing course", body: `{"contents":"all"}`, fields: []string{"course"}},
		{name: "empty course", body: `{"course":""}`, fields: []string{"course"}},
		{name: "contents some", body: `{"course":"c","contents":"some"}`, fields: []string{"contents"}},
		{name: "contents ALL", body: `{"course":"c","contents":"ALL"}`, fields: []string{"contents"}},
		{name: "contents an object", body: `{"course":"c","contents":{"hello":true}}`, fields: []string{"contents"}},
		{name: "contents of numbers", body: `{"course":"c","contents":[1]}`, fields: []string{"contents"}},
		{name: "dot-dot", body: `{"course":"c","contents":["../x"]}`, fields: []string{"contents[0]"}},
		{name: "second is dot-dot", body: `{"course":"c","contents":["hello","a/../b"]}`, fields: []string{"contents[1]"}},
		{name: "absolute", body: `{"course":"c","contents":["/hello"]}`, fields: []string{"contents[0]"}},
		{name: "trailing slash", body: `{"course":"c","contents":["hello/"]}`, fields: []string{"contents[0]"}},
		{name: "empty path", body: `{"course":"c","contents":[""]}`, fields: []string{"contents[0]"}},
		{name: "space", body: `{"course":"c","contents":["hello world"]}`, fields: []string{"contents[0]"}},
		{name: "duplicate", body: `{"course":"c","contents":["hello","sum","hello"]}`, fields: []string{"contents[2]"}},
		{name: "too many", body: `{"course":"c","contents":` + string(manyJSON) + `}`, fields: []string{"contents"}},
		{name: "empty ref", body: `{"course":"c","ref":""}`, fields: []string{"ref"}},
		{name: "ref too long", body: `{"course":"c","ref":"` + strings.Repeat("r", 256) + `"}`, fields: []string{"ref"}},
		{name: "unknown field", body: `{"course":"c","students":[]}`, fields: []string{"students"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := typ.DecodeParams(json.RawMessage(tt.body))
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("DecodeParams(%s): %v", tt.body, err)
				}
				p := got.(Params)
				if p.Course != tt.want.Course || p.Ref != tt.want.Ref || !slices.Equal(p.Contents, tt.want.Contents) ||
					(p.Contents == nil) != (tt.want.Contents == nil) {
					t.Errorf("DecodeParams(%s) = %#v, want %#v", tt.body, p, tt.want)
				}
				return
			}
			if fields := slices.Compact(badFields(t, err)); !slices.Equal(fields, tt.fields) {
				t.Errorf("DecodeParams(%s): bad fields %q, want %q (%v)", tt.body, fields, tt.fields, err)
			}
		})
	}
}

func TestSchemaAndAccess(t *testing.T) {
	t.Parallel()
	typ := Task(tasks.Deps{})
	if typ.Name() != "release_course" {
		t.Errorf("Name() = %q", typ.Name())
	}
	s := typ.Schema()
	if got := s["required"]; !slices.Equal(got.([]string), []string{"course"}) {
		t.Errorf("schema required = %v", got)
	}
	props := s["properties"].(map[string]any)
	if ref := props["ref"].(map[string]any); ref["default"] != "main" {
		t.Errorf("schema of ref = %v, want default main", ref)
	}
	if _, ok := props["contents"].(map[string]any)["oneOf"]; !ok {
		t.Errorf("schema of contents = %v, want oneOf \"all\" or a list", props["contents"])
	}
	if len(typ.Roles()) != 0 || typ.Access() != course.ReleaseAccess {
		t.Errorf("Roles() = %v, Access() = %q; want none and %q", typ.Roles(), typ.Access(), course.ReleaseAccess)
	}
	// Anyone passes the gate; Authorize decides on the course.
	if err := typ.Gate(tasks.Caller{Subject: "lect"}); err != nil {
		t.Errorf("Gate(lecturer) = %v", err)
	}
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

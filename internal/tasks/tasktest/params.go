package tasktest

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

// update rewrites golden files instead of comparing with them:
// go test ./internal/tasks/... -update.
var update = flag.Bool("update", false, "rewrite the golden files of task types")

// ParamCase is one body of parameters: Want is what it decodes to (nil:
// anything, as long as it decodes), or Fields the bad fields it names, in
// order.
type ParamCase struct {
	Name   string
	Body   string
	Want   tasks.Params
	Fields []string
	// Message, when set, is in the first bad field's message.
	Message string
}

// DecodeParams decodes each case's body with typ and checks the result:
// the parameters, or a *derrors.InvalidError naming exactly the fields
// and saying something of each.
func DecodeParams(t *testing.T, typ *tasks.Type, cases []ParamCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			p, err := typ.DecodeParams(json.RawMessage(tt.Body))
			if tt.Fields == nil {
				if err != nil {
					t.Fatalf("DecodeParams(%.200s): %.500v", tt.Body, err)
				}
				if tt.Want != nil && !reflect.DeepEqual(p, tt.Want) {
					t.Errorf("DecodeParams(%.200s) = %.500v, want %.500v", tt.Body, p, tt.Want)
				}
				return
			}
			if got := InvalidFields(t, err); !slices.Equal(got, tt.Fields) {
				t.Errorf("DecodeParams(%.200s): bad fields %q, want %q (%.500v)", tt.Body, got, tt.Fields, err)
			}
			var ve *derrors.InvalidError
			if errors.As(err, &ve) && tt.Message != "" && (len(ve.Fields) == 0 || !strings.Contains(ve.Fields[0].Message, tt.Message)) {
				t.Errorf("DecodeParams(%.200s) = %.500v, want the message to say %q", tt.Body, err, tt.Message)
			}
		})
	}
}

// InvalidFields returns the fields an *derrors.InvalidError names, and
// fails the test for any other error or a field without a message.
func InvalidFields(t testing.TB, err error) []string {
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

// AdmitCase is one Admit call as an admin, who passes every access
// check: Field is the one bad field Check finds, "" when it finds none.
type AdmitCase struct {
	Params tasks.Params
	Field  string
}

// Admit admits each case's parameters as an admin and checks that Check
// accepts them or names the one bad field.
func Admit(t *testing.T, typ *tasks.Type, cases []AdmitCase) {
	t.Helper()
	admin := tasks.Caller{Subject: "root", Roles: []string{"admin"}, Admin: true}
	for _, tt := range cases {
		err := typ.Admit(t.Context(), admin, tt.Params)
		switch {
		case tt.Field == "" && err != nil:
			t.Errorf("Admit(%+v) = %v, want it admitted", tt.Params, err)
		case tt.Field != "":
			if got := InvalidFields(t, err); !slices.Equal(got, []string{tt.Field}) {
				t.Errorf("Admit(%+v): bad fields %q, want %s (%v)", tt.Params, got, tt.Field, err)
			}
		}
	}
}

// GateCase is a caller and whether the task type's gate lets them in.
type GateCase struct {
	Caller  tasks.Caller
	Allowed bool
}

// Gate checks who passes typ's gate; a refusal must be derrors.Forbidden.
func Gate(t *testing.T, typ *tasks.Type, cases []GateCase) {
	t.Helper()
	for _, tt := range cases {
		err := typ.Gate(tt.Caller)
		switch {
		case tt.Allowed && err != nil:
			t.Errorf("%s: Gate(%+v) = %v, want allowed", typ.Name(), tt.Caller, err)
		case !tt.Allowed && !errors.Is(err, derrors.Forbidden):
			t.Errorf("%s: Gate(%+v) = %v, want forbidden", typ.Name(), tt.Caller, err)
		}
	}
}

// Callers for Gate cases.
var (
	Admin    = tasks.Caller{Subject: "root", Roles: []string{"admin"}, Admin: true}
	Lecturer = tasks.Caller{Subject: "lect", Roles: []string{"lecturer"}}
	Student  = tasks.Caller{Subject: "stud"}
)

// GoldenSchemas compares the JSON Schema of each task type of reg with
// dir/<kind>.json, or writes them under -update. A type without a golden
// file fails: a new task type's schema is reviewed once, as a file.
func GoldenSchemas(t *testing.T, reg *tasks.Registry, dir string) {
	t.Helper()
	for _, typ := range reg.Types() {
		got, err := json.MarshalIndent(typ.Schema(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(dir, typ.Name()+".json")
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no golden schema: %v (run go test with -update and review the file)", typ.Name(), err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s: the schema differs from %s (run go test with -update if the change is meant):\n%s", typ.Name(), path, got)
		}
	}
}

package longrunning

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		raw       string
		want      Params
		wantField string
	}{
		{name: "defaults", raw: `{}`, want: Params{Duration: 10}},
		{name: "zero duration", raw: `{"duration":0}`, want: Params{Duration: 0}},
		{name: "max duration", raw: `{"duration":3600,"message":"hi"}`, want: Params{Duration: 3600, Message: "hi"}},
		{name: "longest message", raw: `{"message":"` + strings.Repeat("é", 1000) + `"}`, want: Params{Duration: 10, Message: strings.Repeat("é", 1000)}},
		{name: "negative duration", raw: `{"duration":-1}`, wantField: "duration"},
		{name: "duration too long", raw: `{"duration":3601}`, wantField: "duration"},
		{name: "fractional duration", raw: `{"duration":1.5}`, wantField: "duration"},
		{name: "message too long", raw: `{"message":"` + strings.Repeat("x", 1001) + `"}`, wantField: "message"},
		{name: "unknown field", raw: `{"seconds":5}`, wantField: "seconds"},
	}
	task := Task()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := task.DecodeParams(json.RawMessage(tt.raw))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			var verr *derrors.InvalidError
			if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != tt.wantField {
				t.Fatalf("error = %v, want one bad field %q", err, tt.wantField)
			}
		})
	}
}

func TestTask(t *testing.T) {
	t.Parallel()
	task := Task()
	if task.Name() != Kind || task.Description() == "" || len(task.Roles()) != 0 || task.Timeout() <= 0 {
		t.Errorf("task = %s %q roles %v timeout %v", task.Name(), task.Description(), task.Roles(), task.Timeout())
	}
	if _, err := tasks.NewRegistry(task); err != nil {
		t.Fatal(err)
	}
}

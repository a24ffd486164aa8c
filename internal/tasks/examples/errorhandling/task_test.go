package errorhandling

import (
	"encoding/json"
	"errors"
	"reflect"
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
		{name: "defaults", raw: `{}`, want: Params{ErrorType: "retryable"}},
		{name: "override", raw: `{"should_fail":true,"fail_attempts":10,"error_type":"timeout"}`,
			want: Params{ShouldFail: true, FailAttempts: 10, ErrorType: "timeout"}},
		{name: "negative attempts", raw: `{"fail_attempts":-1}`, wantField: "fail_attempts"},
		{name: "too many attempts", raw: `{"fail_attempts":11}`, wantField: "fail_attempts"},
		{name: "unknown error type", raw: `{"error_type":"fatal"}`, wantField: "error_type"},
		{name: "string for bool", raw: `{"should_fail":"yes"}`, wantField: "should_fail"},
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

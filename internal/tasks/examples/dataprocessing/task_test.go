package dataprocessing

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
		name        string
		raw         string
		want        Params
		wantField   string
		wantMessage string
	}{
		{name: "defaults", raw: `{}`, want: Params{DataSize: 1000, ProcessingType: "transform", ChunkSize: 100}},
		{name: "override", raw: `{"data_size":7,"processing_type":"filter","chunk_size":2}`,
			want: Params{DataSize: 7, ProcessingType: "filter", ChunkSize: 2}},
		{name: "exactly 1000 chunks", raw: `{"data_size":1000000,"chunk_size":1000}`,
			want: Params{DataSize: 1000000, ProcessingType: "transform", ChunkSize: 1000}},
		{name: "uneven 1000 chunks", raw: `{"data_size":1999,"chunk_size":2}`,
			want: Params{DataSize: 1999, ProcessingType: "transform", ChunkSize: 2}},
		{name: "zero data", raw: `{"data_size":0}`, wantField: "data_size"},
		{name: "too much data", raw: `{"data_size":1000001,"chunk_size":10000}`, wantField: "data_size"},
		{name: "zero chunk", raw: `{"chunk_size":0}`, wantField: "chunk_size"},
		{name: "unknown type", raw: `{"processing_type":"sort"}`, wantField: "processing_type"},
		{name: "1001 chunks", raw: `{"data_size":1001,"chunk_size":1}`, wantField: "chunk_size", wantMessage: "at least 2"},
		{name: "too many chunks", raw: `{"data_size":1000000,"chunk_size":999}`, wantField: "chunk_size", wantMessage: "at least 1000"},
		{name: "default chunk too small", raw: `{"data_size":100001}`, wantField: "chunk_size", wantMessage: "at least 101"},
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
			if !strings.Contains(verr.Fields[0].Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to say %q", verr.Fields[0].Message, tt.wantMessage)
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

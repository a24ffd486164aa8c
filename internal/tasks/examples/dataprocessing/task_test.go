package dataprocessing

import (
	"testing"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestDecodeParams(t *testing.T) {
	t.Parallel()
	tasktest.DecodeParams(t, Task(), []tasktest.ParamCase{
		{Name: "defaults", Body: `{}`, Want: Params{DataSize: 1000, ProcessingType: "transform", ChunkSize: 100}},
		{Name: "override", Body: `{"data_size":7,"processing_type":"filter","chunk_size":2}`,
			Want: Params{DataSize: 7, ProcessingType: "filter", ChunkSize: 2}},
		{Name: "exactly 1000 chunks", Body: `{"data_size":1000000,"chunk_size":1000}`,
			Want: Params{DataSize: 1000000, ProcessingType: "transform", ChunkSize: 1000}},
		{Name: "uneven 1000 chunks", Body: `{"data_size":1999,"chunk_size":2}`,
			Want: Params{DataSize: 1999, ProcessingType: "transform", ChunkSize: 2}},
		{Name: "zero data", Body: `{"data_size":0}`, Fields: []string{"data_size"}},
		{Name: "too much data", Body: `{"data_size":1000001,"chunk_size":10000}`, Fields: []string{"data_size"}},
		{Name: "zero chunk", Body: `{"chunk_size":0}`, Fields: []string{"chunk_size"}},
		{Name: "unknown type", Body: `{"processing_type":"sort"}`, Fields: []string{"processing_type"}},
		{Name: "1001 chunks", Body: `{"data_size":1001,"chunk_size":1}`, Fields: []string{"chunk_size"}, Message: "at least 2"},
		{Name: "too many chunks", Body: `{"data_size":1000000,"chunk_size":999}`, Fields: []string{"chunk_size"}, Message: "at least 1000"},
		{Name: "default chunk too small", Body: `{"data_size":100001}`, Fields: []string{"chunk_size"}, Message: "at least 101"},
	})
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

package catalog_test

import (
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
)

// TestReplay replays a recorded history of every task type against the
// current workflow code: a change that would break tasks already running
// (a new activity call, a different order) fails here, not on a worker in
// the middle of a deadline. The histories are real runs on a dev stack,
// recorded by the end-to-end tests with -record (see test/e2e).
func TestReplay(t *testing.T) {
	t.Parallel()
	reg, err := catalog.New(tasks.Deps{}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range reg.Names() {
		// <name>.json is the current code's; <name>.<what changed>.json
		// are kept from before a versioned change, for tasks it may
		// still find running.
		older, err := filepath.Glob(filepath.Join("testdata", "history", name+".*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range append([]string{filepath.Join("testdata", "history", name+".json")}, older...) {
			t.Run(filepath.Base(file), func(t *testing.T) {
				t.Parallel()
				replay(t, reg, name, file)
			})
		}
	}
}

// replay replays the history in file, which must be of task type name.
func replay(t *testing.T, reg *tasks.Registry, name, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no recorded history for %s: run go test ./test/e2e/ -record (%v)", name, err)
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The original id, since a workflow may derive ids from its own
	// (submission_processing's test run).
	started := h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	if got := started.GetWorkflowType().GetName(); got != name {
		t.Fatalf("%s holds a history of %q", file, got)
	}
	r := worker.NewWorkflowReplayer()
	reg.RegisterWorkflows(r)
	err = r.ReplayWorkflowHistoryWithOptions(nil, h, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()},
	})
	if err != nil {
		t.Fatalf("replay %s: %v", file, err)
	}
}

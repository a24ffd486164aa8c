package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
)

// With -record, each task type that has no replay history yet gets one:
// the first finished run of it on the shared stack is written to the
// catalog's testdata, which internal/tasks/catalog replays against the
// current workflow code:
//
//	go test ./test/e2e/ -record
//
// Recorded histories stay: to record one again (on purpose, when a
// workflow change is guarded by a version check), delete its file first.
var record = flag.Bool("record", false, "write a history for each task type without one to "+historyDir)

const historyDir = "../../internal/tasks/catalog/testdata/history"

var recorded struct {
	sync.Mutex
	done map[string]bool
}

// recordHistory saves the history of a task that ended with status, if
// -record is set and its type has no finished history yet. Failed runs
// are kept only until a finished one comes.
func (s *stack) recordHistory(t testing.TB, id, status string) {
	if !*record || s != shared {
		return
	}
	const uuidLen = 36
	if len(id) <= uuidLen+1 || id[len(id)-uuidLen-1] != '-' {
		return // not <kind>-<uuid>: a client's own id
	}
	kind := id[:len(id)-uuidLen-1]
	recorded.Lock()
	defer recorded.Unlock()
	if recorded.done == nil {
		recorded.done = map[string]bool{}
	}
	if recorded.done[kind] {
		return
	}
	file := filepath.Join(historyDir, kind+".json")
	if _, seen := recorded.done[kind]; !seen {
		if _, err := os.Stat(file); err == nil {
			recorded.done[kind] = true // recorded before: kept
			return
		}
	}
	ctx := context.Background()
	c, err := engine.Dial(ctx, s.clientConfig(t, "", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var h historypb.History
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(historyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	recorded.done[kind] = status == "FINISHED"
	fmt.Fprintf(os.Stderr, "recorded %s (%s) from %s\n", kind, status, id)
}

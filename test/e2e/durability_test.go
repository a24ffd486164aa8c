package e2e

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/engine/embedded/walsync"
)

// TestSyncFailure runs a dev stack on files, in a data dir whose name
// holds "%", "#" and "?", and breaks the disk under it: the submit that
// started a task but could not make it durable answers 503 with the
// task's id (the task is there to look up), later submits are refused
// before anything starts, /readyz says why, and none of it clears when
// the disk comes back.
func TestSyncFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data 100% #1 ?x=y")
	s, err := startStack(app.Config{DataDir: dir, WorkDir: workRoot})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.stop(); err != nil {
			t.Error(err)
		}
	}()
	admin := s.tokenFor(t, "sync-admin", "admin")
	body := map[string]any{"task_name": "example_long_running", "parameters": map[string]any{"duration": 0}}

	// Healthy: the WAL that Sync fsyncs is the one in the data dir.
	s.do(t, "GET", "/readyz", "", nil).want(t, http.StatusOK)
	running := s.submit(t, admin, "example_long_running", map[string]any{"duration": 60}, 0)
	if id := s.submit(t, admin, "example_long_running", map[string]any{"duration": 0}, 0, "Idempotency-Key", "k"); id != idempotentID("sync-admin", "k") {
		t.Fatalf("an idempotent submit's id %s is not the one idempotentID computes", id)
	}
	if st, err := os.Stat(filepath.Join(dir, "temporal.db-wal")); err != nil || st.Size() == 0 {
		t.Fatalf("the WAL in the data dir: %v", err)
	}

	restore := walsync.InjectFsyncError(errors.New("input/output error"))
	r := s.do(t, "POST", "/tasks/submit", admin, body).want(t, http.StatusServiceUnavailable)
	restore()
	var p struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
		TaskID string `json:"task_id"`
	}
	r.json(t, &p)
	if p.TaskID == "" || !strings.Contains(p.Detail, p.TaskID) || r.header.Get("Location") != "/tasks/"+p.TaskID ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("a started but not durable submit: %s %v, want problem+json naming the task", r.body, r.header)
	}
	if strings.Contains(string(r.body), dir) || strings.Contains(string(r.body), "input/output") {
		t.Errorf("the answer shows internal error text: %s", r.body)
	}
	if info := s.task(t, admin, p.TaskID); info.TaskID != p.TaskID {
		t.Fatalf("the task of the 503 cannot be looked up: %+v", info)
	}

	// The failure sticks though the disk is back: nothing more starts.
	// An idempotent submit's task id is known in advance (the API's
	// name-based UUID), so its absence can be checked in Temporal itself.
	r = s.do(t, "POST", "/tasks/submit", admin, body, "Idempotency-Key", "after-the-failure").want(t, http.StatusServiceUnavailable)
	var refused struct {
		TaskID string `json:"task_id"`
	}
	r.json(t, &refused)
	if refused.TaskID != "" {
		t.Errorf("a refused submit names task %s: it should start nothing", refused.TaskID)
	}
	s.do(t, "GET", "/tasks/"+idempotentID("sync-admin", "after-the-failure"), admin, nil).want(t, http.StatusNotFound)
	// A cancel is refused before it reaches Temporal: the task runs on.
	s.do(t, "POST", "/tasks/"+running+"/cancel", admin, nil).want(t, http.StatusServiceUnavailable)
	if info := s.task(t, admin, running); info.Status == "CANCELLED" || info.FinishedAt != nil {
		t.Errorf("a refused cancel changed the task: %+v", info)
	}
	ready := s.do(t, "GET", "/readyz", "", nil).want(t, http.StatusServiceUnavailable)
	if !strings.Contains(string(ready.body), "restart") {
		t.Errorf("/readyz does not say what to do: %s", ready.body)
	}
	if !strings.Contains(s.stderr.String(), "could not be synced") {
		t.Errorf("the log does not report the fsync failure:\n%s", lastLines(s.stderr.String(), 20))
	}
}

// idempotentID is the task id the API gives an example_long_running
// submit of subject with an Idempotency-Key.
func idempotentID(subject, key string) string {
	ns := uuid.MustParse("6f1c7f5e-4b0a-4c1e-9a52-2d7c1b0f3e11") // internal/api's idempotencyNamespace
	return "example_long_running-" + uuid.NewSHA1(ns, []byte(subject+"\x00"+key)).String()
}

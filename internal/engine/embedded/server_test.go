package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/engine/embedded/walsync"
)

// A data dir whose name has the characters a "file:" URI gives meaning
// to: the server opens its files there, the WAL that Sync watches is the
// one it writes, and the live connections run with the synchronous
// settings durability rests on: NORMAL for temporal.db (the group commit
// covers it), FULL for the visibility file (nothing else does). Then an
// fsync error: it sticks, and says so.
func TestServerFilesAndSync(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "data %41 #frag ?query=1")
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv, err := StartServer(ctx, ServerConfig{DataDir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", ports[0])})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	}()
	tc, err := engine.Dial(ctx, engine.ClientConfig{Addr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	// A start writes an execution, then its visibility record.
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "files", TaskQueue: "nobody-polls"}, "none"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}

	for _, f := range []string{DatabaseFile, DatabaseFile + "-wal", VisibilityDatabaseFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v, want a file with data", f, err)
		}
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the data dir: %q, want nothing (a path cut at ? or # opens other files)", names)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mainSync, okMain := openedSynchronous(filepath.Join(dir, DatabaseFile))
		visSync, okVis := openedSynchronous(filepath.Join(dir, VisibilityDatabaseFile))
		if okMain && okVis {
			if mainSync != syncNormal || visSync != syncFull {
				t.Fatalf("synchronous: temporal.db %d, visibility %d; want %d and %d", mainSync, visSync, syncNormal, syncFull)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no live connection seen: temporal.db %v, visibility %v", okMain, okVis)
		}
		time.Sleep(50 * time.Millisecond)
	}

	restore := walsync.InjectFsyncError(errors.New("input/output error"))
	err = srv.Sync()
	restore()
	if !errors.Is(err, walsync.ErrFailed) {
		t.Fatalf("Sync with a failing disk: %v, want walsync.ErrFailed", err)
	}
	if err := srv.Sync(); !errors.Is(err, walsync.ErrFailed) {
		t.Errorf("Sync after the disk came back: %v, want the failure to stick", err)
	}
	if err := srv.SyncErr(); !errors.Is(err, walsync.ErrFailed) {
		t.Errorf("SyncErr: %v", err)
	}
}

// uriPath keeps a path whole in the plugin's "file:%s?…" string.
func TestURIPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/var/lib/computor/temporal.db": "/var/lib/computor/temporal.db",
		"/tmp/a%41/t.db":                "/tmp/a%2541/t.db",
		"/tmp/a#b/t.db":                 "/tmp/a%23b/t.db",
		"/tmp/a?mode=memory/t.db":       "/tmp/a%3fmode=memory/t.db",
	} {
		if got := uriPath(in); got != want {
			t.Errorf("uriPath(%q) = %q, want %q", in, got, want)
		}
	}
}

package walsync

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// round is one fsync as the fake saw it.
type round struct{ start, end time.Time }

func TestSyncWaitsForARoundThatBeganAfterTheCall(t *testing.T) {
	var mu sync.Mutex
	var rounds []round
	s := newSyncer(func() error {
		r := round{start: time.Now()}
		time.Sleep(3 * time.Millisecond)
		r.end = time.Now()
		mu.Lock()
		rounds = append(rounds, r)
		mu.Unlock()
		return nil
	})
	const callers = 64
	type call struct{ at, back time.Time }
	calls := make([]call, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			time.Sleep(time.Duration(i%8) * time.Millisecond)
			calls[i].at = time.Now()
			if err := s.Sync(); err != nil {
				t.Error(err)
			}
			calls[i].back = time.Now()
		})
	}
	wg.Wait()
	for i, c := range calls {
		covered := false
		for _, r := range rounds {
			if !r.start.Before(c.at) && !r.end.After(c.back) {
				covered = true
			}
		}
		if !covered {
			t.Fatalf("caller %d returned without a sync that began after its call", i)
		}
	}
	// Grouping: far fewer fsyncs than callers.
	if len(rounds) > callers/4 {
		t.Fatalf("%d fsyncs for %d callers", len(rounds), callers)
	}
}

func TestSyncReportsTheError(t *testing.T) {
	boom := errors.New("disk on fire")
	fail := true
	s := newSyncer(func() error {
		if fail {
			return boom
		}
		return nil
	})
	if err := s.Sync(); !errors.Is(err, boom) {
		t.Fatalf("Sync = %v, want %v", err, boom)
	}
	fail = false
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync after recovery = %v", err)
	}
}

func TestNewSyncsARealFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db-wal")
	s := New(path)
	if err := s.Sync(); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("existing file: %v", err)
	}
	bad := New(filepath.Join(dir, "no-such-dir", "db-wal"))
	if err := bad.Sync(); err == nil {
		t.Fatal("a file in a missing directory synced")
	}
}

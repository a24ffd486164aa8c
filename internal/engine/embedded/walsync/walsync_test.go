package walsync

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// The first fsync error sticks: a later fsync that succeeds proves
// nothing, since the kernel may have marked the lost pages clean.
func TestSyncErrorIsPermanent(t *testing.T) {
	boom := errors.New("EIO")
	var calls int
	fail := true
	s := newSyncer(func() error {
		calls++
		if fail {
			return boom
		}
		return nil
	})
	if err := s.Err(); err != nil {
		t.Fatalf("Err before any round = %v", err)
	}
	if err := s.Sync(); !errors.Is(err, boom) || !errors.Is(err, ErrFailed) {
		t.Fatalf("Sync = %v, want %v and ErrFailed", err, boom)
	}
	fail = false
	for range 3 {
		if err := s.Sync(); !errors.Is(err, boom) || !errors.Is(err, ErrFailed) {
			t.Fatalf("Sync after a failure = %v, want the failure again", err)
		}
	}
	if calls != 1 {
		t.Errorf("%d fsyncs, want 1: none after the failure", calls)
	}
	if err := s.Err(); !errors.Is(err, boom) {
		t.Errorf("Err = %v, want the failure", err)
	}
}

// Each caller gets the result of the round that served it: a round that
// succeeded is not spoiled by a later one that failed, and a caller whose
// round never ran fails.
func TestSyncEachCallerGetsItsRound(t *testing.T) {
	boom := errors.New("EIO")
	first := make(chan struct{})   // round 1 has begun
	release := make(chan struct{}) // round 1 may end
	var round int
	s := newSyncer(func() error {
		round++
		switch round {
		case 1:
			close(first)
			<-release
			return nil
		default:
			return boom
		}
	})
	errs := make(chan error, 3)
	go func() { errs <- s.Sync() }() // runs round 1, which succeeds
	<-first
	// These two call while round 1 runs: round 2 serves them, and fails.
	var wg sync.WaitGroup
	late := make(chan error, 2)
	for range 2 {
		wg.Go(func() { late <- s.Sync() })
	}
	waitForWaiters(t, s, 2)
	close(release)
	if err := <-errs; err != nil {
		t.Errorf("the caller of round 1 got %v, want its own round's success", err)
	}
	wg.Wait()
	close(late)
	for err := range late {
		if !errors.Is(err, boom) {
			t.Errorf("a caller of round 2 got %v, want its round's failure", err)
		}
	}
}

// waitForWaiters waits until n callers wait for the running round.
func waitForWaiters(t *testing.T, s *Syncer, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.mu.Lock()
		w := s.waiting
		s.mu.Unlock()
		if w >= n {
			return
		}
	}
	t.Fatalf("fewer than %d callers wait", n)
}

// An injected I/O error at the real file's fsync: the seam the
// embedded server's own fault test uses too.
func TestNewFsyncError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db-wal")
	if err := os.WriteFile(path, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(path)
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	restore := InjectFsyncError(errors.New("input/output error"))
	err := s.Sync()
	restore()
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("Sync with a failing fsync = %v, want ErrFailed", err)
	}
	if err := s.Sync(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Sync after the disk recovered = %v, want the failure to stick", err)
	}
}

func TestNewSyncsARealFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db-wal")
	// A missing WAL: the database writes somewhere else.
	if err := New(path).Sync(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing file: %v, want an error that says so", err)
	}
	if err := os.WriteFile(path, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(path)
	if err := s.Sync(); err != nil {
		t.Fatalf("existing file: %v", err)
	}
	bad := New(filepath.Join(dir, "no-such-dir", "db-wal"))
	if err := bad.Sync(); err == nil {
		t.Fatal("a file in a missing directory synced")
	}
}

// New keeps one descriptor of the WAL from round to round (a writeback
// error reaches only descriptors open when it happened) and follows the
// file when it is replaced, syncing its directory again.
func TestNewKeepsTheFileOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db-wal")
	if err := os.WriteFile(path, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(path)
	defer s.Close()
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	first := s.wal.f
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if first == nil || s.wal.f != first {
		t.Fatal("a second round opened the WAL again")
	}
	// SQLite made a new WAL: the next round syncs the new file.
	next := filepath.Join(dir, "new-wal")
	if err := os.WriteFile(next, []byte("more"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	held, err := s.wal.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	now, _ := os.Stat(path)
	if !os.SameFile(held, now) {
		t.Fatal("the Syncer still holds the replaced file")
	}
	s.Close()
	if err := s.Sync(); err == nil {
		t.Fatal("Sync after Close succeeded")
	}
}

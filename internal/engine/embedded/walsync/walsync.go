// Package walsync makes a file durable for many callers with few fsyncs
// (group commit). The embedded Temporal server's SQLite database runs in WAL
// mode with synchronous=NORMAL: a commit is written to the WAL but not
// fsynced. An fsync of the WAL afterwards makes that commit, and every one
// before it, survive a power loss; the API syncs before it acknowledges a
// submit, and concurrent submits share one fsync.
//
// The first failed fsync is permanent, as PostgreSQL treats it: after an
// I/O error the kernel may mark the lost pages clean, so a later fsync
// that succeeds proves nothing about the commits before it. Every Sync
// after a failure fails, until the process restarts and SQLite recovers
// from what is on the disk.
package walsync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// ErrFailed wraps every error of a Syncer once an fsync has failed.
var ErrFailed = errors.New("an fsync failed, so acknowledged commits may not be on the disk")

// Syncer fsyncs one file on behalf of many callers. A caller waits for an
// fsync that began after it called; one fsync serves every caller waiting
// when it begins, and each caller gets the result of the round that
// served it.
type Syncer struct {
	fsync func() error
	wal   *walFile // the file New syncs; nil for other fsyncs

	mu       sync.Mutex
	cond     *sync.Cond
	begun    uint64 // rounds started
	done     uint64 // rounds finished
	running  bool
	waiting  int    // callers waiting for a round to end
	failedAt uint64 // the first round that failed; 0 for none
	failure  error  // its error
}

// New returns a Syncer for the WAL file at path. The file must exist: the
// database holds it open while it runs, so a missing one means the
// database writes elsewhere (another path) and syncing it would prove
// nothing.
//
// The Syncer keeps the file open from its first round on: Linux reports
// a writeback error to the descriptors open when it happened, so a
// descriptor opened afresh for each fsync could miss an error that SQLite's
// own checkpoint saw first. If the file at path is replaced, the new one
// is opened and its directory entry synced again.
func New(path string) *Syncer {
	w := &walFile{path: path}
	s := newSyncer(w.sync)
	s.wal = w
	return s
}

// Close waits for a running round and closes the file. Sync fails after.
func (s *Syncer) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.running {
		s.waiting++
		s.cond.Wait()
		s.waiting--
	}
	if s.failedAt == 0 {
		s.begun++
		s.failedAt, s.failure = s.begun, errClosed
	}
	if s.wal != nil {
		s.wal.close()
	}
}

var errClosed = errors.New("the syncer is closed")

// walFile is the WAL as one open descriptor. Only one round runs at a
// time, so it needs no lock of its own.
type walFile struct {
	path string
	f    *os.File
}

func (w *walFile) sync() error {
	st, err := os.Stat(w.path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sync %s: the file is missing, so the database writes elsewhere: %w", w.path, err)
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	if w.f != nil {
		if held, err := w.f.Stat(); err != nil || !os.SameFile(held, st) {
			// Replaced: the old descriptor syncs a file nobody writes.
			_ = w.f.Close()
			w.f = nil
		}
	}
	if w.f == nil {
		f, err := os.Open(w.path)
		if err != nil {
			return fmt.Errorf("sync %s: %w", w.path, err)
		}
		w.f = f
		// The file's directory entry, so the file itself survives.
		if err := fsyncPath(filepath.Dir(w.path)); err != nil {
			return err
		}
	}
	if err := fsync(w.f); err != nil {
		return fmt.Errorf("sync %s: %w", w.path, err)
	}
	return nil
}

func (w *walFile) close() {
	if w.f != nil {
		_ = w.f.Close()
		w.f = nil
	}
}

func newSyncer(fsync func() error) *Syncer {
	s := &Syncer{fsync: fsync}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Sync returns once everything written to the file before the call is on
// the disk. After a failed fsync it fails at once, every time.
func (s *Syncer) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The first round to begin after this call serves it: rounds run one
	// at a time, so that is round begun+1.
	mine := s.begun + 1
	for s.done < mine {
		if s.failedAt != 0 {
			break
		}
		if s.running {
			s.waiting++
			s.cond.Wait()
			s.waiting--
			continue
		}
		s.running = true
		s.begun++
		round := s.begun
		s.mu.Unlock()
		err := s.fsync()
		s.mu.Lock()
		s.running = false
		s.done = round
		if err != nil && s.failedAt == 0 {
			s.failedAt, s.failure = round, err
		}
		s.cond.Broadcast()
	}
	if s.failedAt != 0 && s.failedAt <= mine {
		return s.failedErr()
	}
	return nil
}

// Err is the failure that broke the Syncer, nil while it works: a reason
// to report not ready.
func (s *Syncer) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failedAt == 0 {
		return nil
	}
	return s.failedErr()
}

func (s *Syncer) failedErr() error {
	return fmt.Errorf("%w: %w", ErrFailed, s.failure)
}

// injected, when set, is the error every fsync returns: the seam of
// fault tests.
var injected atomic.Pointer[error]

// fsync is f.Sync, or the injected error of a fault test.
func fsync(f *os.File) error {
	if p := injected.Load(); p != nil {
		return *p
	}
	return f.Sync()
}

// fsyncPath opens, fsyncs and closes a file or directory.
func fsyncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := fsync(f); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// InjectFsyncError makes every fsync of this package, in every Syncer of
// the process, fail with err until restore is called. For fault tests.
func InjectFsyncError(err error) (restore func()) {
	injected.Store(&err)
	return func() { injected.Store(nil) }
}

// Package walsync makes a file durable for many callers with few fsyncs
// (group commit). The embedded Temporal server's SQLite database runs in WAL
// mode with synchronous=NORMAL: a commit is written to the WAL but not
// fsynced. An fsync of the WAL afterwards makes that commit, and every one
// before it, survive a power loss; the API syncs before it acknowledges a
// submit, and concurrent submits share one fsync.
package walsync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Syncer fsyncs one file on behalf of many callers. A caller waits for an
// fsync that began after it called; one fsync serves every caller waiting
// when it begins.
type Syncer struct {
	fsync func() error

	mu      sync.Mutex
	cond    *sync.Cond
	begun   uint64 // rounds started
	done    uint64 // rounds finished
	running bool
	err     error // of the round that finished last
}

// New returns a Syncer for the file at path. A missing file counts as
// synced: SQLite removes its WAL only after checkpointing it into the
// database file, which it syncs first.
func New(path string) *Syncer {
	var dirSynced bool
	return newSyncer(func() error {
		if err := syncPath(path, true); err != nil {
			return err
		}
		if !dirSynced {
			// The file's directory entry, once, so the file itself
			// survives. Only one round runs at a time.
			if err := syncPath(filepath.Dir(path), false); err != nil {
				return err
			}
			dirSynced = true
		}
		return nil
	})
}

func newSyncer(fsync func() error) *Syncer {
	s := &Syncer{fsync: fsync}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Sync returns once everything written to the file before the call is on
// the disk.
func (s *Syncer) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	need := s.begun + 1
	for s.done < need {
		if s.running {
			s.cond.Wait()
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
		s.err = err
		s.cond.Broadcast()
	}
	return s.err
}

func syncPath(path string, missingOK bool) error {
	f, err := os.Open(path)
	if missingOK && errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

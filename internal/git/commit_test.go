package git

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// The contract of Commit is tested by the shared suite (gittest); these
// tests look at what Local leaves on disk.

func TestCommitLocal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const path = "org/commit"
	repo, base := b.mustRepo(t, path, files("README.md", "v1", "old/a.txt", "a"))
	commit := b.mustCommit(t, path, CommitParams{
		Parent:      base,
		Write:       files("README.md", "v2"),
		Delete:      []string{"old"},
		Message:     "Update the assignment",
		AuthorName:  "Alice Student",
		AuthorEmail: "alice@example.org",
	})
	meta := runGit(t, repo.Dir, "log", "-1", "--format=%P|%an|%ae|%cn|%ce|%B", commit)
	wantMeta := base + "|Alice Student|alice@example.org|" + CommitterName + "|" + CommitterEmail + "|Update the assignment"
	if meta != wantMeta {
		t.Errorf("commit metadata = %q, want %q", meta, wantMeta)
	}
	// Without an author, the committer is the author.
	second := b.mustCommit(t, path, CommitParams{Parent: commit, Write: files("b", "b"), Message: "by the system"})
	if got := runGit(t, repo.Dir, "log", "-1", "--format=%an <%ae>", second); got != CommitterName+" <"+CommitterEmail+">" {
		t.Errorf("default author = %q", got)
	}
	// Main moves with a reflog entry; scratch space is cleaned up.
	if got := runGit(t, repo.Dir, "reflog", "show", "--format=%H", "refs/heads/main"); got != second+"\n"+commit+"\n"+base {
		t.Errorf("reflog of main = %q", got)
	}
	if entries := dirEntries(t, filepath.Join(b.root, tmpDirName)); len(entries) != 0 {
		t.Errorf("scratch directory holds %v after commits", entries)
	}

	// A ref lock held by a live git blocks the commit; a stale one left by
	// a crashed git does not block commits forever.
	lock := filepath.Join(repo.Dir, "refs", "heads", "main.lock")
	if err := os.WriteFile(lock, []byte(second+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := b.svc.Commit(b.ctx, path, CommitParams{Parent: second, Write: files("c", "c"), Message: "locked"})
	if err == nil {
		t.Fatal("Commit succeeded while main was locked by a live git")
	}
	if errors.Is(err, derrors.Conflict) {
		t.Errorf("a locked main is reported as a conflict: %v", err)
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	b.mustCommit(t, path, CommitParams{Parent: second, Write: files("c", "c"), Message: "after the lock"})
	if out := runGit(t, repo.Dir, "fsck", "--strict", "--no-dangling"); out != "" {
		t.Errorf("fsck: %s", out)
	}
}

func TestCommitEmptyRepo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// A repository without commits, as an outside tool might make one.
	runGit(t, b.root, "init", "--quiet", "--bare", "--initial-branch=main", "org/blank.git")
	_, err := b.svc.Resolve(b.ctx, "org/blank", "main")
	wantErr(t, "Resolve in blank repo", err, derrors.NotFound)

	c := CommitParams{Write: files("README.md", "hi"), Message: "first"}
	first := b.mustCommit(t, "org/blank", c)
	if head := b.mustResolve(t, "org/blank", "main"); head != first {
		t.Errorf("main = %s, want %s", head, first)
	}
	if again, _, err := b.svc.Commit(b.ctx, "org/blank", c); err != nil || again != first {
		t.Errorf("repeated first Commit = %s, %v; want %s", again, err, first)
	}
	_, _, err = b.svc.Commit(b.ctx, "org/blank", CommitParams{Write: files("README.md", "other"), Message: "first"})
	wantErr(t, "second first commit", err, derrors.Conflict)
}

func TestCommitConcurrentLocal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 8
	paths := []string{"org/one", "org/two"}
	for _, p := range paths {
		b.mustRepo(t, p, files("README.md", p))
	}
	// Two repositories, n writers each, retrying on conflict.
	var wg sync.WaitGroup
	errs := make(chan error, n*len(paths))
	for _, path := range paths {
		for i := range n {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					if attempt == 10*n {
						errs <- fmt.Errorf("writer %d: no progress after %d attempts", i, attempt)
						return
					}
					head, err := b.svc.Resolve(b.ctx, path, "main")
					if err != nil {
						errs <- err
						return
					}
					_, _, err = b.svc.Commit(b.ctx, path, CommitParams{
						Parent:  head,
						Write:   files(fmt.Sprintf("queue/%d", i), "x"),
						Message: fmt.Sprintf("queue %d", i),
					})
					if !errors.Is(err, derrors.Conflict) {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("writer: %v", err)
		}
	}
	for _, path := range paths {
		dir := b.svc.repoDir(path)
		if count := runGit(t, dir, "rev-list", "--count", "main"); count != fmt.Sprint(1+n) {
			t.Errorf("%s: main has %s commits, want %d", path, count, 1+n)
		}
		if out := runGit(t, dir, "fsck", "--strict", "--no-dangling"); out != "" {
			t.Errorf("%s: fsck: %s", path, out)
		}
	}
	b.svc.mu.Lock()
	if len(b.svc.locks) != 0 {
		t.Errorf("%d repository locks remain after all writers finished", len(b.svc.locks))
	}
	b.svc.mu.Unlock()
}

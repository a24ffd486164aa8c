package git

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

func TestNewLocal(t *testing.T) {
	t.Parallel()
	_, err := NewLocal("")
	wantErr(t, "empty root", err, derrors.Invalid)

	root := filepath.Join(t.TempDir(), "made", "by", "newlocal")
	svc, err := NewLocal(root)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	if svc.Root() != root {
		t.Errorf("Root() = %q, want %q", svc.Root(), root)
	}
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		t.Errorf("root not made: %v", err)
	}
}

func TestEnsureGroup(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for range 2 {
		if err := b.svc.EnsureGroup(b.ctx, "tugraz/progphys/2026"); err != nil {
			t.Fatalf("EnsureGroup: %v", err)
		}
	}
	if info, err := os.Stat(filepath.Join(b.root, "tugraz", "progphys", "2026")); err != nil || !info.IsDir() {
		t.Fatalf("group directory: %v", err)
	}
	for _, bad := range []string{"", "../x", "a/.hidden", "a.git", "/abs"} {
		wantErr(t, "EnsureGroup "+bad, b.svc.EnsureGroup(b.ctx, bad), derrors.Invalid)
	}
}

func TestEnsureRepo(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const path = "tugraz/progphys/2026/assignments"

	if ok, err := b.svc.Exists(b.ctx, path); err != nil || ok {
		t.Fatalf("Exists before = %v, %v; want false", ok, err)
	}
	repo, err := b.svc.EnsureRepo(b.ctx, path, files("README.md", "# Assignments\n", "docs/a.md", "a"), "Initial commit")
	if err != nil {
		t.Fatalf("EnsureRepo: %v", err)
	}
	wantDir := filepath.Join(b.root, "tugraz", "progphys", "2026", "assignments.git")
	if repo.Path != path || repo.Dir != wantDir {
		t.Errorf("EnsureRepo = %+v, want path %q dir %q", repo, path, wantDir)
	}
	if ok, err := b.svc.Exists(b.ctx, path); err != nil || !ok {
		t.Fatalf("Exists after = %v, %v; want true", ok, err)
	}
	head := b.mustResolve(t, path, "main")
	if got := b.mustRead(t, path, head, "README.md"); got != "# Assignments\n" {
		t.Errorf("README.md = %q", got)
	}
	msg := runGit(t, repo.Dir, "log", "-1", "--format=%an|%cn|%s|%P", "main")
	if msg != "Computor|Computor|Initial commit|" {
		t.Errorf("initial commit = %q, want one parentless commit by Computor", msg)
	}
	if got := runGit(t, repo.Dir, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("HEAD = %q, want refs/heads/main", got)
	}
	for _, kv := range repoConfig {
		if got := runGit(t, repo.Dir, "config", "--get", kv[0]); got != kv[1] {
			t.Errorf("config %s = %q, want %q", kv[0], got, kv[1])
		}
	}
	if _, err := os.Stat(filepath.Join(repo.Dir, "hooks")); !os.IsNotExist(err) {
		t.Errorf("repository has a hooks directory (err %v); want none", err)
	}

	// Again, with other content: the repository is left as it is.
	again, err := b.svc.EnsureRepo(b.ctx, path, files("OTHER.md", "x"), "Other")
	if err != nil {
		t.Fatalf("second EnsureRepo: %v", err)
	}
	if again != repo {
		t.Errorf("second EnsureRepo = %+v, want %+v", again, repo)
	}
	if got := b.mustResolve(t, path, "main"); got != head {
		t.Errorf("head after second EnsureRepo = %s, want %s", got, head)
	}
	if entries := dirEntries(t, filepath.Dir(wantDir)); !slices.Equal(entries, []string{"assignments.git"}) {
		t.Errorf("group directory holds %v, want only the repository", entries)
	}
}

func TestEnsureRepoAfterCrash(t *testing.T) {
	t.Parallel()
	b := setup(t)
	parent := filepath.Join(b.root, "org")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	// A half-built repository left by a crash (nobody holds its lock), and
	// one that a live process is building (its lock is held).
	stale := filepath.Join(parent, ".tmp-repo.git-111")
	fresh := filepath.Join(parent, ".tmp-repo.git-222")
	for _, dir := range []string{stale, fresh} {
		if err := os.MkdirAll(filepath.Join(dir, "objects"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "HEAD"), []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	held, err := lockDir(fresh, true)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	// A crash during the build itself: the context ends while git runs.
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	if _, err := b.svc.EnsureRepo(ctx, "org/repo", files("a", "b"), "m"); err == nil {
		t.Fatal("EnsureRepo with a cancelled context succeeded")
	}
	if ok, _ := b.svc.Exists(b.ctx, "org/repo"); ok {
		t.Fatal("a failed EnsureRepo left a repository")
	}

	_, head := b.mustRepo(t, "org/repo", files("a", "b"))
	if got := b.mustRead(t, "org/repo", head, "a"); got != "b" {
		t.Errorf("file a = %q", got)
	}
	got := dirEntries(t, parent)
	want := []string{".tmp-repo.git-222", "repo.git"}
	if !slices.Equal(got, want) {
		t.Errorf("group directory holds %v, want %v (stale temp removed, fresh kept, nothing else)", got, want)
	}
}

func TestEnsureRepoConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = b.svc.EnsureRepo(b.ctx, "org/same", files("n", strings.Repeat("x", i)), "m")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("EnsureRepo %d: %v", i, err)
		}
	}
	head := b.mustResolve(t, "org/same", "main")
	if n := runGit(t, b.svc.repoDir("org/same"), "rev-list", "--count", head); n != "1" {
		t.Errorf("main has %s commits, want 1", n)
	}
	if entries := dirEntries(t, filepath.Join(b.root, "org")); !slices.Equal(entries, []string{"same.git"}) {
		t.Errorf("group directory holds %v, want only the repository", entries)
	}
}

func TestForkRepoLocal(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const src, dst = "course/template", "course/students/alice"
	srcRepo, first := b.mustRepo(t, src, files("README.md", "v1"))
	second := b.mustCommit(t, src, CommitParams{Parent: first, Write: files("task.py", "pass"), Message: "add task"})
	// Things that are not main's history stay behind.
	runGit(t, srcRepo.Dir, "branch", "solutions", first)
	runGit(t, srcRepo.Dir, "tag", "v1", second)
	runGit(t, srcRepo.Dir, "config", "custom.setting", "source only")

	repo, err := b.svc.ForkRepo(b.ctx, src, dst)
	if err != nil {
		t.Fatalf("ForkRepo: %v", err)
	}
	if repo.Dir != filepath.Join(b.root, "course", "students", "alice.git") {
		t.Errorf("ForkRepo dir = %q", repo.Dir)
	}
	if got := b.mustResolve(t, dst, "main"); got != second {
		t.Errorf("fork main = %s, want %s", got, second)
	}
	if refs := runGit(t, repo.Dir, "for-each-ref", "--format=%(refname)"); refs != "refs/heads/main" {
		t.Errorf("fork refs = %q, want only refs/heads/main", refs)
	}
	if got := runGit(t, repo.Dir, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Errorf("fork HEAD = %q, want refs/heads/main", got)
	}
	for _, key := range []string{"^remote\\.", "^custom\\."} {
		if out, err := tryGit(t, repo.Dir, "config", "--get-regexp", key); err == nil {
			t.Errorf("fork has configuration %q", out)
		}
	}
	for _, kv := range repoConfig {
		if got := runGit(t, repo.Dir, "config", "--get", kv[0]); got != kv[1] {
			t.Errorf("fork config %s = %q, want %q", kv[0], got, kv[1])
		}
	}
	// The fork reads its history from the source, by a path relative to
	// itself, and holds no object of its own yet.
	if alt, err := os.ReadFile(filepath.Join(repo.Dir, "objects", "info", "alternates")); err != nil || string(alt) != "../../../template.git/objects\n" {
		t.Errorf("fork alternates = %q, %v; want the source's objects, relative", alt, err)
	}
	if out := runGit(t, repo.Dir, "count-objects"); out != "0 objects, 0 kilobytes" {
		t.Errorf("fork holds objects of its own: %s", out)
	}
	if out := runGit(t, repo.Dir, "fsck", "--strict", "--no-dangling"); out != "" {
		t.Errorf("fsck: %s", out)
	}
	_, err = b.svc.ForkRepo(b.ctx, src, src)
	wantErr(t, "fork onto itself", err, derrors.Invalid)
	if entries := dirEntries(t, filepath.Join(b.root, "course", "students")); !slices.Equal(entries, []string{"alice.git"}) {
		t.Errorf("students group holds %v, want only alice.git", entries)
	}
}

// TestForkSurvivesGC: a fork shares its source's objects, so it must
// stay whole whatever git's housekeeping does in either repository: the
// source only ever moves main forward, so gc and prune keep every commit
// a fork started from. Pushes to the fork and reads of it go on working.
func TestForkSurvivesGC(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const src, dst = "course/template", "course/students/alice"
	srcRepo, first := b.mustRepo(t, src, files("README.md", "v1"))
	// Refs packed by git's housekeeping are read as well as loose ones.
	runGit(t, srcRepo.Dir, "pack-refs", "--all")
	repo, err := b.svc.ForkRepo(b.ctx, src, dst)
	if err != nil {
		t.Fatalf("ForkRepo: %v", err)
	}
	if got := b.mustResolve(t, dst, "main"); got != first {
		t.Fatalf("fork main = %s, want %s", got, first)
	}
	// The source moves on and is collected hard; an abandoned branch's
	// objects go, main's stay.
	second := b.mustCommit(t, src, CommitParams{Parent: first, Write: files("task.py", "pass"), Message: "release"})
	runGit(t, srcRepo.Dir, "branch", "scratch", second)
	runGit(t, srcRepo.Dir, "branch", "-D", "scratch")
	runGit(t, srcRepo.Dir, "-c", "gc.reflogExpire=now", "-c", "gc.reflogExpireUnreachable=now", "gc", "--prune=now", "--aggressive", "--quiet")

	// The student pushes work to the fork, which then is collected too.
	work := t.TempDir()
	runGit(t, work, "clone", "--quiet", repo.Dir, "w")
	w := filepath.Join(work, "w")
	if err := os.WriteFile(filepath.Join(w, "answer.py"), []byte("print(42)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, w, "add", ".")
	runGit(t, w, "commit", "--quiet", "-m", "answer")
	runGit(t, w, "push", "--quiet", "origin", "main")
	runGit(t, repo.Dir, "gc", "--prune=now", "--quiet")

	for _, dir := range []string{srcRepo.Dir, repo.Dir} {
		if out := runGit(t, dir, "fsck", "--strict", "--no-dangling", "--full"); out != "" {
			t.Errorf("fsck %s: %s", dir, out)
		}
	}
	head := b.mustResolve(t, dst, "main")
	if got, err := b.svc.ListFiles(b.ctx, dst, head, ""); err != nil || !slices.Equal(got, []string{"README.md", "answer.py"}) {
		t.Errorf("fork files at its head = %v, %v", got, err)
	}
	if got, err := b.svc.ReadFile(b.ctx, dst, first, "README.md"); err != nil || string(got) != "v1" {
		t.Errorf("fork README at the fork point = %q, %v", got, err)
	}
	// The fork's own objects are its own: the source never sees them.
	if _, err := tryGit(t, srcRepo.Dir, "cat-file", "-e", head); err == nil {
		t.Error("the student's commit is in the source")
	}
}

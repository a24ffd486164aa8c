// Package gittest is the shared test suite of [git.Service]: every
// implementation runs [Exercise] against fresh storage, so they all keep
// the same contract.
package gittest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
)

// Exercise runs the suite against the implementation newService makes.
// Each call of newService must return a service on fresh, empty storage.
// Subtests run in parallel.
func Exercise(t *testing.T, newService func(t *testing.T) git.Service) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s *suite)
	}{
		{"EnsureGroup", testEnsureGroup},
		{"EnsureRepo", testEnsureRepo},
		{"EnsureRepoEmpty", testEnsureRepoEmpty},
		{"EnsureRepoValidation", testEnsureRepoValidation},
		{"ForkRepo", testForkRepo},
		{"Read", testRead},
		{"Commit", testCommit},
		{"CommitRetry", testCommitRetry},
		{"CommitValidation", testCommitValidation},
		{"CommitConcurrent", testCommitConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, &suite{ctx: t.Context(), svc: newService(t)})
		})
	}
}

// suite is the fresh state of one subtest.
type suite struct {
	ctx context.Context
	svc git.Service
}

// Files builds a file map from path, content pairs.
func Files(kv ...string) map[string][]byte {
	m := make(map[string][]byte, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

func (s *suite) repo(t *testing.T, path string, files map[string][]byte) string {
	t.Helper()
	if _, err := s.svc.EnsureRepo(s.ctx, path, files, "initial"); err != nil {
		t.Fatalf("EnsureRepo(%s): %v", path, err)
	}
	return s.resolve(t, path, "main")
}

func (s *suite) resolve(t *testing.T, path, ref string) string {
	t.Helper()
	hash, err := s.svc.Resolve(s.ctx, path, ref)
	if err != nil {
		t.Fatalf("Resolve(%s, %s): %v", path, ref, err)
	}
	return hash
}

func (s *suite) commit(t *testing.T, path string, c git.CommitParams) string {
	t.Helper()
	hash, changed, err := s.svc.Commit(s.ctx, path, c)
	if err != nil || !changed {
		t.Fatalf("Commit(%s, %q): changed %v, err %v", path, c.Message, changed, err)
	}
	return hash
}

func (s *suite) list(t *testing.T, path, commit, dir string) []string {
	t.Helper()
	files, err := s.svc.ListFiles(s.ctx, path, commit, dir)
	if err != nil {
		t.Fatalf("ListFiles(%s, %s, %q): %v", path, commit, dir, err)
	}
	return files
}

func (s *suite) read(t *testing.T, path, commit, file string) string {
	t.Helper()
	data, err := s.svc.ReadFile(s.ctx, path, commit, file)
	if err != nil {
		t.Fatalf("ReadFile(%s, %s, %s): %v", path, commit, file, err)
	}
	return string(data)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func testEnsureGroup(t *testing.T, s *suite) {
	for range 2 {
		if err := s.svc.EnsureGroup(s.ctx, "tugraz/progphys/2026"); err != nil {
			t.Fatalf("EnsureGroup: %v", err)
		}
	}
	// Repositories go into the group.
	s.repo(t, "tugraz/progphys/2026/assignments", nil)
	for _, bad := range []string{"", "../x", "a/../b", "/abs", "a//b", "a/.hidden"} {
		wantErr(t, fmt.Sprintf("EnsureGroup(%q)", bad), s.svc.EnsureGroup(s.ctx, bad), derrors.Invalid)
	}
}

func testEnsureRepo(t *testing.T, s *suite) {
	const path = "tugraz/progphys/2026/assignments"
	if ok, err := s.svc.Exists(s.ctx, path); err != nil || ok {
		t.Fatalf("Exists before = %v, %v; want false, nil", ok, err)
	}
	repo, err := s.svc.EnsureRepo(s.ctx, path, Files("README.md", "# Assignments\n", "docs/intro.md", "hi"), "Initial commit")
	if err != nil {
		t.Fatalf("EnsureRepo: %v", err)
	}
	if repo.Path != path {
		t.Errorf("EnsureRepo path = %q, want %q", repo.Path, path)
	}
	if ok, err := s.svc.Exists(s.ctx, path); err != nil || !ok {
		t.Fatalf("Exists after = %v, %v; want true, nil", ok, err)
	}
	head := s.resolve(t, path, "main")
	if got := s.list(t, path, head, ""); !slices.Equal(got, []string{"README.md", "docs/intro.md"}) {
		t.Errorf("initial files = %q", got)
	}
	if got := s.read(t, path, head, "README.md"); got != "# Assignments\n" {
		t.Errorf("README.md = %q", got)
	}

	// Again, with other content: the repository is left as it is.
	again, err := s.svc.EnsureRepo(s.ctx, path, Files("OTHER.md", "x"), "Other")
	if err != nil {
		t.Fatalf("second EnsureRepo: %v", err)
	}
	if again != repo {
		t.Errorf("second EnsureRepo = %+v, want %+v", again, repo)
	}
	if got := s.resolve(t, path, "main"); got != head {
		t.Errorf("head after second EnsureRepo = %s, want %s", got, head)
	}
	if ok, err := s.svc.Exists(s.ctx, "tugraz/progphys/2026/other"); err != nil || ok {
		t.Errorf("Exists(other) = %v, %v; want false, nil", ok, err)
	}
}

func testEnsureRepoEmpty(t *testing.T, s *suite) {
	head := s.repo(t, "org/empty", nil)
	if got := s.list(t, "org/empty", head, ""); len(got) != 0 {
		t.Errorf("files of an empty initial commit = %q", got)
	}
}

func testEnsureRepoValidation(t *testing.T, s *suite) {
	tests := []struct {
		name, path string
		files      map[string][]byte
		message    string
	}{
		{"parent segment", "a/../b", nil, "m"},
		{"absolute", "/a/b", nil, "m"},
		{"empty segment", "a//b", nil, "m"},
		{"hidden segment", "a/.b", nil, "m"},
		{"bad character", "a/b c", nil, "m"},
		{"too long", strings.Repeat("a", git.MaxPathLen+1), nil, "m"},
		{"escaping file", "a/b", Files("../x", ""), "m"},
		{"absolute file", "a/b", Files("/x", ""), "m"},
		{"git dir file", "a/b", Files(".git/config", ""), "m"},
		{"empty message", "a/b", nil, ""},
	}
	for _, tt := range tests {
		_, err := s.svc.EnsureRepo(s.ctx, tt.path, tt.files, tt.message)
		wantErr(t, tt.name, err, derrors.Invalid)
	}
	if ok, _ := s.svc.Exists(s.ctx, "a/b"); ok {
		t.Error("a rejected EnsureRepo made the repository")
	}
	_, err := s.svc.Exists(s.ctx, "a/../b")
	wantErr(t, "Exists with a bad path", err, derrors.Invalid)
}

func testForkRepo(t *testing.T, s *suite) {
	const src, dst = "course/template", "course/students/alice"
	first := s.repo(t, src, Files("README.md", "v1"))
	second := s.commit(t, src, git.CommitParams{Parent: first, Write: Files("task.py", "pass"), Message: "add task"})

	repo, err := s.svc.ForkRepo(s.ctx, src, dst)
	if err != nil {
		t.Fatalf("ForkRepo: %v", err)
	}
	if repo.Path != dst {
		t.Errorf("ForkRepo path = %q, want %q", repo.Path, dst)
	}
	if got := s.resolve(t, dst, "main"); got != second {
		t.Errorf("fork main = %s, want %s", got, second)
	}
	for _, c := range []string{first, second} {
		if ok, err := s.svc.HasCommit(s.ctx, dst, c); err != nil || !ok {
			t.Errorf("HasCommit(fork, %s) = %v, %v; want true", c, ok, err)
		}
	}
	if got := s.read(t, dst, "main", "task.py"); got != "pass" {
		t.Errorf("fork task.py = %q", got)
	}

	// The fork and the source go their own ways.
	s.commit(t, dst, git.CommitParams{Parent: second, Write: Files("solution.py", "x"), Message: "solve"})
	srcHead := s.commit(t, src, git.CommitParams{Parent: second, Write: Files("more", "x"), Message: "more"})
	if got := s.list(t, src, srcHead, ""); slices.Contains(got, "solution.py") {
		t.Errorf("a commit to the fork reached the source: %q", got)
	}

	// Idempotent: dst is left as it is.
	dstHead := s.resolve(t, dst, "main")
	if _, err := s.svc.ForkRepo(s.ctx, src, dst); err != nil {
		t.Fatalf("second ForkRepo: %v", err)
	}
	if got := s.resolve(t, dst, "main"); got != dstHead {
		t.Errorf("fork main after second ForkRepo = %s, want %s", got, dstHead)
	}

	_, err = s.svc.ForkRepo(s.ctx, "course/missing", "course/students/bob")
	wantErr(t, "fork of a missing repository", err, derrors.NotFound)
	if ok, _ := s.svc.Exists(s.ctx, "course/students/bob"); ok {
		t.Error("a failed fork left a repository")
	}
	_, err = s.svc.ForkRepo(s.ctx, src, "../evil")
	wantErr(t, "fork to a bad path", err, derrors.Invalid)
}

func testRead(t *testing.T, s *suite) {
	const path = "org/read"
	first := s.repo(t, path, Files(
		"README.md", "hello\n",
		"src/main.py", "print(1)\n",
		"src/lib/util.py", "",
		"src.txt", "not in src",
		"tests/test_main.py", "assert True\n",
	))
	binary := []byte{0, 1, 2, '\n', 0xff, '\n'}
	second := s.commit(t, path, git.CommitParams{
		Parent:  first,
		Write:   map[string][]byte{"data/blob.bin": binary},
		Delete:  []string{"tests"},
		Message: "second",
	})

	resolves := []struct {
		ref, want string
		err       error
	}{
		{"main", second, nil},
		{first, first, nil},
		{first[:8], first, nil},
		{"nope", "", derrors.NotFound},
		{strings.Repeat("0", len(first)), "", derrors.NotFound},
	}
	for _, tt := range resolves {
		got, err := s.svc.Resolve(s.ctx, path, tt.ref)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.ref, got, err, tt.want, tt.err)
		}
	}
	_, err := s.svc.Resolve(s.ctx, "org/missing", "main")
	wantErr(t, "Resolve in a missing repository", err, derrors.NotFound)

	lists := []struct {
		commit, dir string
		want        []string
		err         error
	}{
		{first, "", []string{"README.md", "src.txt", "src/lib/util.py", "src/main.py", "tests/test_main.py"}, nil},
		{second, "", []string{"README.md", "data/blob.bin", "src.txt", "src/lib/util.py", "src/main.py"}, nil},
		{first, "src", []string{"src/lib/util.py", "src/main.py"}, nil},
		{first, "src/lib", []string{"src/lib/util.py"}, nil},
		{second, "tests", nil, derrors.NotFound},
		{first, "nope", nil, derrors.NotFound},
		{first, "README.md", nil, derrors.NotFound},
		{"nope", "", nil, derrors.NotFound},
		{first, "../x", nil, derrors.Invalid},
		{first, "/src", nil, derrors.Invalid},
	}
	for _, tt := range lists {
		got, err := s.svc.ListFiles(s.ctx, path, tt.commit, tt.dir)
		if !slices.Equal(got, tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("ListFiles(%.8s, %q) = %q, %v; want %q, %v", tt.commit, tt.dir, got, err, tt.want, tt.err)
		}
	}

	reads := []struct {
		commit, file string
		want         []byte
		err          error
	}{
		{first, "README.md", []byte("hello\n"), nil},
		{first, "src/lib/util.py", []byte{}, nil},
		{second, "data/blob.bin", binary, nil},
		{first, "tests/test_main.py", []byte("assert True\n"), nil},
		{second, "tests/test_main.py", nil, derrors.NotFound},
		{first, "data/blob.bin", nil, derrors.NotFound},
		{first, "src", nil, derrors.NotFound},
		{"nope", "README.md", nil, derrors.NotFound},
		{first, "../README.md", nil, derrors.Invalid},
		{first, "/README.md", nil, derrors.Invalid},
	}
	for _, tt := range reads {
		got, err := s.svc.ReadFile(s.ctx, path, tt.commit, tt.file)
		if !bytes.Equal(got, tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("ReadFile(%.8s, %q) = %q, %v; want %q, %v", tt.commit, tt.file, got, err, tt.want, tt.err)
		}
	}

	type file struct {
		path, data string
	}
	all := func(string) bool { return true }
	readAll := []struct {
		commit, dir string
		keep        func(string) bool
		max         int64
		want        []file
		err         error
	}{
		{first, "", all, 1 << 20, []file{{"README.md", "hello\n"}, {"src.txt", "not in src"}, {"src/lib/util.py", ""},
			{"src/main.py", "print(1)\n"}, {"tests/test_main.py", "assert True\n"}}, nil},
		{first, "src", all, 1 << 20, []file{{"lib/util.py", ""}, {"main.py", "print(1)\n"}}, nil},
		{first, "", func(p string) bool { return strings.HasSuffix(p, ".md") }, 1 << 20, []file{{"README.md", "hello\n"}}, nil},
		{second, "data", all, 1 << 20, []file{{"blob.bin", string(binary)}}, nil},
		{first, "", all, 10, nil, derrors.TooLarge},
		{first, "", func(p string) bool { return p == "README.md" }, 6, []file{{"README.md", "hello\n"}}, nil},
		{second, "tests", all, 1 << 20, nil, derrors.NotFound},
		{"nope", "", all, 1 << 20, nil, derrors.NotFound},
		{first, "../x", all, 1 << 20, nil, derrors.Invalid},
	}
	for _, tt := range readAll {
		got, err := s.svc.ReadFiles(s.ctx, path, tt.commit, tt.dir, tt.keep, tt.max)
		var gotFiles []file
		for _, f := range got {
			gotFiles = append(gotFiles, file{f.Path, string(f.Data)})
		}
		if !slices.Equal(gotFiles, tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("ReadFiles(%.8s, %q, max %d) = %q, %v; want %q, %v", tt.commit, tt.dir, tt.max, gotFiles, err, tt.want, tt.err)
		}
	}

	has := []struct {
		commit string
		want   bool
	}{
		{first, true},
		{second, true},
		{second[:10], true},
		{strings.Repeat("0", len(first)), false},
	}
	for _, tt := range has {
		got, err := s.svc.HasCommit(s.ctx, path, tt.commit)
		if got != tt.want || err != nil {
			t.Errorf("HasCommit(%s) = %v, %v; want %v, nil", tt.commit, got, err, tt.want)
		}
	}
	_, err = s.svc.HasCommit(s.ctx, "org/missing", first)
	wantErr(t, "HasCommit in a missing repository", err, derrors.NotFound)
}

func testCommit(t *testing.T, s *suite) {
	const path = "org/commit"
	base := s.repo(t, path, Files(
		"README.md", "v1",
		"keep.txt", "keep",
		"old/a.txt", "a",
		"old/deep/b.txt", "b",
		"file", "a file that becomes a directory",
		"dir/x", "a directory that becomes a file",
	))
	commit, changed, err := s.svc.Commit(s.ctx, path, git.CommitParams{
		Parent:      base,
		Write:       Files("README.md", "v2", "new/c.txt", "c", "file/inner", "now a directory", "dir", "now a file"),
		Delete:      []string{"old", "missing.txt", "nothing/here"},
		Message:     "Update the assignment",
		AuthorName:  "Alice Student",
		AuthorEmail: "alice@example.org",
	})
	if err != nil || !changed || commit == base {
		t.Fatalf("Commit = %s, %v, %v; want a new commit", commit, changed, err)
	}
	if head := s.resolve(t, path, "main"); head != commit {
		t.Fatalf("main = %s, want the new commit %s", head, commit)
	}
	want := []string{"README.md", "dir", "file/inner", "keep.txt", "new/c.txt"}
	if got := s.list(t, path, commit, ""); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	if got := s.read(t, path, commit, "README.md"); got != "v2" {
		t.Errorf("README.md = %q", got)
	}
	if got := s.read(t, path, base, "README.md"); got != "v1" {
		t.Errorf("README.md at the parent = %q", got)
	}

	// Nothing to change: no commit, the parent comes back.
	for _, c := range []git.CommitParams{
		{Parent: commit, Write: Files("README.md", "v2"), Message: "same content"},
		{Parent: commit, Delete: []string{"missing", "old"}, Message: "delete nothing"},
		{Parent: commit, Message: "no changes at all"},
	} {
		got, changed, err := s.svc.Commit(s.ctx, path, c)
		if err != nil || changed || got != commit {
			t.Errorf("no-op Commit %q = %s, %v, %v; want %s, false, nil", c.Message, got, changed, err, commit)
		}
	}

	// A stale or unknown parent is a conflict; nothing is rebased.
	for _, parent := range []string{base, strings.Repeat("ab", len(base)/2), ""} {
		_, _, err := s.svc.Commit(s.ctx, path, git.CommitParams{Parent: parent, Write: Files("x", "y"), Message: "late"})
		wantErr(t, fmt.Sprintf("Commit on parent %q", parent), err, derrors.Conflict)
	}
	if head := s.resolve(t, path, "main"); head != commit {
		t.Errorf("main moved to %s on a no-op or conflict, want %s", head, commit)
	}

	_, _, err = s.svc.Commit(s.ctx, "org/missing", git.CommitParams{Parent: commit, Message: "m"})
	wantErr(t, "Commit to a missing repository", err, derrors.NotFound)
}

func testCommitRetry(t *testing.T, s *suite) {
	const path = "org/retry"
	base := s.repo(t, path, Files("a", "1"))
	c := git.CommitParams{Parent: base, Write: Files("a", "2"), Message: "Set a to 2", AuthorName: "Dr. Who Jr."}
	first := s.commit(t, path, c)

	// The task crashed after the commit and runs again.
	again, changed, err := s.svc.Commit(s.ctx, path, c)
	if err != nil || !changed || again != first {
		t.Fatalf("repeated Commit = %s, %v, %v; want %s, true, nil", again, changed, err, first)
	}
	// A different change on the same stale parent is still a conflict.
	for _, other := range []git.CommitParams{
		{Parent: base, Write: Files("a", "3"), Message: "Set a to 2"},
		{Parent: base, Write: Files("a", "2"), Message: "Another message"},
	} {
		_, _, err := s.svc.Commit(s.ctx, path, other)
		wantErr(t, "another change on a stale parent", err, derrors.Conflict)
	}
	if head := s.resolve(t, path, "main"); head != first {
		t.Errorf("main = %s, want %s", head, first)
	}
}

func testCommitValidation(t *testing.T, s *suite) {
	const path = "org/valid"
	base := s.repo(t, path, Files("a", "1"))
	tests := []struct {
		name string
		c    git.CommitParams
	}{
		{"ref as parent", git.CommitParams{Parent: "main", Message: "m"}},
		{"short parent", git.CommitParams{Parent: base[:12], Message: "m"}},
		{"empty message", git.CommitParams{Parent: base, Message: " \n"}},
		{"escaping write", git.CommitParams{Parent: base, Write: Files("../x", ""), Message: "m"}},
		{"deep escaping write", git.CommitParams{Parent: base, Write: Files("a/../../x", ""), Message: "m"}},
		{"absolute write", git.CommitParams{Parent: base, Write: Files("/etc/passwd", ""), Message: "m"}},
		{"empty segment", git.CommitParams{Parent: base, Write: Files("a//b", ""), Message: "m"}},
		{"git dir", git.CommitParams{Parent: base, Write: Files(".git/hooks/pre-receive", ""), Message: "m"}},
		{"nested git dir", git.CommitParams{Parent: base, Write: Files("sub/.Git/config", ""), Message: "m"}},
		{"newline in path", git.CommitParams{Parent: base, Write: Files("a\nb", ""), Message: "m"}},
		{"escaping delete", git.CommitParams{Parent: base, Delete: []string{"../a"}, Message: "m"}},
		{"absolute delete", git.CommitParams{Parent: base, Delete: []string{"/a"}, Message: "m"}},
		{"write and delete", git.CommitParams{Parent: base, Write: Files("a", "2"), Delete: []string{"a"}, Message: "m"}},
		{"file and directory", git.CommitParams{Parent: base, Write: Files("d", "1", "d/e/f", "2"), Message: "m"}},
		{"author with brackets", git.CommitParams{Parent: base, Message: "m", AuthorName: "Eve <eve@x>"}},
		{"author with newline", git.CommitParams{Parent: base, Message: "m", AuthorEmail: "a@b\nc"}},
	}
	for _, tt := range tests {
		_, _, err := s.svc.Commit(s.ctx, path, tt.c)
		wantErr(t, tt.name, err, derrors.Invalid)
	}
	_, _, err := s.svc.Commit(s.ctx, "org/../valid", git.CommitParams{Parent: base, Message: "m"})
	wantErr(t, "bad repository path", err, derrors.Invalid)
	if head := s.resolve(t, path, "main"); head != base {
		t.Errorf("main moved to %s", head)
	}
}

func testCommitConcurrent(t *testing.T, s *suite) {
	const path, n = "org/busy", 8
	base := s.repo(t, path, Files("README.md", "start"))

	// All from the same parent: exactly one wins, the rest conflict.
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, _, results[i] = s.svc.Commit(s.ctx, path, git.CommitParams{
				Parent:  base,
				Write:   Files(fmt.Sprintf("race/%d", i), "x"),
				Message: fmt.Sprintf("race %d", i),
			})
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range results {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, derrors.Conflict):
			t.Errorf("goroutine %d: %v, want success or ErrConflict", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d commits on the same parent succeeded, want 1", wins)
	}

	// Each retries on conflict from the new head: all get in.
	for i := range n {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				if attempt == 10*n {
					results[i] = fmt.Errorf("no progress after %d attempts", attempt)
					return
				}
				head, err := s.svc.Resolve(s.ctx, path, "main")
				if err != nil {
					results[i] = err
					return
				}
				_, _, err = s.svc.Commit(s.ctx, path, git.CommitParams{
					Parent:  head,
					Write:   Files(fmt.Sprintf("queue/%d", i), "x"),
					Message: fmt.Sprintf("queue %d", i),
				})
				if !errors.Is(err, derrors.Conflict) {
					results[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range results {
		if err != nil {
			t.Errorf("retrying goroutine %d: %v", i, err)
		}
	}
	if got := s.list(t, path, "main", "queue"); len(got) != n {
		t.Errorf("queue files = %q, want %d", got, n)
	}
	if got := s.list(t, path, "main", "race"); len(got) != 1 {
		t.Errorf("race files = %q, want 1", got)
	}
}

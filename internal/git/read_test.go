package git

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

// readFixture makes a repository with a few files, a tag and a second
// commit, and returns the two commits.
func readFixture(t *testing.T, b *testBundle) (string, string) {
	t.Helper()
	repo, first := b.mustRepo(t, "org/read", files(
		"README.md", "hello\n",
		"src/main.py", "print(1)\n",
		"src/lib/util.py", "",
		"src.txt", "not in src",
		"tests/test_main.py", "assert True\n",
	))
	runGit(t, repo.Dir, "tag", "-a", "-m", "release", "v1", first)
	second := b.mustCommit(t, "org/read", CommitParams{
		Parent:  first,
		Write:   map[string][]byte{"data/blob.bin": {0, 1, 2, '\n', 0xff, '\n'}},
		Delete:  []string{"tests"},
		Message: "second",
	})
	return first, second
}

func TestResolve(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, second := readFixture(t, b)
	tests := []struct {
		ref  string
		want string
		err  error
	}{
		{"main", second, nil},
		{"refs/heads/main", second, nil},
		{"v1", first, nil},
		{"refs/tags/v1", first, nil},
		{first, first, nil},
		{first[:7], first, nil},
		{strings.ToUpper(second), second, nil},
		{"nope", "", derrors.NotFound},
		{"0000000000000000000000000000000000000000", "", derrors.NotFound},
		{"main~1", "", derrors.Invalid},
		{"main:README.md", "", derrors.Invalid},
		{"--all", "", derrors.Invalid},
		{"", "", derrors.Invalid},
	}
	for _, tt := range tests {
		got, err := b.svc.Resolve(b.ctx, "org/read", tt.ref)
		wantErr(t, "Resolve "+tt.ref, err, tt.err)
		if got != tt.want {
			t.Errorf("Resolve(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
	_, err := b.svc.Resolve(b.ctx, "org/missing", "main")
	wantErr(t, "Resolve in missing repo", err, derrors.NotFound)
	_, err = b.svc.Resolve(b.ctx, "../org/read", "main")
	wantErr(t, "Resolve with bad path", err, derrors.Invalid)
	// A tree's hash is not a commit.
	tree := runGit(t, b.svc.repoDir("org/read"), "rev-parse", "main^{tree}")
	_, err = b.svc.Resolve(b.ctx, "org/read", tree)
	wantErr(t, "Resolve of a tree", err, derrors.NotFound)
}

func TestReadRevisions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, _ := readFixture(t, b)
	// Readers take any ref Resolve takes, and no revision syntax.
	if got, err := b.svc.ListFiles(b.ctx, "org/read", "v1", "src/"); err != nil || !slices.Equal(got, []string{"src/lib/util.py", "src/main.py"}) {
		t.Errorf("ListFiles(v1, src/) = %q, %v", got, err)
	}
	if got := b.mustRead(t, "org/read", "v1", "tests/test_main.py"); got != "assert True\n" {
		t.Errorf("ReadFile(v1) = %q", got)
	}
	_, err := b.svc.ListFiles(b.ctx, "org/read", "main^", "")
	wantErr(t, "ListFiles(main^)", err, derrors.Invalid)
	_, err = b.svc.ReadFile(b.ctx, "org/read", "main~1", "README.md")
	wantErr(t, "ReadFile(main~1)", err, derrors.Invalid)
	_, err = b.svc.ReadFile(b.ctx, "org/read", first, "README.md/x")
	wantErr(t, "ReadFile through a file", err, derrors.NotFound)
	_, err = b.svc.ReadFile(b.ctx, "org/read", first, "")
	wantErr(t, "ReadFile of empty path", err, derrors.Invalid)
}

func TestHasCommit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first, second := readFixture(t, b)
	dir := b.svc.repoDir("org/read")
	// A commit object no branch reaches, as a failed update leaves behind.
	dangling := runGit(t, dir, "commit-tree", "-m", "dangling", "-p", second, second+"^{tree}")
	tree := runGit(t, dir, "rev-parse", "main^{tree}")
	tests := []struct {
		commit string
		want   bool
		err    error
	}{
		{first, true, nil},
		{second, true, nil},
		{second[:8], true, nil},
		{strings.ToUpper(first), true, nil},
		{dangling, false, nil},
		{tree, false, nil},
		{"0123456789012345678901234567890123456789", false, nil},
		{"main", false, derrors.Invalid},
		{"abc", false, derrors.Invalid},
		{"", false, derrors.Invalid},
	}
	for _, tt := range tests {
		got, err := b.svc.HasCommit(b.ctx, "org/read", tt.commit)
		wantErr(t, "HasCommit "+tt.commit, err, tt.err)
		if got != tt.want {
			t.Errorf("HasCommit(%q) = %v, want %v", tt.commit, got, tt.want)
		}
	}
	_, err := b.svc.HasCommit(b.ctx, "org/missing", first)
	wantErr(t, "HasCommit in missing repo", err, derrors.NotFound)
}

func TestReadFilesModes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	repo, _ := b.mustRepo(t, "org/modes", files("a.txt", "a"))
	// A client pushes what only git's own tools make: a symbolic link to
	// a host file, one into another repository, and an executable.
	work := filepath.Join(t.TempDir(), "w")
	runGit(t, "", "clone", "--quiet", repo.Dir, work)
	if err := os.Symlink("/etc/shadow", filepath.Join(work, "shadow.py")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../other/students/bob.git/config", filepath.Join(work, "other.py")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "run.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	runGit(t, work, "add", ".")
	runGit(t, work, "commit", "--quiet", "-m", "modes")
	runGit(t, work, "push", "--quiet", "origin", "HEAD:main")

	got, err := b.svc.ReadFiles(b.ctx, "org/modes", "main", "", nil, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, f := range got {
		desc = append(desc, fmt.Sprintf("%s %q %v", f.Path, f.Data, f.Executable))
	}
	want := []string{`a.txt "a" false`, `run.sh "#!/bin/sh\n" true`}
	if !slices.Equal(desc, want) {
		t.Errorf("ReadFiles = %q, want %q: links are never files", desc, want)
	}
}

func TestReadFilesTreeBomb(t *testing.T) {
	t.Parallel()
	b := setup(t)
	repo, _ := b.mustRepo(t, "org/bomb", files("a.txt", "a"))
	work := filepath.Join(t.TempDir(), "w")
	runGit(t, "", "clone", "--quiet", repo.Dir, work)
	// A million entries in two small trees: one of 1000 empty files, one
	// of 1000 copies of the first.
	empty := runGit(t, work, "hash-object", "-w", "--stdin")
	var leaf, top strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&leaf, "100644 blob %s\tf%d\n", empty, i)
	}
	t0 := mktree(t, work, leaf.String())
	for i := range 1000 {
		fmt.Fprintf(&top, "040000 tree %s\td%d\n", t0, i)
	}
	t1 := mktree(t, work, top.String())
	commit := runGit(t, work, "commit-tree", "-p", "HEAD", "-m", "bomb", t1)
	runGit(t, work, "push", "--quiet", "origin", commit+":refs/heads/main")

	_, err := b.svc.ReadFiles(b.ctx, "org/bomb", "main", "", func(string) bool { return false }, 1<<20)
	if !errors.Is(err, derrors.TooLarge) {
		t.Fatalf("ReadFiles of a million entries: %v, want derrors.TooLarge", err)
	}
}

func mktree(t *testing.T, dir, listing string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", "mktree")
	cmd.Dir = dir
	cmd.Env = clientEnv(t.TempDir())
	cmd.Stdin = strings.NewReader(listing)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git mktree: %v", err)
	}
	return strings.TrimSpace(string(out))
}

package git

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// testBundle is the fresh state of one test.
type testBundle struct {
	ctx  context.Context
	svc  *Local
	root string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	root := t.TempDir()
	svc, err := NewLocal(root)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	return &testBundle{ctx: t.Context(), svc: svc, root: root}
}

// clientEnv is the environment of the test's own git client: no machine
// configuration, no prompts, a fixed identity.
func clientEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Test Client",
		"GIT_AUTHOR_EMAIL=client@example.org",
		"GIT_COMMITTER_NAME=Test Client",
		"GIT_COMMITTER_EMAIL=client@example.org",
	}
}

// tryGit runs the git client in dir and returns its combined output.
func tryGit(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "git", args...)
	cmd.Dir = dir
	cmd.Env = clientEnv(t.TempDir())
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// runGit runs the git client in dir and fails the test if it fails.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := tryGit(t, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// mustRepo makes a repository with files and returns its head.
func (b *testBundle) mustRepo(t *testing.T, path string, files map[string][]byte) (Repo, string) {
	t.Helper()
	repo, err := b.svc.EnsureRepo(b.ctx, path, files, "initial")
	if err != nil {
		t.Fatalf("EnsureRepo(%s): %v", path, err)
	}
	return repo, b.mustResolve(t, path, "main")
}

func (b *testBundle) mustResolve(t *testing.T, path, ref string) string {
	t.Helper()
	hash, err := b.svc.Resolve(b.ctx, path, ref)
	if err != nil {
		t.Fatalf("Resolve(%s, %s): %v", path, ref, err)
	}
	return hash
}

func (b *testBundle) mustCommit(t *testing.T, path string, c CommitParams) string {
	t.Helper()
	hash, changed, err := b.svc.Commit(b.ctx, path, c)
	if err != nil || !changed {
		t.Fatalf("Commit(%s): changed %v, err %v", path, changed, err)
	}
	return hash
}

func (b *testBundle) mustRead(t *testing.T, path, commit, file string) string {
	t.Helper()
	data, err := b.svc.ReadFile(b.ctx, path, commit, file)
	if err != nil {
		t.Fatalf("ReadFile(%s, %s, %s): %v", path, commit, file, err)
	}
	return string(data)
}

// wantErr fails the test unless err wraps want (or is nil when want is).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// dirEntries lists the names in dir.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func files(kv ...string) map[string][]byte {
	m := make(map[string][]byte)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

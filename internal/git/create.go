package git

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/computor-org/computor-go/internal/derrors"
)

// tempRepoPrefix starts the name of the directory a repository is built in
// before it is renamed into place: <parent>/.tmp-<name>.git-<random>.
const tempRepoPrefix = ".tmp-"

// pushConfig are the rules every push must keep: no branch deleted or
// rewritten, and every object received checked (fsck), so that a tree
// entry named "..", "." or ".git", or a malformed object, is refused
// before it reaches anything that reads the repository. They are set in
// every repository Local makes, and given to git http-backend for every
// repository it serves, made earlier or not.
var pushConfig = [][2]string{
	{"receive.denyDeletes", "true"},
	{"receive.denyNonFastForwards", "true"},
	{"receive.fsckObjects", "true"},
	{"transfer.fsckObjects", "true"},
	{"receive.fsck.hasDot", "error"},
	{"receive.fsck.hasDotdot", "error"},
	{"receive.fsck.hasDotgit", "error"},
}

// repoConfig is set on every repository Local makes.
var repoConfig = append([][2]string{
	{"core.logAllRefUpdates", "true"},
	{"http.receivepack", "true"},
}, pushConfig...)

// EnsureGroup makes the directory of a group namespace; it is idempotent.
func (l *Local) EnsureGroup(ctx context.Context, group string) error {
	if err := validateRepoPath(group); err != nil {
		return fmt.Errorf("ensure group: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ensure group %s: %w", group, err)
	}
	if err := os.MkdirAll(filepath.Join(l.root, filepath.FromSlash(group)), 0o755); err != nil {
		return fmt.Errorf("ensure group %s: %w", group, err)
	}
	return nil
}

// Exists reports whether the repository at path exists.
func (l *Local) Exists(ctx context.Context, path string) (bool, error) {
	if err := validateRepoPath(path); err != nil {
		return false, fmt.Errorf("check repository: %w", err)
	}
	ok, err := isRepo(l.repoDir(path))
	if err != nil {
		return false, fmt.Errorf("check repository %s: %w", path, err)
	}
	return ok, nil
}

// isRepo reports whether dir holds a bare repository. Repositories only
// appear by rename, complete, so a HEAD file is proof enough.
func isRepo(dir string) (bool, error) {
	info, err := os.Stat(filepath.Join(dir, "HEAD"))
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return false, nil
	case err != nil:
		return false, err
	}
	return info.Mode().IsRegular(), nil
}

// existingRepo returns the directory of the repository at a valid path, or
// derrors.NotFound.
func (l *Local) existingRepo(path string) (string, error) {
	dir := l.repoDir(path)
	ok, err := isRepo(dir)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("repository %s: %w", path, derrors.NotFound)
	}
	return dir, nil
}

// EnsureRepo makes a bare repository at path whose main holds one commit
// with the initial files, by CommitterName; an existing repository is left
// as it is. Missing groups above it are made.
func (l *Local) EnsureRepo(ctx context.Context, path string, initial map[string][]byte, message string) (Repo, error) {
	if err := validateRepoPath(path); err != nil {
		return Repo{}, fmt.Errorf("ensure repository: %w", err)
	}
	params := CommitParams{Write: initial, Message: message}
	if err := validateCommitParams(&params); err != nil {
		return Repo{}, fmt.Errorf("ensure repository %s: %w", path, err)
	}
	repo, err := l.create(ctx, path, func(tmp string) error {
		if _, err := l.run(ctx, "", nil, nil, "init", "--quiet", "--bare", "--template=", "--initial-branch=main", tmp); err != nil {
			return err
		}
		if err := l.configure(ctx, tmp); err != nil {
			return err
		}
		_, _, err := l.commit(ctx, tmp, params)
		return err
	})
	if err != nil {
		return Repo{}, fmt.Errorf("ensure repository %s: %w", path, err)
	}
	return repo, nil
}

// ForkRepo makes dst a copy of src's branch main with all its history (and
// nothing else of src); an existing dst is left as it is. It returns dst.
//
// dst shares src's objects (git's alternates, as clone --shared makes):
// it holds its own refs and whatever is pushed to it, and reads the
// history it started from in src. That costs no git process and no copy,
// and is safe because src never loses an object that a main of it ever
// held: main only moves forward (Commit builds on the head, and pushes may
// neither delete nor rewrite a branch), so gc and prune in src keep every
// commit a fork started from. A repository that others were forked from
// must therefore never be deleted or replaced; see doc.go.
func (l *Local) ForkRepo(ctx context.Context, src, dst string) (Repo, error) {
	if err := validateRepoPath(src); err != nil {
		return Repo{}, fmt.Errorf("fork repository: source: %w", err)
	}
	if err := validateRepoPath(dst); err != nil {
		return Repo{}, fmt.Errorf("fork repository: destination: %w", err)
	}
	if src == dst {
		return Repo{}, fmt.Errorf("fork repository %s: %w: source and destination are the same", src, derrors.Invalid)
	}
	repo, err := l.create(ctx, dst, func(tmp string) error {
		srcDir, err := l.existingRepo(src)
		if err != nil {
			return err
		}
		head, err := l.branchHead(ctx, srcDir, "main")
		if err != nil {
			return err
		}
		if head == "" {
			return fmt.Errorf("repository %s has no branch main: %w", src, derrors.NotFound)
		}
		if len(head) != 40 {
			// Local makes SHA-1 repositories only, and a fork's config
			// says so.
			return fmt.Errorf("repository %s is not a SHA-1 repository", src)
		}
		// The alternate is relative, from dst's objects directory, so the
		// root can move as a whole; tmp is a sibling of dst, so the path
		// from either is the same.
		rel, err := filepath.Rel(filepath.Join(l.repoDir(dst), "objects"), filepath.Join(srcDir, "objects"))
		if err != nil {
			return err
		}
		for _, d := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags"} {
			if err := os.MkdirAll(filepath.Join(tmp, filepath.FromSlash(d)), 0o755); err != nil {
				return err
			}
		}
		for _, f := range []struct{ name, data string }{
			{"HEAD", "ref: refs/heads/main\n"},
			{"objects/info/alternates", filepath.ToSlash(rel) + "\n"},
			{"refs/heads/main", head + "\n"},
		} {
			if err := writeFileSync(filepath.Join(tmp, filepath.FromSlash(f.name)), []byte(f.data)); err != nil {
				return err
			}
		}
		return l.configure(ctx, tmp)
	})
	if err != nil {
		return Repo{}, fmt.Errorf("fork repository %s to %s: %w", src, dst, err)
	}
	return repo, nil
}

// writeFileSync writes a new file and flushes it to disk, so a repository
// renamed into place after a power loss does not hold an empty ref.
func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// configure writes the whole config of a bare repository Local made:
// git's core settings plus repoConfig, and nothing else (no remote of a
// fork's source). Writing the file costs no git process; forks of many
// students at once spend their time in those processes.
func (l *Local) configure(ctx context.Context, dir string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n")
	section := "[core]"
	for _, kv := range repoConfig {
		// "section.key", or "section.subsection.key" under
		// [section "subsection"].
		sec, key, _ := strings.Cut(kv[0], ".")
		header := "[" + sec + "]"
		if i := strings.LastIndexByte(key, '.'); i >= 0 {
			header = fmt.Sprintf("[%s %q]", sec, key[:i])
			key = key[i+1:]
		}
		if header != section {
			b.WriteString(header + "\n")
			section = header
		}
		fmt.Fprintf(&b, "\t%s = %s\n", key, kv[1])
	}
	return os.WriteFile(filepath.Join(dir, "config"), []byte(b.String()), 0o644)
}

// create makes the repository at path unless it exists: under the
// repository's lock, build fills a fresh temporary directory beside the
// final one, which is then renamed into place. A crash leaves at most a
// temporary directory, removed once stale.
func (l *Local) create(ctx context.Context, path string, build func(tmp string) error) (Repo, error) {
	unlock, err := l.lock(ctx, path)
	if err != nil {
		return Repo{}, err
	}
	defer unlock()

	dir := l.repoDir(path)
	repo := Repo{Path: path, Dir: dir}
	if ok, err := isRepo(dir); err != nil {
		return Repo{}, err
	} else if ok {
		return repo, nil
	}
	if _, err := os.Lstat(dir); err == nil {
		return Repo{}, fmt.Errorf("%s exists but is not a repository", dir)
	}

	parent, name := filepath.Split(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Repo{}, err
	}
	prefix := tempRepoPrefix + name + "-"
	removeAbandoned(parent, prefix)
	tmp, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return Repo{}, err
	}
	// The lock on the temporary directory says a live process builds in
	// it; one left by a crash has no lock, and removeAbandoned removes it.
	held, err := lockDir(tmp, false)
	if err != nil {
		_ = os.RemoveAll(tmp)
		return Repo{}, err
	}
	defer held.Close()
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := build(tmp); err != nil {
		return Repo{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have made it meanwhile.
		if ok, _ := isRepo(dir); ok {
			return repo, nil
		}
		return Repo{}, err
	}
	done = true
	syncDir(parent)
	return repo, nil
}

// syncDir flushes a directory's entries to disk, best effort, so a rename
// survives a power loss.
func syncDir(dir string) {
	f, err := os.Open(strings.TrimSuffix(dir, string(filepath.Separator)))
	if err != nil {
		return
	}
	_ = f.Sync()
	_ = f.Close()
}

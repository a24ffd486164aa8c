package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Resolve returns the full hash of the commit ref names in the repository at
// path: a branch, a tag or a hash prefix of at least 4 digits. An unknown or
// ambiguous ref is derrors.NotFound.
func (l *Local) Resolve(ctx context.Context, path, ref string) (string, error) {
	dir, err := l.readable(path, ref)
	if err != nil {
		return "", fmt.Errorf("resolve: %w", err)
	}
	hash, err := l.resolve(ctx, dir, ref)
	if err != nil {
		return "", fmt.Errorf("resolve %q in %s: %w", ref, path, err)
	}
	return hash, nil
}

// readable validates path and rev and returns the repository's directory.
func (l *Local) readable(path, rev string) (string, error) {
	if err := validateRepoPath(path); err != nil {
		return "", err
	}
	if err := validateRev(rev); err != nil {
		return "", err
	}
	return l.existingRepo(path)
}

func (l *Local) resolve(ctx context.Context, dir, rev string) (string, error) {
	hash, err := l.revParse(ctx, dir, rev+"^{commit}")
	if err != nil {
		return "", err
	}
	if hash == "" {
		return "", fmt.Errorf("commit %q: %w", rev, derrors.NotFound)
	}
	return hash, nil
}

// ListFiles lists the files under dir ("" or "." for all) at commit,
// recursively, as paths relative to the repository root, sorted. Commit may
// be any ref Resolve takes. An unknown commit, or a dir that is not a
// directory at commit, is derrors.NotFound.
func (l *Local) ListFiles(ctx context.Context, path, commit, dir string) ([]string, error) {
	gitDir, err := l.readable(path, commit)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	sub, err := cleanDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	files, err := l.listFiles(ctx, gitDir, commit, sub)
	if err != nil {
		return nil, fmt.Errorf("list files of %s at %q under %q: %w", path, commit, dir, err)
	}
	return files, nil
}

func (l *Local) listFiles(ctx context.Context, gitDir, commit, sub string) ([]string, error) {
	hash, err := l.resolve(ctx, gitDir, commit)
	if err != nil {
		return nil, err
	}
	treeish := hash + "^{tree}"
	if sub != "" {
		treeish = hash + ":" + sub
		typ, err := l.objectType(ctx, gitDir, treeish)
		if err != nil {
			return nil, err
		}
		if typ != "tree" {
			return nil, fmt.Errorf("directory %q: %w", sub, derrors.NotFound)
		}
	}
	out, err := l.run(ctx, gitDir, nil, nil, "ls-tree", "-r", "-z", treeish)
	if err != nil {
		return nil, err
	}
	files := []string{}
	for entry := range strings.SplitSeq(string(out), "\x00") {
		// "<mode> SP <type> SP <object> TAB <path>"
		meta, name, ok := strings.Cut(entry, "\t")
		if fields := strings.Fields(meta); !ok || len(fields) != 3 || fields[1] != "blob" {
			continue // submodules are not files
		}
		if sub != "" {
			name = sub + "/" + name
		}
		files = append(files, name)
	}
	slices.Sort(files)
	return files, nil
}

// ReadFilesMaxEntries bounds the tree entries ReadFiles lists, kept or
// not.
const ReadFilesMaxEntries = 100_000

// ReadFiles implements [Service.ReadFiles] with two git processes: one
// lists the tree with sizes, the other reads every selected blob.
func (l *Local) ReadFiles(ctx context.Context, path, commit, dir string, keep func(rel string) bool, maxBytes int64) ([]File, error) {
	gitDir, err := l.readable(path, commit)
	if err != nil {
		return nil, fmt.Errorf("read files: %w", err)
	}
	sub, err := cleanDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read files: %w", err)
	}
	// One git process resolves the commit and finds what sub is in it.
	hash, typ, err := l.resolveIn(ctx, gitDir, commit, sub)
	if err != nil {
		return nil, fmt.Errorf("read files of %s at %q under %q: %w", path, commit, dir, err)
	}
	treeish := hash + "^{tree}"
	if sub != "" {
		treeish = hash + ":" + sub
		if typ != "tree" {
			return nil, fmt.Errorf("read files of %s at %s: directory %q: %w", path, hash, sub, derrors.NotFound)
		}
	}
	type entry struct {
		path, object string
		size         int64
		exec         bool
	}
	var entries []entry
	var total int64
	// The listing is read as it comes, and counted whatever is kept: a
	// tree of a few kilobytes can list a billion entries (a tree of
	// trees of the same tree), which must not be held in memory.
	listed := 0
	err = l.stream(ctx, gitDir, func(r io.Reader) error {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			rec, err := br.ReadSlice(0)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return fmt.Errorf("a tree entry longer than 64 KiB: %w", derrors.TooLarge)
			}
			if err != nil {
				return err
			}
			if listed++; listed > ReadFilesMaxEntries {
				return fmt.Errorf("more than %d entries: %w", ReadFilesMaxEntries, derrors.TooLarge)
			}
			// "<mode> SP <type> SP <object> SP+ <size> TAB <path>"
			meta, name, ok := strings.Cut(string(rec[:len(rec)-1]), "\t")
			f := strings.Fields(meta)
			if !ok || len(f) != 4 || f[1] != "blob" || (f[0] != "100644" && f[0] != "100755") {
				continue // links, submodules
			}
			if keep != nil && !keep(name) {
				continue
			}
			size, err := strconv.ParseInt(f[3], 10, 64)
			if err != nil {
				return fmt.Errorf("ls-tree size %q: %w", f[3], err)
			}
			if total += size; total > maxBytes {
				return fmt.Errorf("more than %d bytes: %w", maxBytes, derrors.TooLarge)
			}
			entries = append(entries, entry{path: name, object: f[2], size: size, exec: f[0] == "100755"})
		}
	}, "ls-tree", "-r", "-l", "-z", treeish)
	if err != nil {
		return nil, fmt.Errorf("read files of %s at %s: %w", path, hash, err)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	files := make([]File, 0, len(entries))
	if len(entries) == 0 {
		return files, nil
	}
	var objects strings.Builder
	for _, e := range entries {
		objects.WriteString(e.object + "\n")
	}
	body, err := l.run(ctx, gitDir, nil, strings.NewReader(objects.String()), "cat-file", "--batch")
	if err != nil {
		return nil, fmt.Errorf("read files of %s at %s: %w", path, hash, err)
	}
	for _, e := range entries {
		nl := bytes.IndexByte(body, '\n')
		if nl < 0 {
			return nil, fmt.Errorf("read files of %s: git cat-file: short output", path)
		}
		typ, size, err := parseBatchHeader(e.object, body[:nl+1])
		if err != nil || typ != "blob" || int64(size) != e.size || len(body) < nl+1+size+1 {
			return nil, fmt.Errorf("read files of %s: git cat-file: unexpected output for %s", path, e.path)
		}
		files = append(files, File{Path: e.path, Data: body[nl+1 : nl+1+size : nl+1+size], Executable: e.exec})
		body = body[nl+1+size+1:] // the content is followed by a newline
	}
	return files, nil
}

// ReadFile returns the content of file at commit in the repository at path.
// Commit may be any ref Resolve takes. An unknown commit, or a file that is
// not a file at commit, is derrors.NotFound.
func (l *Local) ReadFile(ctx context.Context, path, commit, file string) ([]byte, error) {
	gitDir, err := l.readable(path, commit)
	if err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	if err := validateFilePath(file); err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	// One git process: the commit is resolved within the object name, so
	// a rev that names no commit, like a path missing at it, is missing.
	typ, content, err := l.catFile(ctx, gitDir, commit+"^{commit}:"+file)
	if err != nil {
		return nil, fmt.Errorf("read file %s of %s at %q: %w", file, path, commit, err)
	}
	if typ != "blob" {
		return nil, fmt.Errorf("read file %s of %s at %q: %w", file, path, commit, derrors.NotFound)
	}
	return content, nil
}

// resolveIn resolves rev to a commit and, when sub is not "", finds the
// type of the object at sub in it, with one git process: each git process
// costs several milliseconds of CPU, and a test run reads several times.
// An unknown rev is derrors.NotFound; a missing sub has type "".
func (l *Local) resolveIn(ctx context.Context, gitDir, rev, sub string) (hash, typ string, err error) {
	names := rev + "^{commit}\n"
	if sub != "" {
		names += rev + "^{commit}:" + sub + "\n"
	}
	out, err := l.run(ctx, gitDir, nil, strings.NewReader(names), "cat-file", "--batch-check")
	if err != nil {
		return "", "", err
	}
	first, rest, _ := bytes.Cut(out, []byte("\n"))
	typ, _, err = parseBatchHeader(rev, first)
	if err != nil {
		return "", "", fmt.Errorf("commit %q: %w", rev, err)
	}
	if typ != "commit" {
		return "", "", fmt.Errorf("commit %q: %w", rev, derrors.NotFound)
	}
	hash = string(first[:bytes.IndexByte(first, ' ')])
	if sub == "" {
		return hash, "", nil
	}
	typ, _, err = parseBatchHeader(sub, rest)
	if errors.Is(err, derrors.NotFound) {
		return hash, "", nil
	}
	return hash, typ, err
}

// objectType returns the type of the object name denotes, derrors.NotFound when
// it denotes nothing.
func (l *Local) objectType(ctx context.Context, gitDir, name string) (string, error) {
	out, err := l.run(ctx, gitDir, nil, strings.NewReader(name+"\n"), "cat-file", "--batch-check")
	if err != nil {
		return "", err
	}
	typ, _, err := parseBatchHeader(name, out)
	return typ, err
}

// catFile returns the type and content of the object name denotes, read
// with one git process; derrors.NotFound when it denotes nothing.
func (l *Local) catFile(ctx context.Context, gitDir, name string) (string, []byte, error) {
	out, err := l.run(ctx, gitDir, nil, strings.NewReader(name+"\n"), "cat-file", "--batch")
	if err != nil {
		return "", nil, err
	}
	typ, size, err := parseBatchHeader(name, out)
	if err != nil {
		return "", nil, err
	}
	body := out[bytes.IndexByte(out, '\n')+1:]
	if len(body) < size {
		return "", nil, fmt.Errorf("git cat-file: short object %s: %d of %d bytes", name, len(body), size)
	}
	return typ, body[:size], nil
}

// parseBatchHeader parses the first line cat-file --batch(-check) writes:
// "<object> <type> <size>" or "<name> missing".
func parseBatchHeader(name string, out []byte) (string, int, error) {
	line, err := bufio.NewReader(bytes.NewReader(out)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", 0, err
	}
	fields := strings.Fields(line)
	if len(fields) == 3 {
		size, err := strconv.Atoi(fields[2])
		if err == nil {
			return fields[1], size, nil
		}
	}
	if strings.HasSuffix(strings.TrimSpace(line), " missing") || strings.HasSuffix(strings.TrimSpace(line), " ambiguous") {
		return "", 0, fmt.Errorf("object %q: %w", name, derrors.NotFound)
	}
	return "", 0, fmt.Errorf("git cat-file: unexpected output %q", line)
}

// HasCommit reports whether commit, a hash or hash prefix, names a commit of
// the repository at path that is reachable from a branch. A commit left
// dangling by a failed update is not.
func (l *Local) HasCommit(ctx context.Context, path, commit string) (bool, error) {
	if err := validateRepoPath(path); err != nil {
		return false, fmt.Errorf("has commit: %w", err)
	}
	if !isHash(commit, 4, 64) {
		return false, fmt.Errorf("has commit: %w: %q is not a commit hash", derrors.Invalid, commit)
	}
	gitDir, err := l.existingRepo(path)
	if err != nil {
		return false, fmt.Errorf("has commit: %w", err)
	}
	hash, err := l.revParse(ctx, gitDir, strings.ToLower(commit)+"^{commit}")
	if err != nil {
		return false, fmt.Errorf("has commit %s in %s: %w", commit, path, err)
	}
	if hash == "" {
		return false, nil
	}
	out, err := l.run(ctx, gitDir, nil, nil, "for-each-ref", "--count=1", "--format=%(refname)", "--contains", hash, "refs/heads/")
	if err != nil {
		return false, fmt.Errorf("has commit %s in %s: %w", commit, path, err)
	}
	return len(bytes.TrimSpace(out)) > 0, nil
}

package git

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// mainRef is the only branch the Service writes.
const mainRef = "refs/heads/main"

// Commit applies c on top of main in the repository at path. Main must be
// at c.Parent, or derrors.Conflict; nothing is rebased. When the resulting tree
// equals the parent's no commit is made and (c.Parent, false, nil) is
// returned. A call repeated after it succeeded (main's head has c.Parent as
// its only parent, the same tree and the same message) returns that head
// instead of derrors.Conflict, so a retried task does not fail.
func (l *Local) Commit(ctx context.Context, path string, c CommitParams) (string, bool, error) {
	if err := validateRepoPath(path); err != nil {
		return "", false, fmt.Errorf("commit: %w", err)
	}
	if err := validateCommitParams(&c); err != nil {
		return "", false, fmt.Errorf("commit to %s: %w", path, err)
	}
	dir, err := l.existingRepo(path)
	if err != nil {
		return "", false, fmt.Errorf("commit: %w", err)
	}
	unlock, err := l.lock(ctx, path)
	if err != nil {
		return "", false, fmt.Errorf("commit: %w", err)
	}
	defer unlock()
	commit, changed, err := l.commit(ctx, dir, c)
	if err != nil {
		return "", false, fmt.Errorf("commit to %s: %w", path, err)
	}
	return commit, changed, nil
}

// validateCommitParams checks c and fills in its defaults.
func validateCommitParams(c *CommitParams) error {
	c.Parent = strings.ToLower(c.Parent)
	if c.Parent != "" && !isFullHash(c.Parent) {
		return fmt.Errorf("%w: parent %q is not a full commit hash", derrors.Invalid, c.Parent)
	}
	if strings.TrimSpace(c.Message) == "" {
		return fmt.Errorf("%w: empty commit message", derrors.Invalid)
	}
	if strings.IndexByte(c.Message, 0) >= 0 {
		return fmt.Errorf("%w: commit message has a NUL byte", derrors.Invalid)
	}
	if c.AuthorName == "" {
		c.AuthorName = CommitterName
	}
	if c.AuthorEmail == "" {
		c.AuthorEmail = CommitterEmail
	}
	for field, v := range map[string]string{"author name": c.AuthorName, "author email": c.AuthorEmail} {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "<>\n\r\x00") {
			return fmt.Errorf("%w: %s %q", derrors.Invalid, field, v)
		}
	}
	for p := range c.Write {
		if err := validateFilePath(p); err != nil {
			return err
		}
		// A file and a directory of the same name cannot both be written.
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			if _, ok := c.Write[p[:i]]; ok {
				return fmt.Errorf("%w: %q is written both as a file and as a directory", derrors.Invalid, p[:i])
			}
		}
	}
	for _, p := range c.Delete {
		if err := validateFilePath(p); err != nil {
			return err
		}
		if _, ok := c.Write[p]; ok {
			return fmt.Errorf("%w: %q is both written and deleted", derrors.Invalid, p)
		}
	}
	return nil
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// commit makes the commit of c in the repository in dir, whose writer lock
// the caller holds (or which nobody else can see yet). The first commit of
// a repository is made even when its tree is empty.
func (l *Local) commit(ctx context.Context, dir string, c CommitParams) (string, bool, error) {
	head, err := l.revParse(ctx, dir, mainRef)
	if err != nil {
		return "", false, err
	}
	initial := c.Parent == "" && head == ""
	tree, err := l.buildTree(ctx, dir, c)
	if err != nil {
		return "", false, err
	}
	if head != c.Parent {
		if head != "" && l.isRetryOf(ctx, dir, head, c, tree) {
			return head, true, nil
		}
		return "", false, fmt.Errorf("%w: main is at %s, not at parent %q", derrors.Conflict, orNone(head), c.Parent)
	}

	if !initial {
		parentTree, err := l.revParse(ctx, dir, c.Parent+"^{tree}")
		if err != nil {
			return "", false, err
		}
		if parentTree == tree {
			return c.Parent, false, nil
		}
	}

	env := []string{
		"GIT_AUTHOR_NAME=" + c.AuthorName,
		"GIT_AUTHOR_EMAIL=" + c.AuthorEmail,
		"GIT_COMMITTER_NAME=" + CommitterName,
		"GIT_COMMITTER_EMAIL=" + CommitterEmail,
	}
	args := []string{"commit-tree", tree}
	if c.Parent != "" {
		args = append(args, "-p", c.Parent)
	}
	out, err := l.run(ctx, dir, env, strings.NewReader(normalizeMessage(c.Message)), args...)
	if err != nil {
		return "", false, err
	}
	commit := strings.TrimSpace(string(out))

	removeStaleLock(filepath.Join(dir, filepath.FromSlash(mainRef)+".lock"))
	// Compare and swap: an empty old value means main must not exist yet.
	if _, err := l.run(ctx, dir, env, nil, "update-ref", "-m", "computor: commit", mainRef, commit, c.Parent); err != nil {
		now, rerr := l.revParse(ctx, dir, mainRef)
		if rerr == nil && now != c.Parent {
			return "", false, fmt.Errorf("%w: main moved to %s while committing: %w", derrors.Conflict, orNone(now), err)
		}
		return "", false, err
	}
	return commit, true, nil
}

func orNone(hash string) string {
	if hash == "" {
		return "(no commit)"
	}
	return hash
}

// normalizeMessage is the message as git stores it: ending in a newline.
func normalizeMessage(m string) string {
	if strings.HasSuffix(m, "\n") {
		return m
	}
	return m + "\n"
}

// removeStaleLock removes a ref lock file that a crashed git left behind.
// Git holds such a lock for milliseconds, so an old one is stale.
func removeStaleLock(lock string) {
	info, err := os.Stat(lock)
	if err == nil && time.Since(info.ModTime()) > staleTempAge {
		_ = os.Remove(lock)
	}
}

// buildTree writes the tree of c.Parent with c's changes applied and returns
// its hash. An unknown parent is derrors.Conflict: it cannot be main's head.
func (l *Local) buildTree(ctx context.Context, dir string, c CommitParams) (string, error) {
	scratch, cleanup, err := l.scratch()
	if err != nil {
		return "", err
	}
	defer cleanup()
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(scratch, "index")}

	if c.Parent != "" {
		parent, err := l.revParse(ctx, dir, c.Parent+"^{commit}")
		if err != nil {
			return "", err
		}
		if parent == "" {
			return "", fmt.Errorf("%w: parent %s is not a commit of the repository", derrors.Conflict, c.Parent)
		}
		if _, err := l.run(ctx, dir, env, nil, "read-tree", parent); err != nil {
			return "", err
		}
	}

	var info bytes.Buffer // update-index -z --index-info input
	if len(c.Delete) > 0 && c.Parent != "" {
		out, err := l.run(ctx, dir, env, nil, "ls-files", "-z", "--cached")
		if err != nil {
			return "", err
		}
		zero := strings.Repeat("0", len(c.Parent))
		for f := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			if f == "" {
				continue
			}
			if slices.ContainsFunc(c.Delete, func(d string) bool { return f == d || strings.HasPrefix(f, d+"/") }) {
				fmt.Fprintf(&info, "0 %s\t%s\x00", zero, f)
			}
		}
	}

	if len(c.Write) > 0 {
		paths := make([]string, 0, len(c.Write))
		for p := range c.Write {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		blobs, err := l.hashObjects(ctx, dir, scratch, paths, c.Write)
		if err != nil {
			return "", err
		}
		for i, p := range paths {
			fmt.Fprintf(&info, "100644 %s\t%s\x00", blobs[i], p)
		}
	}

	if info.Len() > 0 {
		if _, err := l.run(ctx, dir, env, &info, "update-index", "-z", "--add", "--replace", "--index-info"); err != nil {
			return "", err
		}
	}
	out, err := l.run(ctx, dir, env, nil, "write-tree")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// hashObjects stores the contents of files[paths[i]] as blobs and returns
// their hashes, in order, with one git process.
func (l *Local) hashObjects(ctx context.Context, dir, scratch string, paths []string, files map[string][]byte) ([]string, error) {
	var list bytes.Buffer
	for i, p := range paths {
		name := filepath.Join(scratch, "blob-"+strconv.Itoa(i))
		if err := os.WriteFile(name, files[p], 0o600); err != nil {
			return nil, fmt.Errorf("write blob %s: %w", p, err)
		}
		list.WriteString(name + "\n")
	}
	out, err := l.run(ctx, dir, nil, &list, "hash-object", "-w", "--no-filters", "--stdin-paths")
	if err != nil {
		return nil, err
	}
	blobs := strings.Fields(string(out))
	if len(blobs) != len(paths) {
		return nil, fmt.Errorf("git hash-object returned %d hashes for %d files", len(blobs), len(paths))
	}
	return blobs, nil
}

// isRetryOf reports whether head is the commit an earlier run of the same
// Commit made: parent c.Parent alone, the given tree and c's message. The
// author is not compared, as git trims some characters off names.
func (l *Local) isRetryOf(ctx context.Context, dir, head string, c CommitParams, tree string) bool {
	out, err := l.run(ctx, dir, nil, nil, "cat-file", "commit", head)
	if err != nil {
		return false
	}
	hdr, msg, ok := strings.Cut(string(out), "\n\n")
	if !ok || msg != normalizeMessage(c.Message) {
		return false
	}
	var parents []string
	var gotTree string
	for line := range strings.SplitSeq(hdr, "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "tree":
			gotTree = v
		case "parent":
			parents = append(parents, v)
		}
	}
	wantParents := []string{}
	if c.Parent != "" {
		wantParents = []string{c.Parent}
	}
	return gotTree == tree && slices.Equal(parents, wantParents)
}

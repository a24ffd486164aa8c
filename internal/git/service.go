package git

import (
	"context"
)

// The Service's errors wrap, with context, derrors.NotFound (the
// repository, commit, ref or file does not exist), derrors.Conflict
// (branch main is no longer at the commit the caller based a change on),
// derrors.Invalid (a path, ref, hash or parameter is malformed) or
// derrors.TooLarge (more files than the caller allows).

// Service is what tasks need from a repository host.
type Service interface {
	// EnsureGroup makes a group namespace such as "tugraz" or
	// "tugraz/progphys/2026" (idempotent).
	EnsureGroup(ctx context.Context, group string) error
	// EnsureRepo makes a bare repository at path (e.g.
	// "tugraz/progphys/2026/assignments") whose branch main holds one
	// initial commit with the given files and message; an existing
	// repository is left as it is.
	EnsureRepo(ctx context.Context, path string, initial map[string][]byte, message string) (Repo, error)
	// ForkRepo makes dst a copy of src with all of src's history on main;
	// an existing dst is left as it is. It returns dst.
	ForkRepo(ctx context.Context, src, dst string) (Repo, error)
	// Exists reports whether a repository exists.
	Exists(ctx context.Context, path string) (bool, error)
	// Resolve returns the full commit hash of a ref ("main", a tag, a hash
	// prefix); derrors.NotFound when unknown.
	Resolve(ctx context.Context, path, ref string) (string, error)
	// ListFiles lists the files under dir ("" for all) at commit,
	// recursively, as paths relative to the repository root, sorted;
	// derrors.NotFound when commit or dir is absent.
	ListFiles(ctx context.Context, path, commit, dir string) ([]string, error)
	// ReadFile returns a file at commit; derrors.NotFound when absent.
	ReadFile(ctx context.Context, path, commit, file string) ([]byte, error)
	// ReadFiles returns the regular files under dir ("" for all) at
	// commit that keep selects (by their path relative to dir), with
	// their content, sorted by path. Symbolic links and submodules are
	// never returned. derrors.NotFound when commit or dir is absent;
	// derrors.TooLarge when the selected files hold more than maxBytes, or the
	// tree lists more entries than a reader should ever hold.
	ReadFiles(ctx context.Context, path, commit, dir string, keep func(rel string) bool, maxBytes int64) ([]File, error)
	// Commit applies changes on top of branch main, which must be at
	// c.Parent (no rebase: derrors.Conflict otherwise). When the resulting tree
	// equals the parent's it makes no commit and returns (c.Parent, false,
	// nil); otherwise it returns (commit, true, nil). Repeated after it
	// succeeded, with the same parameters, it returns the same commit.
	Commit(ctx context.Context, path string, c CommitParams) (commit string, changed bool, err error)
	// HasCommit reports whether commit exists in the repository and is
	// reachable from a branch.
	HasCommit(ctx context.Context, path, commit string) (bool, error)
}

// CommitParams describes one change to branch main.
type CommitParams struct {
	// Parent is the expected head of main as a full commit hash; "" only
	// for a repository whose main has no commits yet.
	Parent string
	// Write holds files to create or overwrite, by repository-relative
	// path. A file written where a directory was replaces the directory.
	Write map[string][]byte
	// Delete lists files to remove; a directory is removed with everything
	// under it, and missing paths are ignored. A path may not be both
	// written and deleted.
	Delete []string
	// Message is the commit message (required).
	Message string
	// AuthorName and AuthorEmail name the author; both default to the
	// committer, [CommitterName] and [CommitterEmail].
	AuthorName, AuthorEmail string
}

// File is a regular file read from a commit.
type File struct {
	// Path is relative to the directory that was read.
	Path string
	Data []byte
	// Executable is set for mode 100755.
	Executable bool
}

// Repo is a repository the Service made or found.
type Repo struct {
	// Path is the repository path, e.g. "tugraz/progphys/2026/assignments".
	Path string
	// Dir is the absolute directory of the bare repository; empty for
	// hosts without local storage.
	Dir string
}

// The committer of every commit the Service makes.
const (
	CommitterName  = "Computor"
	CommitterEmail = "computor@localhost"
)

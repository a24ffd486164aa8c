package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// branchHead returns the commit branch points to in the bare repository
// gitDir, "" when the branch does not exist. It reads the loose ref or
// packed-refs itself, which costs no git process, and asks git when the
// repository keeps its refs any other way (a symbolic ref, reftable).
func (l *Local) branchHead(ctx context.Context, gitDir, branch string) (string, error) {
	ref := "refs/heads/" + branch
	if head, ok := readFilesRef(gitDir, ref); ok {
		return head, nil
	}
	return l.revParse(ctx, gitDir, ref+"^{commit}")
}

// readFilesRef reads ref from the files backend of gitDir; ok is false
// when the answer must come from git: the ref is not a plain hash in
// either place, or the repository is not a plain files-backend one.
func readFilesRef(gitDir, ref string) (hash string, ok bool) {
	if _, err := os.Stat(filepath.Join(gitDir, "reftable")); !errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref)))
	switch {
	case err == nil:
		h := strings.TrimSuffix(string(b), "\n")
		return h, isFullHash(h) && len(h) == 40
	case !errors.Is(err, fs.ErrNotExist):
		return "", false
	}
	packed, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
	if err != nil {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(packed))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		h, name, found := strings.Cut(sc.Text(), " ")
		if found && name == ref {
			return h, isFullHash(h) && len(h) == 40
		}
	}
	return "", false
}

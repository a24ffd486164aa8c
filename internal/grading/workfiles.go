package grading

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
)

// writeFiles writes files into the empty directory dir, leaving out those
// skip selects (nil: none). Directories are made as needed.
func writeFiles(dir string, files []File, skip func(rel string) bool) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range files {
		if skip != nil && skip(f.Path) {
			continue
		}
		mode := fs.FileMode(0o644)
		if f.Executable {
			mode = 0o755
		}
		if err := writeOne(root, f.Path, mode, f.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeOne writes a new file in root, making its directories.
func writeOne(root *os.Root, rel string, mode fs.FileMode, data []byte) error {
	name := filepath.FromSlash(rel)
	if d := path.Dir(rel); d != "." {
		if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", rel, pathErrorCause(err))
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, pathErrorCause(err))
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, pathErrorCause(err))
	}
	return nil
}

// copyTree copies the regular files and directories of src into the empty
// directory dst, leaving out what skip selects. Anything else a build may
// have left (symbolic links, FIFOs, sockets) is not copied: a test gets
// files, never a link that the grader or a later step might follow. src
// must not change meanwhile (a frozen build directory whose run is over).
func copyTree(src, dst string, skip func(rel string) bool) error {
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		slash := filepath.ToSlash(rel)
		if skip(slash) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			if err := root.Mkdir(rel, 0o755); err != nil {
				return fmt.Errorf("copy %s: %w", slash, pathErrorCause(err))
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		in, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != nil {
			return fmt.Errorf("copy %s: %w", slash, pathErrorCause(err))
		}
		defer in.Close()
		fi, err := in.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		out, err := root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm()&0o755)
		if err != nil {
			return fmt.Errorf("copy %s: %w", slash, pathErrorCause(err))
		}
		_, err = io.Copy(out, in)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", slash, pathErrorCause(err))
		}
		return nil
	})
}

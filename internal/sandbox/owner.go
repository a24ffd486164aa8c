package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// workDir checks Spec.Dir and returns its real path: absolute, at least
// two levels below /, an existing directory, and reachable by a uid that
// is neither owner nor group of its parents.
func workDir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%w: Spec.Dir is empty", ErrInvalid)
	}
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%w: Spec.Dir %q is not absolute", ErrInvalid, dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("%w: Spec.Dir: %w", ErrInvalid, err)
	}
	// The tree is chowned recursively: refuse / and its direct children
	// (/usr, /etc, /home, ...) outright.
	if strings.Count(real, "/") < 2 {
		return "", fmt.Errorf("%w: Spec.Dir %q must be at least two levels below /", ErrInvalid, real)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%w: Spec.Dir: %w", ErrInvalid, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%w: Spec.Dir %q is not a directory", ErrInvalid, real)
	}
	for p := filepath.Dir(real); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%w: Spec.Dir parent: %w", ErrInvalid, err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return "", fmt.Errorf("%w: Spec.Dir parent %s has mode %04o, which the sandbox uid cannot search; give it o+x (0711)",
				ErrInvalid, p, fi.Mode().Perm())
		}
		if p == "/" {
			break
		}
	}
	return real, nil
}

// chownTree changes the owner of dir and everything below it, without
// following symbolic links. With clearSetid it also removes setuid and
// setgid bits from regular files, which untrusted code may have set.
func chownTree(dir string, uid, gid int, clearSetid bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, uid, gid); err != nil {
			return err
		}
		if !clearSetid || !d.Type().IsRegular() {
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(path, &st); err != nil {
			return err
		}
		if st.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 {
			return syscall.Chmod(path, st.Mode&0o1777)
		}
		return nil
	})
}

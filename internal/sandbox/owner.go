package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// checkReachable checks a host path given in a Spec (what names it) and
// returns its real path: absolute, at least two levels below /, existing
// (a directory when dir is set, else a directory or regular file), and
// reachable by the sandbox users, who are neither owner nor group of its
// parents but for the group of the Bubblewrap's own work directory.
func (b *Bubblewrap) checkReachable(what, p string, dir bool) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrInvalid, what)
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%w: %s %q is not absolute", ErrInvalid, what, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
	}
	// A work dir is chowned recursively: refuse / and its direct
	// children (/usr, /etc, /home, ...) outright.
	if strings.Count(real, "/") < 2 {
		return "", fmt.Errorf("%w: %s %q must be at least two levels below /", ErrInvalid, what, real)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
	}
	switch {
	case dir && !fi.IsDir():
		return "", fmt.Errorf("%w: %s %q is not a directory", ErrInvalid, what, real)
	case !dir && !fi.IsDir() && !fi.Mode().IsRegular():
		return "", fmt.Errorf("%w: %s %q is neither a regular file nor a directory", ErrInvalid, what, real)
	}
	for q := filepath.Dir(real); ; q = filepath.Dir(q) {
		fi, err := os.Stat(q)
		if err != nil {
			return "", fmt.Errorf("%w: %s parent: %w", ErrInvalid, what, err)
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		byGroup := st != nil && int(st.Gid) == b.gid && fi.Mode().Perm()&0o010 != 0
		if fi.Mode().Perm()&0o001 == 0 && !byGroup {
			return "", fmt.Errorf("%w: %s parent %s has mode %04o, which the sandbox users cannot search; give it o+x (0711)",
				ErrInvalid, what, q, fi.Mode().Perm())
		}
		if q == "/" {
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

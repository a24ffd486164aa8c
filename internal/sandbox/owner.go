package sandbox

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/computor-org/computor-go/internal/derrors"
	"golang.org/x/sys/unix"
)

// checkReachable checks a host path given in a Spec (what names it) and
// returns its real path: absolute, at least two levels below /, existing
// (a directory when dir is set, else a directory or regular file), and
// reachable by the sandbox users, who are neither owner nor group of its
// parents but for the group of the Bubblewrap's own work directory.
func (b *Bubblewrap) checkReachable(what, p string, dir bool) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: %s is empty", derrors.Invalid, what)
	}
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%w: %s %q is not absolute", derrors.Invalid, what, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", derrors.Invalid, what, err)
	}
	// A work dir is chowned recursively: refuse / and its direct
	// children (/usr, /etc, /home, ...) outright.
	if strings.Count(real, "/") < 2 {
		return "", fmt.Errorf("%w: %s %q must be at least two levels below /", derrors.Invalid, what, real)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", derrors.Invalid, what, err)
	}
	switch {
	case dir && !fi.IsDir():
		return "", fmt.Errorf("%w: %s %q is not a directory", derrors.Invalid, what, real)
	case !dir && !fi.IsDir() && !fi.Mode().IsRegular():
		return "", fmt.Errorf("%w: %s %q is neither a regular file nor a directory", derrors.Invalid, what, real)
	}
	for q := filepath.Dir(real); ; q = filepath.Dir(q) {
		fi, err := os.Stat(q)
		if err != nil {
			return "", fmt.Errorf("%w: %s parent: %w", derrors.Invalid, what, err)
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		byGroup := st != nil && int(st.Gid) == b.gid && fi.Mode().Perm()&0o010 != 0
		if fi.Mode().Perm()&0o001 == 0 && !byGroup {
			return "", fmt.Errorf("%w: %s parent %s has mode %04o, which the sandbox users cannot search; give it o+x (0711)",
				derrors.Invalid, what, q, fi.Mode().Perm())
		}
		if q == "/" {
			break
		}
	}
	return real, nil
}

// chownTreeMaxDepth bounds how deep chownTree descends; deeper
// directories keep their owner.
const chownTreeMaxDepth = 128

// chownTree changes the owner of dir and everything below it. It works on
// open directory handles, never on paths: no symbolic link is followed,
// whatever a run left (or could still swap in), and no path grows too long
// to use. With clearSetid it also removes setuid and setgid bits from
// regular files, which untrusted code may have set.
func chownTree(dir string, uid, gid int, clearSetid bool) error {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(fd)
	if err := syscall.Fchown(fd, uid, gid); err != nil {
		return &fs.PathError{Op: "chown", Path: dir, Err: err}
	}
	return chownAt(fd, uid, gid, clearSetid, 0)
}

// chownAt changes the owner of everything in the open directory dirfd.
func chownAt(dirfd, uid, gid int, clearSetid bool, depth int) error {
	dup, err := syscall.Dup(dirfd)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(dup), "dir")
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	for _, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if err := fchownat(dirfd, name, uid, gid); err != nil {
			return err
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if depth >= chownTreeMaxDepth {
				continue
			}
			sub, err := syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			err = chownAt(sub, uid, gid, clearSetid, depth+1)
			syscall.Close(sub)
			if err != nil {
				return err
			}
		case unix.S_IFREG:
			if !clearSetid || st.Mode&(unix.S_ISUID|unix.S_ISGID) == 0 {
				continue
			}
			f, err := syscall.Openat(dirfd, name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
			if err != nil {
				return err
			}
			var fst syscall.Stat_t
			if err = syscall.Fstat(f, &fst); err == nil && fst.Mode&syscall.S_IFMT == syscall.S_IFREG {
				err = syscall.Fchmod(f, fst.Mode&0o1777)
			}
			syscall.Close(f)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// fchownat changes the owner of name in dirfd itself, never of what a
// symbolic link names.
func fchownat(dirfd int, name string, uid, gid int) error {
	return unix.Fchownat(dirfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
}

package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// DiskBytesDefault is the size of a [WorkDir] made with size 0.
const DiskBytesDefault = 64 << 20

// workPrefix names a Bubblewrap's own directory in the work root:
// computor-work-<random>, holding a lock file its process keeps locked.
const workPrefix = "computor-work-"

// lockName is the lock file in a Bubblewrap's work directory.
const lockName = ".lock"

// A WorkDir is a directory for [Spec.Dir] that a [Runner] made: empty,
// reachable only by the caller and the runner's sandbox users, and, when
// the runner can bound it, a tmpfs of its own whose size bounds what runs
// may write there. Close it when done.
type WorkDir struct {
	// Path is the directory on the host.
	Path string
	// Size is how much may be written below Path; 0 when nothing bounds
	// it (see [Isolation.DiskLimit]).
	Size int64

	owner   *Bubblewrap
	mounted bool
}

// Freeze makes the directory read-only: a build's outputs cannot change
// once the build is done.
func (w *WorkDir) Freeze() error {
	if w.mounted {
		// EBUSY means a file there is open for writing: ours, just
		// closed, may still be open in a child that another goroutine
		// forked and that has not yet reached exec (which closes it). That
		// lasts microseconds to milliseconds; wait it out.
		var err error
		for pause := 100 * time.Microsecond; pause < time.Second; pause *= 2 {
			err = syscall.Mount("", w.Path, "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, "")
			if !errors.Is(err, syscall.EBUSY) {
				break
			}
			time.Sleep(pause)
		}
		if err != nil {
			return fmt.Errorf("freeze work dir: %w", err)
		}
		return nil
	}
	return filepath.WalkDir(w.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode().Perm()&^0o222)
	})
}

// Close unmounts the directory and removes it with everything in it.
func (w *WorkDir) Close() error {
	if w.owner != nil {
		w.owner.forgetWorkDir(w.Path)
	}
	var err error
	if w.mounted {
		err = syscall.Unmount(w.Path, syscall.MNT_DETACH)
	}
	return errors.Join(err, os.RemoveAll(w.Path))
}

// NewWorkDir makes a work directory below the Bubblewrap's own directory
// in the work root, bounded to size bytes (default [DiskBytesDefault])
// when [Isolation.DiskLimit] holds: a tmpfs mounted there, nosuid and
// nodev, whose pages count against the memory of the run that writes
// them.
func (b *Bubblewrap) NewWorkDir(size int64) (*WorkDir, error) {
	if size < 0 {
		return nil, fmt.Errorf("new work dir: %w: size %d is negative", derrors.Invalid, size)
	}
	if size == 0 {
		size = DiskBytesDefault
	}
	dir, err := os.MkdirTemp(b.workDir, "run-")
	if err != nil {
		return nil, fmt.Errorf("new work dir: %w: %w", derrors.Unavailable, err)
	}
	w := &WorkDir{Path: dir, owner: b}
	if b.isolation.DiskLimit {
		opts := fmt.Sprintf("size=%d,nr_inodes=%d,mode=0755", size, inodesFor(size))
		if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
			_ = os.Remove(dir)
			return nil, fmt.Errorf("new work dir: %w: mount tmpfs: %w", derrors.Unavailable, err)
		}
		w.mounted, w.Size = true, size
	} else if err := os.Chmod(dir, 0o755); err != nil {
		_ = os.Remove(dir)
		return nil, fmt.Errorf("new work dir: %w: %w", derrors.Unavailable, err)
	}
	b.mu.Lock()
	b.workDirs[dir] = w.Size
	b.mu.Unlock()
	return w, nil
}

// inodesFor bounds the files of a work dir: one per KiB of its size, at
// least 1024, so that a run cannot exhaust the kernel's memory with empty
// files.
func inodesFor(size int64) int64 { return max(size>>10, 1024) }

func (b *Bubblewrap) forgetWorkDir(path string) {
	b.mu.Lock()
	delete(b.workDirs, path)
	b.mu.Unlock()
}

// diskLimitOf returns the size of a bounded work dir of b, 0 for any
// other directory.
func (b *Bubblewrap) diskLimitOf(dir string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.workDirs[dir]
}

// openWorkRoot makes this Bubblewrap's own directory in root: a fresh
// directory with an unpredictable name, owned by this process, mode 0710
// and group gid (the sandbox users' shared group), so that only this
// process and the sandbox users can enter it and no one but this process
// can list or change it. It holds a lock file, locked for as long as the
// directory is in use, and first removes the directories of processes
// that died without removing their own.
//
// root must be a real directory (not a symbolic link) owned by this
// process and writable by no one else, or the system's temporary
// directory (sticky, so no one else can rename or remove what this
// process makes there). Anything else is refused with an error that
// names the path.
func openWorkRoot(root string, gid int) (dir string, lock *os.File, err error) {
	if _, err := os.Lstat(root); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(root, 0o711); err != nil {
			return "", nil, fmt.Errorf("%w: work root: %w", derrors.Invalid, err)
		}
	}
	if err := checkRoot(root); err != nil {
		return "", nil, err
	}
	removeStaleWorkDirs(root)
	dir, err = os.MkdirTemp(root, workPrefix)
	if err != nil {
		return "", nil, fmt.Errorf("%w: work dir: %w", derrors.Unavailable, err)
	}
	fail := func(err error) (string, *os.File, error) {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("%w: work dir %s: %w", derrors.Unavailable, dir, err)
	}
	if err := os.Chown(dir, os.Geteuid(), gid); err != nil {
		return fail(err)
	}
	if err := os.Chmod(dir, 0o710); err != nil {
		return fail(err)
	}
	// The lock file gets its name only once it is locked: another process
	// cleaning up stale directories must never find it unlocked.
	fresh := filepath.Join(dir, lockName+".new")
	lock, err = os.OpenFile(fresh, os.O_CREATE|os.O_RDWR|os.O_EXCL, 0o600)
	if err != nil {
		return fail(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return fail(err)
	}
	if err := os.Rename(fresh, filepath.Join(dir, lockName)); err != nil {
		lock.Close()
		return fail(err)
	}
	return dir, lock, nil
}

// checkRoot refuses a work root that another user could have prepared or
// could still change: a symbolic link, not a directory, owned by someone
// else, or writable by others without the sticky bit; and each of its
// parents must be owned by root or this process and writable by no one
// else (a sticky directory owned by root, such as /tmp, is fine), so that
// no one can swap the work root for another directory later.
func checkRoot(root string) error {
	if !filepath.IsAbs(root) {
		return fmt.Errorf("%w: work root %q is not an absolute path", derrors.Invalid, root)
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return fmt.Errorf("%w: work root: %w", derrors.Invalid, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%w: work root %s is a symbolic link; give the real directory", derrors.Invalid, root)
	case !fi.IsDir():
		return fmt.Errorf("%w: work root %s is not a directory", derrors.Invalid, root)
	case !ok:
		return fmt.Errorf("%w: work root %s: no owner information", derrors.Invalid, root)
	case fi.Mode()&fs.ModeSticky != 0 && st.Uid == 0:
		// /tmp: others write here, but cannot touch what is ours
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%w: work root %s is owned by uid %d, not by this process (uid %d)", derrors.Invalid, root, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: work root %s is writable by others (mode %04o)", derrors.Invalid, root, fi.Mode().Perm())
	}
	if fi.Mode().Perm()&0o001 == 0 {
		return fmt.Errorf("%w: work root %s has mode %04o, which the sandbox users cannot search; give it o+x (0711)", derrors.Invalid, root, fi.Mode().Perm())
	}
	for p := filepath.Dir(root); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: work root parent: %w", derrors.Invalid, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		switch {
		case !ok:
			return fmt.Errorf("%w: work root parent %s: no owner information", derrors.Invalid, p)
		case st.Uid != 0 && int(st.Uid) != os.Geteuid():
			return fmt.Errorf("%w: work root parent %s is owned by uid %d, who could replace the work root", derrors.Invalid, p, st.Uid)
		case fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
			return fmt.Errorf("%w: work root parent %s is writable by others (mode %04o), who could replace the work root", derrors.Invalid, p, fi.Mode().Perm())
		case fi.Mode().Perm()&0o001 == 0:
			return fmt.Errorf("%w: work root parent %s has mode %04o, which the sandbox users cannot search; give it o+x (0711)", derrors.Invalid, p, fi.Mode().Perm())
		}
		if p == "/" {
			return nil
		}
	}
}

// removeStaleWorkDirs removes the directories in root that Bubblewraps of
// processes now dead left behind: ours (owned by this uid), with a lock
// file nobody holds. Mounts below them are detached first.
func removeStaleWorkDirs(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), workPrefix) || !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|syscall.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			lock.Close()
			continue // in use
		}
		unmountBelow(dir)
		_ = os.RemoveAll(dir)
		lock.Close()
	}
}

// unmountBelow detaches every mount at or below dir, deepest first.
func unmountBelow(dir string) {
	b, err := os.ReadFile(filepath.Join(procSelf, "mountinfo"))
	if err != nil {
		return
	}
	var points []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		if p := unescapeMountinfo(f[4]); p == dir || strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	for _, p := range points {
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
	}
}

// mountsBelow counts the mounts at or below dir, for tests and checks.
func mountsBelow(dir string) int {
	b, err := os.ReadFile(filepath.Join(procSelf, "mountinfo"))
	if err != nil {
		return 0
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 {
			if p := unescapeMountinfo(f[4]); p == dir || strings.HasPrefix(p, dir+"/") {
				n++
			}
		}
	}
	return n
}

// canMountTmpfs reports whether this process can mount a tmpfs, trying
// once in dir.
func canMountTmpfs(dir string) error {
	probe, err := os.MkdirTemp(dir, "probe-")
	if err != nil {
		return err
	}
	defer os.Remove(probe)
	if err := syscall.Mount("tmpfs", probe, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "size="+strconv.Itoa(1<<20)); err != nil {
		return err
	}
	return syscall.Unmount(probe, syscall.MNT_DETACH)
}

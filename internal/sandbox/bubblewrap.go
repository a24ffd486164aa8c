package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Defaults for a zero [Config] field.
const (
	// BwrapPathDefault is looked up on PATH.
	BwrapPathDefault = "bwrap"
	// UIDBaseDefault is far above the ids Debian hands out: to users
	// (1000-59999), and to rootless containers in /etc/subuid and
	// /etc/subgid (65536 each, from 100000 up to 600100000). Ranges that
	// any of those files, a user, a group or a running process uses are
	// skipped all the same.
	UIDBaseDefault = 1_000_000_000
)

// SlotsDefault is the default for [Config.Slots]: one run per CPU, so
// that each run gets the CPU its quota promises and a test's time limit
// is not eaten by other students' runs.
func SlotsDefault() int { return runtime.NumCPU() }

// prlimitPath is util-linux's prlimit, inside the sandbox and on the host
// alike since /usr is bound at the same place.
const prlimitPath = "/usr/bin/prlimit"

// hostEtc are the files of the host's /etc that the sandbox sees,
// read-only, when they exist. See the package doc for why not all of /etc.
var hostEtc = []string{
	"/etc/ld.so.cache",
	"/etc/ld.so.conf",
	"/etc/ld.so.conf.d",
	"/etc/alternatives",
	"/etc/nsswitch.conf",
	"/etc/localtime",
}

// rootLinks are the top-level directories that merged-/usr systems make
// symbolic links into /usr; other systems have them as directories.
var rootLinks = []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"}

// Config configures a [Bubblewrap]. Zero fields mean the defaults.
type Config struct {
	// BwrapPath is the bwrap binary, default [BwrapPathDefault] looked up
	// on PATH.
	BwrapPath string
	// UIDBase is the host uid and gid of slot 0; slot i runs as
	// UIDBase+i, and UIDBase+Slots is the group that may enter the work
	// directories. Default: the first range UIDBaseDefault+k*1000 that no
	// other process on the host has claimed (an flock per range, held for
	// the life of the process), so several workers on one host never share
	// uids, and that no user, group, /etc/subuid or /etc/subgid entry, or
	// running process uses. The range UIDBase to UIDBase+Slots must belong
	// to no one else: any process with such a uid is killed before and
	// after each run, and one that could start as such a uid from outside
	// could reach the runs. A given UIDBase whose range is in use is
	// refused.
	UIDBase int
	// Slots is how many runs may go at once, default [SlotsDefault]; Run
	// waits for a free slot.
	Slots int
	// ReadOnlyPaths are further host paths bound read-only at the same
	// place, e.g. a JDK's /etc/java-17-openjdk or /opt/octave. They must
	// exist.
	ReadOnlyPaths []string
	// WorkRoot is where the Bubblewrap makes its own directory for the
	// work directories of runs (see [Bubblewrap.NewWorkDir]). Default:
	// the system's temporary directory. It must be a real directory owned
	// by this process and writable by no one else, or a sticky directory
	// owned by root such as /tmp; every parent must be searchable by
	// others.
	WorkRoot string
	// Cgroups is "" to put each run in a cgroup of its own when the host
	// allows it (v2, else the v1 memory, pids and cpu controllers), or
	// [CgroupNone] to rely on rlimits alone.
	Cgroups string
}

// WithDefaults returns c with each zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.BwrapPath == "" {
		c.BwrapPath = BwrapPathDefault
	}
	if c.UIDBase == 0 {
		c.UIDBase = UIDBaseDefault
	}
	if c.Slots == 0 {
		c.Slots = SlotsDefault()
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.UIDBase < 1000:
		return fmt.Errorf("%w: Config.UIDBase %d is below 1000, the range of system and regular users", derrors.Invalid, c.UIDBase)
	case c.Slots < 1:
		return fmt.Errorf("%w: Config.Slots %d is not positive", derrors.Invalid, c.Slots)
	case int64(c.UIDBase)+int64(c.Slots) >= 1<<31:
		return fmt.Errorf("%w: Config.UIDBase+Slots overflows the uid range", derrors.Invalid)
	case c.Slots >= uidRangeStride:
		return fmt.Errorf("%w: Config.Slots %d: at most %d", derrors.Invalid, c.Slots, uidRangeStride-1)
	case c.Cgroups != "" && c.Cgroups != CgroupNone:
		return fmt.Errorf("%w: Config.Cgroups %q: want \"\" (automatic) or %q", derrors.Invalid, c.Cgroups, CgroupNone)
	}
	for _, p := range c.ReadOnlyPaths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("%w: Config.ReadOnlyPaths: %q is not absolute", derrors.Invalid, p)
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%w: Config.ReadOnlyPaths: %w", derrors.Invalid, err)
		}
	}
	return nil
}

// Bubblewrap is the [Runner] that runs commands under bubblewrap; see the
// package doc. It is safe for concurrent use.
type Bubblewrap struct {
	cfg   Config
	bwrap string
	// root holds the bwrap arguments for the top-level symbolic links or
	// directories, computed once from the host.
	root []string
	// slots holds the free slot numbers.
	slots chan int
	// clean[slot] says the slot's last run was seen to end with every
	// process of the run gone: its next run need not look for processes
	// of the uid again, except every auditEvery runs (runs[slot]), for
	// one started outside a run. False at start, for what a crashed
	// earlier process may have left. Only the holder of the slot reads or
	// writes its entries.
	clean []bool
	runs  []int
	// owner is the caller's uid and gid, given the work dir back after a
	// run.
	ownerUID, ownerGID int
	// stragglers counts processes that were still alive after a run had
	// ended and had to be killed by uid; the pid namespace should keep it
	// at zero.
	stragglers atomic.Int64
	// claim holds the lock on the uid range while the process lives.
	claim *os.File
	// gid is the group, shared by the sandbox users, that may enter
	// workDir: UIDBase+Slots.
	gid int
	// workDir is this Bubblewrap's directory for work directories, and
	// workLock the lock that marks it in use.
	workDir  string
	workLock *os.File
	// cgroups makes each run's cgroup; nil without cgroups.
	cgroups *cgroupManager
	// seccomp is the filter of denied system calls; nil without one.
	seccomp   []byte
	isolation Isolation

	mu sync.Mutex
	// workDirs maps the path of each open WorkDir to its size.
	workDirs map[string]int64
}

// Isolation says which of the sandbox's defences work on this host.
type Isolation struct {
	// Cgroup is the cgroup version whose memory, process and CPU limits
	// bound each run as a whole ([CgroupV1] or [CgroupV2]), or
	// [CgroupNone]: then rlimits bound each process alone.
	Cgroup string `json:"cgroup"`
	// DiskLimit is set when work directories are tmpfs mounts of a
	// bounded size; otherwise runs may fill the disk under the work root.
	DiskLimit bool `json:"disk_limit"`
	// Seccomp is set when runs are denied [DeniedSyscalls].
	Seccomp bool `json:"seccomp"`
	// Notes say why a defence is off.
	Notes []string `json:"notes,omitempty"`
}

// Complete reports whether every defence works.
func (i Isolation) Complete() bool {
	return i.Cgroup != CgroupNone && i.DiskLimit && i.Seccomp
}

// String describes the isolation in a few words, for logs.
func (i Isolation) String() string {
	var parts []string
	if i.Cgroup == CgroupNone {
		parts = append(parts, "per-process rlimits only (no cgroup)")
	} else {
		parts = append(parts, "cgroup "+i.Cgroup)
	}
	if i.DiskLimit {
		parts = append(parts, "bounded work dirs")
	} else {
		parts = append(parts, "unbounded work dirs")
	}
	if i.Seccomp {
		parts = append(parts, "seccomp")
	} else {
		parts = append(parts, "no seccomp")
	}
	return strings.Join(parts, ", ")
}

// UID ranges claimed automatically: UIDBaseDefault + i*uidRangeStride for
// i below uidRanges, each locked by the process that uses it.
const (
	uidRangeStride = 1000
	uidRanges      = 256
)

// claimUIDRange locks the first free uid range for this process and returns
// its base. The lock (an flock on a file per range) is released when the
// process dies, so a crashed worker's range is free again.
func claimUIDRange(slots int) (int, *os.File, error) {
	if slots >= uidRangeStride {
		return 0, nil, fmt.Errorf("%w: %d slots do not fit a uid range of %d", derrors.Invalid, slots, uidRangeStride)
	}
	dir, err := uidLockDir()
	if err != nil {
		return 0, nil, err
	}
	for i := range uidRanges {
		base := UIDBaseDefault + i*uidRangeStride
		if _, used := idsInUse(base, base+uidRangeStride-1, true); used {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%d.lock", base)), os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: uid range lock: %w", derrors.Unavailable, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			return base, f, nil
		}
		_ = f.Close()
	}
	return 0, nil, fmt.Errorf("%w: all %d uid ranges are in use by other processes", derrors.Unavailable, uidRanges)
}

// uidLockDirs are where the locks of uid ranges are kept, first choice
// first: /run is writable by root alone, so no one can have prepared it;
// the temporary directory is the fallback, with its owner checked.
var uidLockDirs = []string{"/run/computor-sandbox", filepath.Join(os.TempDir(), "computor-sandbox-uids")}

// uidLockDir returns the directory of the uid range locks, made with mode
// 0700 if missing. Every process of the host must use the same one; one
// that is a symbolic link, not a directory, owned by another user or open
// to others is refused with an error that names it.
func uidLockDir() (string, error) {
	var errs []error
	for _, dir := range uidLockDirs {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			errs = append(errs, err)
			continue
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		switch {
		case fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir():
			return "", fmt.Errorf("%w: uid range locks: %s is not a directory but %v; remove it", derrors.Unavailable, dir, fi.Mode().Type())
		case !ok || int(st.Uid) != os.Geteuid():
			return "", fmt.Errorf("%w: uid range locks: %s is owned by uid %d, not by this process; remove it", derrors.Unavailable, dir, st.Uid)
		case fi.Mode().Perm()&0o077 != 0:
			return "", fmt.Errorf("%w: uid range locks: %s has mode %04o, want 0700", derrors.Unavailable, dir, fi.Mode().Perm())
		}
		return dir, nil
	}
	return "", fmt.Errorf("%w: uid range locks: %w", derrors.Unavailable, errors.Join(errs...))
}

var _ Runner = (*Bubblewrap)(nil)

// NewBubblewrap returns a Bubblewrap after checking, by running "id -u"
// in a sandbox once, that it works here: the caller is root, bwrap and
// prlimit exist, and the kernel lets an unprivileged uid create the
// namespaces. Failures wrap [derrors.Unavailable] or, for a bad cfg,
// [derrors.Invalid].
func NewBubblewrap(cfg Config) (*Bubblewrap, error) {
	var claim *os.File
	if cfg.UIDBase == 0 && os.Geteuid() == 0 {
		// Every run ends by killing what is left of its uid, so two
		// processes on one host must never share a range: claim one.
		var err error
		if cfg.UIDBase, claim, err = claimUIDRange(cfg.WithDefaults().Slots); err != nil {
			return nil, fmt.Errorf("new bubblewrap sandbox: %w", err)
		}
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("new bubblewrap sandbox: %w", err)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("new bubblewrap sandbox: %w: must run as root to start runs as the slot uids %d-%d",
			derrors.Unavailable, cfg.UIDBase, cfg.UIDBase+cfg.Slots-1)
	}
	// A configured range is this worker's own: processes in it are left
	// over from an earlier run and are killed before each run.
	if who, used := idsInUse(cfg.UIDBase, cfg.UIDBase+cfg.Slots, false); used {
		claim.Close()
		return nil, fmt.Errorf("new bubblewrap sandbox: %w: the sandbox ids %d-%d are in use: %s",
			derrors.Invalid, cfg.UIDBase, cfg.UIDBase+cfg.Slots, who)
	}
	bwrap, err := exec.LookPath(cfg.BwrapPath)
	if err != nil {
		return nil, fmt.Errorf("new bubblewrap sandbox: %w: %w (install it: apt-get install -y bubblewrap)", derrors.Unavailable, err)
	}
	if _, err := os.Stat(prlimitPath); err != nil {
		return nil, fmt.Errorf("new bubblewrap sandbox: %w: %w (part of util-linux)", derrors.Unavailable, err)
	}
	b := &Bubblewrap{
		cfg:      cfg,
		claim:    claim,
		bwrap:    bwrap,
		slots:    make(chan int, cfg.Slots),
		clean:    make([]bool, cfg.Slots),
		runs:     make([]int, cfg.Slots),
		ownerUID: os.Geteuid(),
		ownerGID: os.Getegid(),
		gid:      cfg.UIDBase + cfg.Slots,
		workDirs: map[string]int64{},
	}
	for _, p := range rootLinks {
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return nil, fmt.Errorf("new bubblewrap sandbox: %w", err)
			}
			b.root = append(b.root, "--symlink", target, p)
		case fi.IsDir():
			b.root = append(b.root, "--ro-bind", p, p)
		}
	}
	for i := range cfg.Slots {
		b.slots <- i
	}
	root := cfg.WorkRoot
	if root == "" {
		root = os.TempDir()
	}
	if b.workDir, b.workLock, err = openWorkRoot(root, b.gid); err != nil {
		b.Close()
		return nil, fmt.Errorf("new bubblewrap sandbox: %w", err)
	}
	b.isolate()
	if err := b.probe(); err != nil {
		b.Close()
		return nil, fmt.Errorf("new bubblewrap sandbox: %w", err)
	}
	return b, nil
}

// isolate finds out which defences beyond namespaces and rlimits work
// here and records them in b.isolation.
func (b *Bubblewrap) isolate() {
	iso := Isolation{Cgroup: CgroupNone}
	if b.cfg.Cgroups == CgroupNone {
		iso.Notes = append(iso.Notes, "cgroups are off by configuration")
	} else if m, err := newCgroupManager(); err != nil {
		iso.Notes = append(iso.Notes, "no usable cgroup: "+err.Error())
	} else {
		b.cgroups, iso.Cgroup = m, m.version
	}
	if err := canMountTmpfs(b.workDir); err != nil {
		iso.Notes = append(iso.Notes, "work dirs cannot be bounded: mount tmpfs: "+err.Error())
	} else {
		iso.DiskLimit = true
	}
	if f, err := seccompFilter(); err != nil {
		iso.Notes = append(iso.Notes, err.Error())
	} else {
		b.seccomp, iso.Seccomp = f, true
	}
	b.isolation = iso
}

// Slots is how many runs go at once; more wait for a slot.
func (b *Bubblewrap) Slots() int {
	if b == nil {
		return 0
	}
	return b.cfg.Slots
}

// Isolation says which defences work on this host.
func (b *Bubblewrap) Isolation() Isolation {
	iso := b.isolation
	iso.Notes = slices.Clone(iso.Notes)
	return iso
}

// Close releases what the Bubblewrap holds: its work directory with any
// work directory still open in it, its cgroups and its uid range. Runs
// must have ended.
func (b *Bubblewrap) Close() error {
	if b.workDir != "" {
		unmountBelow(b.workDir)
		_ = os.RemoveAll(b.workDir)
		b.workDir = ""
	}
	if b.workLock != nil {
		b.workLock.Close()
		b.workLock = nil
	}
	if b.cgroups != nil {
		b.cgroups.close()
		b.cgroups = nil
	}
	if b.claim != nil {
		b.claim.Close()
		b.claim = nil
	}
	return nil
}

// probe runs "id -u" once, in a work dir of the Bubblewrap's own, so that
// what keeps runs from working here (bwrap, namespaces, a work root the
// sandbox users cannot reach, a tmpfs that will not mount) shows at start.
func (b *Bubblewrap) probe() error {
	w, err := b.NewWorkDir(1 << 20)
	if err != nil {
		return err
	}
	defer w.Close()
	res, err := b.Run(context.Background(), Spec{Command: "id -u", Dir: w.Path, Limits: Limits{WallTime: 30 * time.Second}})
	if err != nil {
		return err
	}
	if got := strings.TrimSpace(string(res.Stdout)); res.ExitCode != 0 || got != strconv.Itoa(b.cfg.UIDBase) {
		return fmt.Errorf("%w: trial run of \"id -u\" as uid %d: %s, stdout %q, stderr %q",
			derrors.Unavailable, b.cfg.UIDBase, res.Reason, got, bytes.TrimSpace(res.Stderr))
	}
	return nil
}

// Run runs s.Command in a fresh sandbox as described in the package doc.
// It waits for a free slot first. See [Runner] for what is an error.
func (b *Bubblewrap) Run(ctx context.Context, s Spec) (*Result, error) {
	if strings.TrimSpace(s.Command) == "" {
		return nil, fmt.Errorf("sandbox run: %w: Spec.Command is empty", derrors.Invalid)
	}
	if err := s.Limits.validate(); err != nil {
		return nil, fmt.Errorf("sandbox run: %w", err)
	}
	lim := s.Limits.WithDefaults()
	dir, err := b.checkReachable("Spec.Dir", s.Dir, true)
	if err != nil {
		return nil, fmt.Errorf("sandbox run: %w", err)
	}
	binds, err := b.readOnlyBinds(s.ReadOnly)
	if err != nil {
		return nil, fmt.Errorf("sandbox run: %w", err)
	}
	env, err := parseEnv(s.Env)
	if err != nil {
		return nil, fmt.Errorf("sandbox run: %w", err)
	}

	var slot int
	select {
	case slot = <-b.slots:
	case <-ctx.Done():
		return nil, fmt.Errorf("sandbox run: waiting for a slot: %w", ctx.Err())
	}
	uid := b.cfg.UIDBase + slot
	healthy := true
	defer func() {
		if healthy {
			b.slots <- slot
		}
	}()

	// Leftovers of a crashed earlier process, or a process of the uid
	// started outside a run, must not meet this run. A slot whose last
	// run was seen to end clean is looked at only every auditEvery runs
	// (a scan of /proc costs milliseconds).
	b.runs[slot]++
	if !b.clean[slot] || b.runs[slot]%auditEvery == 0 {
		if _, remain := sweep(uid, 0); remain {
			healthy = false
			return nil, fmt.Errorf("sandbox run: %w: processes of uid %d survive SIGKILL; slot %d is out of service", derrors.Unavailable, uid, slot)
		}
	}
	b.clean[slot] = false
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("sandbox run: prepare work dir: %w", err)
	} else if err := os.Chmod(dir, fi.Mode().Perm()|0o700); err != nil {
		return nil, fmt.Errorf("sandbox run: prepare work dir: %w", err)
	}
	if err := makeParents(dir, binds); err != nil {
		return nil, fmt.Errorf("sandbox run: prepare work dir: %w", err)
	}
	if err := chownTree(dir, uid, uid, false); err != nil {
		_ = chownTree(dir, b.ownerUID, b.ownerGID, true)
		return nil, fmt.Errorf("sandbox run: prepare work dir: %w", err)
	}
	disk := b.diskLimitOf(dir)
	ra := runArgs{dir: dir, command: s.Command, stdin: s.Stdin, env: env, binds: binds, disk: disk}
	res, runErr := b.run(ctx, uid, ra, lim)
	// run returns once every process of the run is gone, unless bwrap
	// never started or survivors remain.
	b.clean[slot] = runErr == nil || !errors.Is(runErr, derrors.Unavailable)
	if errors.Is(runErr, errSurvivors) {
		// A process the kernel would not kill may still act in the
		// work dir: touch nothing there, and use the uid no more.
		healthy = false
		return nil, fmt.Errorf("sandbox run: %w: slot %d is out of service", runErr, slot)
	}
	// A bounded work dir is a tmpfs mounted nosuid that its owner
	// unmounts: what the run left there needs no new owner. Any other is
	// given back, setuid bits removed.
	if disk == 0 {
		if err := chownTree(dir, b.ownerUID, b.ownerGID, true); err != nil {
			return res, errors.Join(runErr, fmt.Errorf("sandbox run: give work dir back: %w", err))
		}
	}
	if runErr != nil {
		return res, fmt.Errorf("sandbox run: %w", runErr)
	}
	return res, nil
}

// auditEvery is how often, in runs of a slot, the slot's uid is looked
// for in /proc before a run even though the last run ended clean.
const auditEvery = 16

// errSurvivors is run's error when processes of the run's uid outlive
// SIGKILL.
var errSurvivors = fmt.Errorf("%w: processes of the run survive SIGKILL", derrors.Unavailable)

// readOnlyBinds checks Spec.ReadOnly: each source an existing file or
// directory the sandbox users can reach, each target a relative path
// inside /work, no target twice.
func (b *Bubblewrap) readOnlyBinds(in []Bind) ([]Bind, error) {
	out := make([]Bind, 0, len(in))
	seen := map[string]bool{}
	for i, m := range in {
		target := path.Clean(m.Target)
		if m.Target == "" || !filepath.IsLocal(target) || strings.ContainsRune(target, 0) {
			return nil, fmt.Errorf("%w: Spec.ReadOnly[%d].Target %q is not a relative path inside /work", derrors.Invalid, i, m.Target)
		}
		if seen[target] {
			return nil, fmt.Errorf("%w: Spec.ReadOnly[%d].Target %q is given twice", derrors.Invalid, i, m.Target)
		}
		seen[target] = true
		src, err := b.checkReachable(fmt.Sprintf("Spec.ReadOnly[%d].Source", i), m.Source, false)
		if err != nil {
			return nil, err
		}
		out = append(out, Bind{Source: src, Target: target})
	}
	return out, nil
}

// makeParents makes the directories above each bind's target in dir,
// where bwrap binds them onto themselves; none may be anything but a
// directory.
func makeParents(dir string, binds []Bind) error {
	if len(binds) == 0 {
		return nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, m := range binds {
		if fi, err := root.Lstat(m.Target); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%w: %s is a symbolic link", derrors.Invalid, m.Target)
		}
		dirs := parentDirs(m.Target)
		if len(dirs) == 0 {
			continue
		}
		d := dirs[len(dirs)-1]
		if err := root.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("%w: directory %s for %s: %w", derrors.Invalid, d, m.Target, err)
		}
		for _, p := range dirs {
			if fi, err := root.Lstat(p); err != nil || !fi.IsDir() {
				return fmt.Errorf("%w: %s, above %s, is not a directory", derrors.Invalid, p, m.Target)
			}
		}
	}
	return nil
}

// parseEnv splits KEY=VALUE entries.
func parseEnv(env []string) ([][2]string, error) {
	kv := make([][2]string, 0, len(env))
	for _, e := range env {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" || strings.ContainsRune(e, 0) {
			return nil, fmt.Errorf("%w: Spec.Env entry %q is not KEY=VALUE", derrors.Invalid, e)
		}
		kv = append(kv, [2]string{k, v})
	}
	return kv, nil
}

// Inherited descriptors of bwrap: ExtraFiles[i] becomes fd 3+i.
const (
	fdReady   = 3 // the wrapper writes one byte here before running the command
	fdPasswd  = 4
	fdGroup   = 5
	fdHosts   = 6
	fdInfo    = 7 // bwrap writes {"child-pid": N} here, N being the host pid of the sandbox's pid 1
	fdSeccomp = 8 // the seccomp filter bwrap loads
	fdGate    = 9 // with cgroups: bwrap starts once a byte arrives here
)

// runArgs is one run's command and what it sees.
type runArgs struct {
	// dir is bound read-write at /work; "" gives an empty, read-only
	// /work (for the probe).
	dir     string
	command string
	stdin   []byte
	env     [][2]string
	binds   []Bind
	// disk is dir's size when it is a bounded work dir, else 0.
	disk int64
}

// args builds bwrap's command line.
func (b *Bubblewrap) args(ra runArgs, lim Limits) []string {
	a := []string{
		"--unshare-all", "--unshare-user", "--disable-userns",
		"--die-with-parent", "--new-session", "--hostname", "sandbox",
		"--info-fd", strconv.Itoa(fdInfo),
		"--ro-bind", "/usr", "/usr",
	}
	if b.seccomp != nil {
		a = append(a, "--seccomp", strconv.Itoa(fdSeccomp))
	}
	a = append(a, b.root...)
	a = append(a, "--perms", "0755", "--dir", "/etc")
	for _, p := range hostEtc {
		a = append(a, "--ro-bind-try", p, p)
	}
	a = append(a,
		"--perms", "0644", "--ro-bind-data", strconv.Itoa(fdPasswd), "/etc/passwd",
		"--perms", "0644", "--ro-bind-data", strconv.Itoa(fdGroup), "/etc/group",
		"--perms", "0644", "--ro-bind-data", strconv.Itoa(fdHosts), "/etc/hosts",
	)
	tmp := strconv.FormatInt(lim.TmpBytes, 10)
	a = append(a,
		"--proc", "/proc",
		"--dev", "/dev",
		"--size", tmp, "--tmpfs", "/dev/shm",
		"--perms", "1777", "--size", tmp, "--tmpfs", "/tmp",
	)
	// After the tmpfs mounts, so that a path below /tmp is not hidden.
	for _, p := range b.cfg.ReadOnlyPaths {
		a = append(a, "--ro-bind", p, p)
	}
	if ra.dir != "" {
		a = append(a, "--bind", ra.dir, "/work")
	} else {
		a = append(a, "--perms", "0755", "--dir", "/work")
	}
	// Read-only files inside /work: the run can read them but cannot
	// change, remove or replace them, since a mount point is busy. Each
	// directory above one is bound onto itself for the same reason:
	// otherwise the run could move the directory away, with the file in
	// it, and put one of its own in its place.
	seen := map[string]bool{}
	for _, m := range ra.binds {
		for _, d := range parentDirs(m.Target) {
			if !seen[d] {
				seen[d] = true
				a = append(a, "--bind", filepath.Join(ra.dir, filepath.FromSlash(d)), "/work/"+d)
			}
		}
		a = append(a, "--ro-bind", m.Source, "/work/"+m.Target)
	}
	a = append(a,
		"--chdir", "/work",
		"--remount-ro", "/",
		"--remount-ro", "/dev",
		"--clearenv",
		"--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
		"--setenv", "HOME", "/work",
		"--setenv", "LANG", "C.UTF-8",
	)
	for _, kv := range ra.env {
		a = append(a, "--setenv", kv[0], kv[1])
	}
	// The wrapper shell reports that the sandbox is set up, closes the
	// descriptors meant for bwrap, and runs the command under the
	// rlimits. The soft CPU limit sends SIGXCPU, the hard one a second
	// later SIGKILL. With cgroups there is no RLIMIT_NPROC: the cgroup's
	// pids.max bounds the run's processes and counts only its live ones,
	// where RLIMIT_NPROC counts every process of the uid, zombies of
	// earlier runs that the host's init has not reaped yet among them.
	cpu := lim.cpuSeconds()
	nproc := ""
	if b.cgroups == nil {
		nproc = fmt.Sprintf(" --nproc=%d", lim.Processes)
	}
	wrapper := fmt.Sprintf("printf x >&%d && exec %d>&- %d<&- %d<&- %d<&- %d>&- %d<&- && exec %s"+
		" --as=%d%s --nofile=%d --cpu=%d:%d --fsize=%d --core=0 -- /bin/sh -c \"$1\"",
		fdReady, fdReady, fdPasswd, fdGroup, fdHosts, fdInfo, fdSeccomp, prlimitPath,
		lim.MemoryBytes, nproc, lim.OpenFiles, cpu, cpu+1, lim.FileBytes)
	return append(a, "--", "/bin/sh", "-c", wrapper, "sandbox", ra.command)
}

// parentDirs lists the directories above a slash-separated relative
// path, outermost first: "a/b/c" gives "a", "a/b".
func parentDirs(rel string) []string {
	var out []string
	for i := range len(rel) {
		if rel[i] == '/' {
			out = append(out, rel[:i])
		}
	}
	return out
}

// gateScript starts bwrap once the run is in its cgroup: it waits for a
// byte on fdGate (EOF means the run was called off) and then becomes
// bwrap, so nothing of the run forks before it is counted.
var gateScript = fmt.Sprintf(`read -r _ <&%d && exec "$0" "$@" %d<&-`, fdGate, fdGate)

// etcFiles returns the synthetic passwd, group and hosts that name only
// the sandbox user.
func etcFiles(uid int) (passwd, group, hosts string) {
	passwd = "root:x:0:0:root:/root:/usr/sbin/nologin\n" +
		fmt.Sprintf("sandbox:x:%d:%d:sandbox:/work:/bin/sh\n", uid, uid) +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	group = "root:x:0:\n" +
		fmt.Sprintf("sandbox:x:%d:\n", uid) +
		"nogroup:x:65534:\n"
	hosts = "127.0.0.1\tlocalhost\n127.0.1.1\tsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	return passwd, group, hosts
}

// dataPipe returns the read end of a pipe that holds data, small enough
// to fit the pipe buffer, and is closed for writing.
func dataPipe(data []byte) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// setupTimeout bounds bwrap's setup, before the command starts and the
// wall time begins.
const setupTimeout = 30 * time.Second

// killedSetup is supervisor.killedFor for a sandbox that took longer than
// setupTimeout to start the command.
const killedSetup = "setup"

// run runs one command as uid and returns its Result. The error wraps
// derrors.Unavailable when bwrap failed before the command started, or is
// ctx's error when ctx ended first (with the partial Result, if the
// command had started).
func (b *Bubblewrap) run(ctx context.Context, uid int, ra runArgs, lim Limits) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var closers []*os.File
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			closers = append(closers, r, w)
		}
		return r, w, err
	}
	var p [4][2]*os.File // stdout, stderr, ready, info
	for i := range p {
		r, w, err := pipe()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", derrors.Unavailable, err)
		}
		p[i] = [2]*os.File{r, w}
	}
	stdoutR, stdoutW := p[0][0], p[0][1]
	stderrR, stderrW := p[1][0], p[1][1]
	readyR, readyW := p[2][0], p[2][1]
	infoR, infoW := p[3][0], p[3][1]
	extra := []*os.File{readyW}
	passwd, group, hosts := etcFiles(uid)
	for _, data := range [][]byte{[]byte(passwd), []byte(group), []byte(hosts)} {
		f, err := dataPipe(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", derrors.Unavailable, err)
		}
		closers = append(closers, f)
		extra = append(extra, f)
	}
	extra = append(extra, infoW)
	filter, err := dataPipe(b.seccomp)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", derrors.Unavailable, err)
	}
	closers = append(closers, filter)
	extra = append(extra, filter)

	// With cgroups, a gate shell holds bwrap back until the run is in
	// its cgroup.
	var rc *runCgroup
	var gateW *os.File
	cmd := exec.Command(b.bwrap, b.args(ra, lim)...)
	if b.cgroups != nil {
		if rc, err = b.cgroups.create(lim); err != nil {
			return nil, err
		}
		defer func() { _ = rc.remove() }()
		var gateR *os.File
		if gateR, gateW, err = pipe(); err != nil {
			return nil, fmt.Errorf("%w: %w", derrors.Unavailable, err)
		}
		extra = append(extra, gateR)
		cmd = exec.Command("/bin/sh", append([]string{"-c", gateScript, b.bwrap}, b.args(ra, lim)...)...)
	}
	cmd.Dir = "/"
	cmd.Env = []string{}
	if ra.stdin != nil {
		cmd.Stdin = bytes.NewReader(ra.stdin)
	}
	cmd.Stdout = stdoutW
	cmd.Stderr = stderrW
	cmd.ExtraFiles = extra
	cmd.WaitDelay = time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The shared group lets bwrap reach the work directories.
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid), Groups: []uint32{uint32(b.gid)}},
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: start bwrap: %w", derrors.Unavailable, err)
	}
	// Only the sandbox may hold the write ends now, so that the readers
	// see EOF when it is gone.
	for _, f := range append([]*os.File{stdoutW, stderrW}, extra...) {
		f.Close()
	}
	if rc != nil {
		err := rc.add(cmd.Process.Pid)
		if err == nil {
			_, err = gateW.Write([]byte("\n"))
		}
		gateW.Close()
		if err != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			return nil, fmt.Errorf("%w: %w", derrors.Unavailable, err)
		}
	}

	sv := &supervisor{cmd: cmd, uid: uid, cgroup: rc}
	setupTimer := time.AfterFunc(setupTimeout, func() { sv.kill(killedSetup) })
	stopCtx := context.AfterFunc(ctx, func() { sv.kill(killedCanceled) })
	var wg sync.WaitGroup
	var stdout, stderr []byte
	var ready bool
	wg.Go(func() {
		var info struct {
			ChildPID int64 `json:"child-pid"`
		}
		if json.NewDecoder(infoR).Decode(&info) == nil {
			sv.pid1.Store(info.ChildPID)
		}
		_, _ = io.Copy(io.Discard, infoR)
	})
	wg.Go(func() {
		if n, _ := io.ReadFull(readyR, make([]byte, 1)); n == 1 {
			ready = true
			setupTimer.Stop()
			sv.started(lim.WallTime)
		}
		_, _ = io.Copy(io.Discard, readyR)
	})
	wg.Go(func() { stdout = capture(stdoutR, lim.OutputBytes, func() { sv.kill(LimitOutput) }) })
	wg.Go(func() { stderr = capture(stderrR, lim.OutputBytes, func() { sv.kill(LimitOutput) }) })

	_ = cmd.Wait() // the exit status is in ProcessState
	end := time.Now()
	why, startedAt := sv.exited()
	setupTimer.Stop()
	stopCtx()

	// Every process of the run is in its cgroup, which none can leave
	// (the cgroup files are root's, and no cgroup file system is mounted
	// in the sandbox), and in its pid namespace, whose pid 1 exits only
	// once every other process there has been released. So once the
	// cgroup is empty and pid 1 is a zombie or gone, the run is gone:
	// two small reads, where the scan of /proc by uid reads every
	// process's status (milliseconds). The scan is for runs without a
	// cgroup, or whose cgroup or pid 1 did not end.
	if rc == nil || !rc.killAndWait(2*time.Second) || !pidEnded(int(sv.pid1.Load()), 2*time.Second) {
		killed, remain := sweep(uid, 2*time.Second)
		b.stragglers.Add(int64(killed))
		if remain {
			return nil, fmt.Errorf("uid %d: %w", uid, errSurvivors)
		}
	}
	// Everything that held the write ends is dead; the readers finish at
	// once. The timeout only guards against the unforeseen.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, f := range []*os.File{stdoutR, stderrR, readyR, infoR} {
			f.Close()
		}
		<-done
	}

	status := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	if why == killedSetup {
		// Even if the command started just as the timer fired: the run
		// was cut short by the platform, not by what it did.
		return nil, fmt.Errorf("%w: bwrap did not start the command within %s", derrors.Unavailable, setupTimeout)
	}
	if !ready {
		if why == killedCanceled {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: bwrap failed to set up the sandbox (exit status %d): %s",
			derrors.Unavailable, status, bytes.TrimSpace(stderr))
	}
	if startedAt.IsZero() {
		// The command was done before its start was noticed.
		startedAt = start
	}
	duration := end.Sub(startedAt)
	res := &Result{Stdout: stdout, Stderr: stderr, Duration: duration}
	o := outcome{killedFor: why, status: status, stderr: stderr, duration: duration, limits: lim,
		disk: ra.disk, diskFull: ra.disk > 0 && nearlyFull(ra.dir)}
	if rc != nil {
		o.oomKills, o.pidsMax = rc.events()
	}
	res.ExitCode, res.Limit, res.Reason, res.Inferred = classify(o)
	if why == killedCanceled {
		return res, ctx.Err()
	}
	return res, nil
}

// nearlyFull reports whether the file system at dir has less than 1 MiB
// or 2% of its size left.
func nearlyFull(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	free, size := int64(st.Bavail)*st.Bsize, int64(st.Blocks)*st.Bsize
	return free < 1<<20 || free*50 < size
}

// supervisor kills a run, at most once and only while bwrap has not been
// reaped.
type supervisor struct {
	cmd *exec.Cmd
	uid int
	// cgroup, when the run has one, is killed with it.
	cgroup *runCgroup
	// pid1 is the host pid of the sandbox's pid 1, once bwrap reported it.
	pid1 atomic.Int64

	mu         sync.Mutex
	killedFor  string
	startedAt  time.Time
	wallTimer  *time.Timer
	backstop   *time.Timer
	bwrapEnded bool
}

// started notes that the command started and starts its wall time.
func (sv *supervisor) started(wall time.Duration) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.bwrapEnded {
		return
	}
	sv.startedAt = time.Now()
	sv.wallTimer = time.AfterFunc(wall, func() { sv.kill(LimitWallTime) })
}

// kill ends the run for the reason why: SIGKILL to the sandbox's pid 1
// and its process group (the command's session), which takes the whole
// pid namespace down; bwrap outside then reaps pid 1 and exits. bwrap's
// own process group follows if it has not exited a second later, or at
// once when pid 1 is not known yet.
func (sv *supervisor) kill(why string) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.bwrapEnded || sv.killedFor != "" {
		return
	}
	sv.killedFor = why
	if sv.cgroup != nil {
		sv.cgroup.kill()
	}
	// Checking the owner keeps a recycled pid safe from the signal.
	if p := int(sv.pid1.Load()); p > 0 && ownedBy(p, sv.uid) {
		_ = syscall.Kill(-p, syscall.SIGKILL)
		_ = syscall.Kill(p, syscall.SIGKILL)
		sv.backstop = time.AfterFunc(time.Second, sv.killBwrap)
		return
	}
	sv.killBwrapLocked()
}

func (sv *supervisor) killBwrap() {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.killBwrapLocked()
}

func (sv *supervisor) killBwrapLocked() {
	if !sv.bwrapEnded {
		_ = syscall.Kill(-sv.cmd.Process.Pid, syscall.SIGKILL)
		_ = sv.cmd.Process.Kill()
	}
}

// exited notes that bwrap has been reaped, stops the timers, and returns
// why the run was killed and when the command started (zero if it never
// did).
func (sv *supervisor) exited() (killedFor string, startedAt time.Time) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	sv.bwrapEnded = true
	for _, t := range []*time.Timer{sv.wallTimer, sv.backstop} {
		if t != nil {
			t.Stop()
		}
	}
	return sv.killedFor, sv.startedAt
}

package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Cgroup versions in [Isolation.Cgroup].
const (
	CgroupV1   = "v1"
	CgroupV2   = "v2"
	CgroupNone = "none"
)

// cgroupPrefix names the cgroup that holds one Bubblewrap's runs:
// computor-sandbox-<pid>-<n>, so that a later process can tell which
// belong to a process that died and remove them.
const cgroupPrefix = "computor-sandbox-"

// cgroupInstances numbers the Bubblewraps of this process.
var cgroupInstances atomic.Int64

// cgroupManager makes a cgroup per run below a parent cgroup of its own,
// in the cgroup v2 hierarchy or in the v1 hierarchies of the memory, pids
// and cpu controllers.
type cgroupManager struct {
	version string
	// parents maps a controller ("memory", "pids", "cpu"; "" for v2) to
	// the directory the runs' cgroups are made in.
	parents map[string]string
	seq     atomic.Int64
}

// procSelf is where this process's mounts and cgroups are read.
const procSelf = "/proc/self"

// newCgroupManager finds a usable cgroup hierarchy, v2 first, and makes
// the parent cgroup of this Bubblewrap's runs. The error says why none is
// usable.
func newCgroupManager() (*cgroupManager, error) {
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	self, err := os.ReadFile(filepath.Join(procSelf, "cgroup"))
	if err != nil {
		return nil, fmt.Errorf("read /proc/self/cgroup: %w", err)
	}
	name := fmt.Sprintf("%s%d-%d", cgroupPrefix, os.Getpid(), cgroupInstances.Add(1))
	var why []string
	if m, err := newCgroupV2(mounts, self, name); err == nil {
		return m, nil
	} else {
		why = append(why, "v2: "+err.Error())
	}
	m, err := newCgroupV1(mounts, self, name)
	if err == nil {
		return m, nil
	}
	why = append(why, "v1: "+err.Error())
	return nil, errors.New(strings.Join(why, "; "))
}

// cgroupMount is a mounted cgroup hierarchy.
type cgroupMount struct {
	dir string
	// v2 is set for the unified hierarchy; options lists a v1
	// hierarchy's controllers.
	v2      bool
	options []string
}

// cgroupMounts reads the cgroup hierarchies from /proc/self/mountinfo.
func cgroupMounts() ([]cgroupMount, error) {
	b, err := os.ReadFile(filepath.Join(procSelf, "mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	var out []cgroupMount
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		dir := unescapeMountinfo(f[4])
		switch g[0] {
		case "cgroup2":
			out = append(out, cgroupMount{dir: dir, v2: true})
		case "cgroup":
			out = append(out, cgroupMount{dir: dir, options: strings.Split(g[2], ",")})
		}
	}
	return out, nil
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// selfCgroup returns this process's path in the hierarchy that a line of
// /proc/self/cgroup names: "0::/path" for v2, "N:memory:/path" (or
// "N:cpu,cpuacct:/path") for a v1 controller.
func selfCgroup(self []byte, controller string) (string, bool) {
	for line := range strings.SplitSeq(string(self), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if controller == "" && parts[0] == "0" && parts[1] == "" {
			return parts[2], true
		}
		if controller != "" {
			for c := range strings.SplitSeq(parts[1], ",") {
				if c == controller {
					return parts[2], true
				}
			}
		}
	}
	return "", false
}

func newCgroupV2(mounts []cgroupMount, self []byte, name string) (*cgroupManager, error) {
	var mnt string
	for _, m := range mounts {
		if m.v2 {
			mnt = m.dir
		}
	}
	if mnt == "" {
		return nil, errors.New("not mounted")
	}
	path, ok := selfCgroup(self, "")
	if !ok {
		return nil, errors.New("this process is in no v2 cgroup")
	}
	base := filepath.Join(mnt, path)
	avail, err := os.ReadFile(filepath.Join(base, "cgroup.controllers"))
	if err != nil {
		return nil, err
	}
	have := strings.Fields(string(avail))
	for _, c := range []string{"memory", "pids"} {
		if !slices.Contains(have, c) {
			return nil, fmt.Errorf("controller %s is not available in %s (controllers: %q)", c, base, strings.TrimSpace(string(avail)))
		}
	}
	enable := "+memory +pids"
	if slices.Contains(have, "cpu") {
		enable += " +cpu"
	}
	// A cgroup with processes of its own cannot pass controllers to its
	// children (v2's "no internal processes" rule), except the root. This
	// process moves into a leaf of its own first, as container runtimes
	// do; other processes in its cgroup would have to be moved by whoever
	// started them.
	if err := writeFile(filepath.Join(base, "cgroup.subtree_control"), enable); err != nil {
		leaf := filepath.Join(base, "computor-worker")
		if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("make a leaf cgroup for this process: %w", err)
		}
		if err := writeFile(filepath.Join(leaf, "cgroup.procs"), strconv.Itoa(os.Getpid())); err != nil {
			return nil, fmt.Errorf("move this process to %s: %w", leaf, err)
		}
		if err := writeFile(filepath.Join(base, "cgroup.subtree_control"), enable); err != nil {
			return nil, fmt.Errorf("enable %s in %s (other processes share this cgroup; give the worker one of its own, e.g. systemd Delegate=yes): %w",
				enable, base, err)
		}
	}
	removeStaleCgroups(base)
	dir := filepath.Join(base, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), enable); err != nil {
		_ = os.Remove(dir)
		return nil, err
	}
	return &cgroupManager{version: CgroupV2, parents: map[string]string{"": dir}}, nil
}

func newCgroupV1(mounts []cgroupMount, self []byte, name string) (*cgroupManager, error) {
	m := &cgroupManager{version: CgroupV1, parents: map[string]string{}}
	for _, c := range []string{"memory", "pids", "cpu"} {
		var mnt string
		for _, cm := range mounts {
			if !cm.v2 && slices.Contains(cm.options, c) {
				mnt = cm.dir
			}
		}
		path, ok := selfCgroup(self, c)
		if mnt == "" || !ok {
			if c == "cpu" {
				continue // a CPU quota is a nicety; memory and pids are not
			}
			m.close()
			return nil, fmt.Errorf("controller %s is not mounted", c)
		}
		base := filepath.Join(mnt, path)
		removeStaleCgroups(base)
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			m.close()
			return nil, fmt.Errorf("controller %s: %w", c, err)
		}
		m.parents[c] = dir
	}
	return m, nil
}

// removeStaleCgroups removes the run cgroups that processes which have
// died left below base, killing anything still in them.
func removeStaleCgroups(base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), cgroupPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pid, _, _ := strings.Cut(rest, "-")
		if n, err := strconv.Atoi(pid); err != nil || n == os.Getpid() || processAlive(n) {
			continue
		}
		dir := filepath.Join(base, e.Name())
		runs, _ := os.ReadDir(dir)
		for _, r := range runs {
			if r.IsDir() {
				rc := &runCgroup{dirs: []string{filepath.Join(dir, r.Name())}}
				rc.kill()
				_ = rc.remove()
			}
		}
		_ = os.Remove(dir)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// runCgroup is the cgroup of one run: one directory for v2, one per
// controller for v1.
type runCgroup struct {
	dirs []string
	// memory and pids are the directories that hold those controllers'
	// files.
	memory, pids string
	version      string
}

// create makes a cgroup for one run with lim's memory, process and CPU
// limits. The memory limit covers every process of the run and what they
// write to tmpfs; swap is not allowed.
func (m *cgroupManager) create(lim Limits) (*runCgroup, error) {
	name := "run-" + strconv.FormatInt(m.seq.Add(1), 10)
	rc := &runCgroup{version: m.version}
	mem := strconv.FormatInt(lim.MemoryBytes, 10)
	procs := strconv.Itoa(lim.Processes)
	period := 100000 // µs
	quota := strconv.Itoa(int(lim.CPUs * float64(period)))
	fail := func(err error) (*runCgroup, error) {
		_ = rc.remove()
		return nil, fmt.Errorf("%w: cgroup: %w", derrors.Unavailable, err)
	}
	mk := func(parent string) (string, error) {
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return "", err
		}
		rc.dirs = append(rc.dirs, dir)
		return dir, nil
	}
	if m.version == CgroupV2 {
		dir, err := mk(m.parents[""])
		if err != nil {
			return fail(err)
		}
		rc.memory, rc.pids = dir, dir
		if err := writeFile(filepath.Join(dir, "memory.max"), mem); err != nil {
			return fail(err)
		}
		_ = writeFile(filepath.Join(dir, "memory.swap.max"), "0") // absent without swap accounting
		if err := writeFile(filepath.Join(dir, "pids.max"), procs); err != nil {
			return fail(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "cpu.max")); err == nil {
			if err := writeFile(filepath.Join(dir, "cpu.max"), quota+" "+strconv.Itoa(period)); err != nil {
				return fail(err)
			}
		}
		return rc, nil
	}
	for _, c := range []string{"memory", "pids", "cpu"} {
		parent, ok := m.parents[c]
		if !ok {
			continue
		}
		dir, err := mk(parent)
		if err != nil {
			return fail(err)
		}
		switch c {
		case "memory":
			rc.memory = dir
			if err := writeFile(filepath.Join(dir, "memory.limit_in_bytes"), mem); err != nil {
				return fail(err)
			}
			// With swap accounting, memory+swap gets the same bound, so
			// nothing is swapped out to stay under it.
			_ = writeFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), mem)
		case "pids":
			rc.pids = dir
			if err := writeFile(filepath.Join(dir, "pids.max"), procs); err != nil {
				return fail(err)
			}
		case "cpu":
			if err := writeFile(filepath.Join(dir, "cpu.cfs_period_us"), strconv.Itoa(period)); err != nil {
				return fail(err)
			}
			if err := writeFile(filepath.Join(dir, "cpu.cfs_quota_us"), quota); err != nil {
				return fail(err)
			}
		}
	}
	return rc, nil
}

// add moves a process into the run's cgroup.
func (rc *runCgroup) add(pid int) error {
	for _, d := range rc.dirs {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("%w: move process into cgroup %s: %w", derrors.Unavailable, d, err)
		}
	}
	return nil
}

// events reports how often the kernel's OOM killer killed a process of
// the run for its memory limit, and how often a fork failed at its
// process limit.
func (rc *runCgroup) events() (oomKills, pidsMax int64) {
	file := "memory.events"
	if rc.version == CgroupV1 {
		file = "memory.oom_control"
	}
	oomKills = keyedValue(filepath.Join(rc.memory, file), "oom_kill")
	pidsMax = keyedValue(filepath.Join(rc.pids, "pids.events"), "max")
	return oomKills, pidsMax
}

// keyedValue reads the value of key from a cgroup file of "key value"
// lines; 0 when absent.
func keyedValue(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// kill sends SIGKILL to every process in the run's cgroup: at once with
// v2's cgroup.kill, else one by one.
func (rc *runCgroup) kill() {
	for _, d := range rc.dirs {
		if writeFile(filepath.Join(d, "cgroup.kill"), "1") == nil {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		for f := range strings.FieldsSeq(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// killAndWait kills the run's processes and waits, up to d, until its
// cgroups hold none; it reports whether they emptied.
func (rc *runCgroup) killAndWait(d time.Duration) bool {
	rc.kill()
	deadline := time.Now().Add(d)
	pause := 200 * time.Microsecond
	for {
		empty := true
		for _, dir := range rc.dirs {
			b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
			if err != nil || len(bytes.TrimSpace(b)) > 0 {
				empty = false
				break
			}
		}
		if empty {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 10*time.Millisecond)
		rc.kill()
	}
}

// remove deletes the run's cgroup once its processes are gone, waiting up
// to a second for the kernel to let go of them.
func (rc *runCgroup) remove() error {
	var errs []error
	for i := len(rc.dirs) - 1; i >= 0; i-- {
		d := rc.dirs[i]
		var err error
		for range 50 {
			if err = os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			rc.kill()
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// close removes the parent cgroups; runs must have been removed.
func (m *cgroupManager) close() {
	for _, d := range m.parents {
		_ = os.Remove(d)
	}
}

// writeFile writes a cgroup control file, which must exist.
func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// hostHasCgroups reports whether this host offers a cgroup hierarchy with
// a memory controller that root can write to, read independently of the
// code under test, so that a failure to find one is caught.
func hostHasCgroups(t *testing.T) bool {
	t.Helper()
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "memory") {
		return true
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for line := range strings.SplitSeq(string(mounts), "\n") {
		if strings.Contains(line, " - cgroup ") && strings.Contains(line, "memory") {
			return true
		}
	}
	return false
}

func TestIsolation(t *testing.T) {
	tb := setup(t, Config{})
	iso := tb.sb.Isolation()
	t.Logf("isolation: %s %v", iso, iso.Notes)
	if !iso.Seccomp {
		t.Errorf("no seccomp filter: %v", iso.Notes)
	}
	if !iso.DiskLimit {
		t.Errorf("work dirs are not bounded, though root may mount tmpfs: %v", iso.Notes)
	}
	if hostHasCgroups(t) && iso.Cgroup == CgroupNone {
		t.Errorf("this host has a memory cgroup controller, but the sandbox uses none: %v", iso.Notes)
	}
	if iso.Complete() != (iso.Seccomp && iso.DiskLimit && iso.Cgroup != CgroupNone) {
		t.Errorf("Complete() = %v for %+v", iso.Complete(), iso)
	}

	off := newBundle(t, Config{Cgroups: CgroupNone})
	if got := off.sb.Isolation(); got.Cgroup != CgroupNone || got.Complete() || len(got.Notes) == 0 {
		t.Errorf("with Cgroups: none, isolation = %+v, want no cgroup and a note", got)
	}
}

// requireCgroups fails a test that needs cgroups on a host that has them
// but where the sandbox found none, and skips it on a host without any.
func requireCgroups(t *testing.T, tb *testBundle) {
	t.Helper()
	if tb.sb.Isolation().Cgroup != CgroupNone {
		return
	}
	if hostHasCgroups(t) {
		t.Fatalf("the host has cgroups but the sandbox found none: %v", tb.sb.Isolation().Notes)
	}
	t.Skip("this host has no cgroup memory controller")
}

// spreadMemory starts n processes that each fill and hold mib MiB, less
// than the per-process limit, then waits for all of them.
func spreadMemory(n, mib int) string {
	return "python3 -c '\n" +
		"import os, time\n" +
		"kids = []\n" +
		"for _ in range(" + strconv.Itoa(n) + "):\n" +
		"    pid = os.fork()\n" +
		"    if pid == 0:\n" +
		"        b = bytearray(" + strconv.Itoa(mib) + " << 20)\n" +
		"        for i in range(0, len(b), 4096): b[i] = 1\n" +
		"        time.sleep(2)\n" +
		"        os._exit(0)\n" +
		"    kids.append(pid)\n" +
		"bad = 0\n" +
		"for k in kids:\n" +
		"    _, st = os.waitpid(k, 0)\n" +
		"    bad += st != 0\n" +
		"print(\"children failed:\", bad)\n" +
		"raise SystemExit(1 if bad else 0)\n'"
}

func TestRun_MemoryOfTheWholeRun(t *testing.T) {
	tb := setup(t, Config{})
	requireCgroups(t, tb)
	// 8 processes of 100 MiB each stay under a per-process limit of 256
	// MiB but not under 256 MiB for the run.
	lim := Limits{MemoryBytes: 256 << 20, WallTime: 20 * time.Second}
	res := tb.run(t, Spec{Command: spreadMemory(8, 100), Limits: lim})
	if res.Limit != LimitMemory || !strings.HasPrefix(res.Reason, "memory limit of 256 MiB exceeded") {
		t.Errorf("8 × 100 MiB under 256 MiB: limit %q, reason %q, stdout %q, stderr %q; want memory",
			res.Limit, res.Reason, res.Stdout, res.Stderr)
	}
	// The same load fits a run without cgroups, where only each process
	// is bounded: the cgroup is what caught it above.
	off := newBundle(t, Config{Cgroups: CgroupNone})
	res = off.run(t, Spec{Command: spreadMemory(8, 100), Limits: lim})
	if res.ExitCode != 0 {
		t.Errorf("without cgroups: %s, stdout %q, stderr %q; want success", res.Reason, res.Stdout, res.Stderr)
	}
	// What fits the run's limit runs.
	res = tb.run(t, Spec{Command: spreadMemory(2, 50), Limits: lim})
	if res.ExitCode != 0 {
		t.Errorf("2 × 50 MiB under 256 MiB: %s, stderr %q", res.Reason, res.Stderr)
	}
	tb.assertNoneLeft(t)
}

func TestRun_MemoryCountsTmpfs(t *testing.T) {
	tb := setup(t, Config{})
	requireCgroups(t, tb)
	// /dev/shm holds up to 128 MiB, the run 96 MiB: filling /dev/shm
	// must hit the run's memory limit, not merely the tmpfs size.
	res := tb.run(t, Spec{Command: "head -c 60000000 /dev/zero > /dev/shm/a && head -c 60000000 /dev/zero > /dev/shm/b && echo done",
		Limits: Limits{MemoryBytes: 96 << 20}})
	if res.Limit != LimitMemory {
		t.Errorf("120 MB in /dev/shm under 96 MiB: limit %q, reason %q, stdout %q, stderr %q; want memory",
			res.Limit, res.Reason, res.Stdout, res.Stderr)
	}
}

func TestRun_ProcessesOfTheWholeRun(t *testing.T) {
	tb := setup(t, Config{})
	requireCgroups(t, tb)
	res := tb.run(t, Spec{Command: "for i in $(seq 40); do sleep 5 & done; wait",
		Limits: Limits{Processes: 16, WallTime: 10 * time.Second}})
	if res.Limit != LimitProcesses || !strings.Contains(res.Reason, "process limit of 16") {
		t.Errorf("40 processes under 16: limit %q, reason %q, stderr %q", res.Limit, res.Reason, res.Stderr)
	}
	tb.assertNoneLeft(t)
}

func TestRun_CPUQuota(t *testing.T) {
	tb := setup(t, Config{})
	requireCgroups(t, tb)
	// Two busy processes for one second of wall time under a quota of
	// half a CPU get about half a CPU-second between them, far from the
	// two CPU-seconds the machine would give them.
	cmd := "python3 -c '\n" +
		"import os, time\n" +
		"pid = os.fork()\n" +
		"end = time.time() + 1\n" +
		"while time.time() < end: pass\n" +
		"if pid == 0: os._exit(0)\n" +
		"os.waitpid(pid, 0)\n" +
		"t = os.times()\n" +
		"print(t.user + t.system + t.children_user + t.children_system)\n'"
	res := tb.run(t, Spec{Command: cmd, Limits: Limits{CPUs: 0.5}})
	used, err := strconv.ParseFloat(strings.TrimSpace(string(res.Stdout)), 64)
	if res.ExitCode != 0 || err != nil {
		t.Fatalf("run: %s, stdout %q, stderr %q", res.Reason, res.Stdout, res.Stderr)
	}
	if used > 0.9 {
		t.Errorf("two processes used %.2f CPU-seconds in one second under a quota of 0.5 CPU", used)
	}
}

func TestRun_DiskLimit(t *testing.T) {
	tb := setup(t, Config{})
	w, err := tb.sb.NewWorkDir(8 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if w.Size != 8<<20 {
		t.Fatalf("work dir size %d, want 8 MiB (isolation %+v)", w.Size, tb.sb.Isolation())
	}
	// Many files, each under the file size limit.
	res := tb.run(t, Spec{Dir: w.Path, Command: "for i in $(seq 20); do head -c 1048576 /dev/zero > f$i || exit 1; done"})
	if res.Limit != LimitDisk || res.Reason != "disk limit of 8 MiB exceeded" {
		t.Errorf("20 MiB in 8 MiB: limit %q, reason %q, stderr %q", res.Limit, res.Reason, res.Stderr)
	}
	// Empty files cannot exhaust the kernel either.
	res = tb.run(t, Spec{Dir: w.Path, Command: "rm -f f*; i=0; while true 2>/dev/null > e$i; do i=$((i+1)); done; echo $i"})
	if n, _ := strconv.Atoi(strings.TrimSpace(string(res.Stdout))); n == 0 || n > 20000 {
		t.Errorf("made %q empty files before failing (%s); want a bound", res.Stdout, res.Reason)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Path); !errors.Is(err, os.ErrNotExist) || mountsBelow(w.Path) != 0 {
		t.Errorf("after Close: stat %v, %d mounts left", err, mountsBelow(w.Path))
	}
}

func TestWorkDir_Freeze(t *testing.T) {
	tb := setup(t, Config{})
	w, err := tb.sb.NewWorkDir(0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Size != DiskBytesDefault {
		t.Errorf("default size %d, want %d", w.Size, DiskBytesDefault)
	}
	res := tb.run(t, Spec{Dir: w.Path, Command: "echo built > prog"})
	if res.ExitCode != 0 {
		t.Fatalf("build: %s %s", res.Reason, res.Stderr)
	}
	if err := w.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.Path, "prog"), []byte("changed"), 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("writing to a frozen work dir: %v, want EROFS", err)
	}
	if b, _ := os.ReadFile(filepath.Join(w.Path, "prog")); string(b) != "built\n" {
		t.Errorf("frozen output = %q", b)
	}
}

func TestRun_ReadOnlyBinds(t *testing.T) {
	tb := setup(t, Config{})
	tests, err := tb.sb.NewWorkDir(0)
	if err != nil {
		t.Fatal(err)
	}
	defer tests.Close()
	if err := os.MkdirAll(filepath.Join(tests.Path, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"test_x.py", "sub/data.txt"} {
		if err := os.WriteFile(filepath.Join(tests.Path, f), []byte("kept back "+f+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := tb.sb.NewWorkDir(0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := os.WriteFile(filepath.Join(w.Path, "test_x.py"), []byte("the student's own version\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	binds := []Bind{{Source: filepath.Join(tests.Path, "test_x.py"), Target: "test_x.py"},
		{Source: filepath.Join(tests.Path, "sub/data.txt"), Target: "data/in.txt"}}
	attempts := []string{
		"echo pass > test_x.py", "rm -f test_x.py", "mv -f other test_x.py", "chmod 777 test_x.py",
		"ln -sf /etc/passwd test_x.py", "rm -rf data", "echo x > data/in.txt", "mv data moved",
	}
	script := "cat test_x.py data/in.txt; echo other > other"
	for _, a := range attempts {
		script += "; " + a + " 2>/dev/null && echo 'ALLOWED: " + a + "'"
	}
	res := tb.run(t, Spec{Dir: w.Path, ReadOnly: binds, Command: script + "; cat test_x.py; true"})
	want := "kept back test_x.py\nkept back sub/data.txt\nkept back test_x.py\n"
	if string(res.Stdout) != want {
		t.Errorf("stdout %q, want %q (stderr %q)", res.Stdout, want, res.Stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(tests.Path, "test_x.py")); string(b) != "kept back test_x.py\n" {
		t.Errorf("the test file on the host is now %q", b)
	}

	for _, bad := range []Bind{
		{Source: filepath.Join(tests.Path, "test_x.py"), Target: "../escape"},
		{Source: filepath.Join(tests.Path, "test_x.py"), Target: "/abs"},
		{Source: filepath.Join(tests.Path, "test_x.py"), Target: ""},
		{Source: "relative", Target: "x"},
		{Source: filepath.Join(tests.Path, "missing"), Target: "x"},
	} {
		if _, err := tb.sb.Run(context.Background(), Spec{Dir: w.Path, Command: "true", ReadOnly: []Bind{bad}}); !errors.Is(err, derrors.Invalid) {
			t.Errorf("bind %+v: %v, want derrors.Invalid", bad, err)
		}
	}
}

// ptraceMe makes the ptrace(PTRACE_TRACEME) system call, which any
// process may make on itself, and prints its result and errno.
const ptraceMe = `python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); ` +
	`r = libc.syscall(101, 0, 0, 0, 0); print(r, os.strerror(ctypes.get_errno()) if r else "ok")'`

func TestRun_Seccomp(t *testing.T) {
	tb := setup(t, Config{Slots: 1})
	res := tb.run(t, Spec{Command: ptraceMe})
	if got := strings.TrimSpace(string(res.Stdout)); got != "-1 Operation not permitted" {
		t.Errorf("ptrace in the sandbox: %q (stderr %q), want it denied", got, res.Stderr)
	}
	// The filter is what denies it: without it, the same call works.
	filter := tb.sb.seccomp
	tb.sb.seccomp = nil
	res = tb.run(t, Spec{Command: ptraceMe})
	tb.sb.seccomp = filter
	if got := strings.TrimSpace(string(res.Stdout)); got != "0 ok" {
		t.Errorf("ptrace without the filter: %q (stderr %q), want it allowed", got, res.Stderr)
	}
	// Further denied calls, each of which an unprivileged process could
	// otherwise make.
	for _, c := range []struct{ name, call string }{
		{"keyctl", "libc.syscall(250, 0, -3, 1)"},          // KEYCTL_GET_KEYRING_ID of the session keyring
		{"personality", "libc.syscall(135, 0xffffffff)"},   // query
		{"io_uring_setup", "libc.syscall(425, 1, params)"}, // one entry
		{"perf_event_open", "libc.syscall(298, 0, 0, -1, -1, 0)"},
	} {
		script := `python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); params = ctypes.create_string_buffer(120); ` +
			`r = ` + c.call + `; print(r, ctypes.get_errno())'`
		res := tb.run(t, Spec{Command: script})
		if got := strings.TrimSpace(string(res.Stdout)); got != "-1 "+strconv.Itoa(int(syscall.EPERM)) {
			t.Errorf("%s in the sandbox: %q (stderr %q), want -1 EPERM", c.name, got, res.Stderr)
		}
	}
	// Ordinary programs are unaffected.
	if res := tb.run(t, Spec{Command: "python3 -c 'import subprocess, threading; print(subprocess.run([\"echo\", \"ok\"], capture_output=True).stdout)'"}); res.ExitCode != 0 {
		t.Errorf("a program that forks and threads: %s %s", res.Reason, res.Stderr)
	}
}

func TestSeccompFilter(t *testing.T) {
	t.Parallel()
	f, err := seccompFilter()
	if err != nil {
		t.Fatal(err)
	}
	if len(f)%8 != 0 || len(f)/8 < len(DeniedSyscalls) || len(f)/8 > 4096 {
		t.Errorf("filter of %d bytes: want whole sock_filter entries, one or more per denied call, under BPF's 4096", len(f))
	}
}

func TestWorkRoot_Refused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root")
	}
	t.Parallel()
	base := searchableDir(t)
	real := filepath.Join(base, "real")
	link := filepath.Join(base, "link")
	foreign := filepath.Join(base, "foreign")
	open := filepath.Join(base, "open")
	file := filepath.Join(base, "file")
	closed := filepath.Join(base, "closed")
	for _, d := range []string{real, foreign, open} {
		if err := os.Mkdir(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(foreign, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ root, want string }{
		{link, "symbolic link"},
		{foreign, "owned by uid 1234"},
		{open, "writable by others"},
		{file, "not a directory"},
		{closed, "which the sandbox users cannot search"},
		{"relative", "not an absolute path"},
	} {
		err := checkRoot(tt.root)
		if !errors.Is(err, derrors.Invalid) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.root) {
			t.Errorf("checkRoot(%s) = %v, want an error naming it and saying %q", tt.root, err, tt.want)
		}
		if _, err := NewBubblewrap(Config{WorkRoot: tt.root, UIDBase: int(nextUIDBase.Add(16)) - 16, Slots: 1}); err == nil ||
			!strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewBubblewrap with work root %s: %v, want refused", tt.root, err)
		}
	}
	for _, ok := range []string{real, os.TempDir()} {
		if err := checkRoot(ok); err != nil {
			t.Errorf("checkRoot(%s) = %v", ok, err)
		}
	}
	// A missing work root is made.
	missing := filepath.Join(base, "missing", "work")
	sb, err := NewBubblewrap(Config{WorkRoot: missing, UIDBase: int(nextUIDBase.Add(16)) - 16, Slots: 1})
	if err != nil {
		t.Fatalf("NewBubblewrap with a missing work root: %v", err)
	}
	_ = sb.Close()
}

func TestWorkRoot_RefusedParents(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root")
	}
	t.Parallel()
	base := searchableDir(t)
	users := filepath.Join(base, "alice")
	open := filepath.Join(base, "open")
	for _, d := range []string{filepath.Join(users, "work"), filepath.Join(open, "work")} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(users, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ root, want string }{
		{filepath.Join(users, "work"), "parent " + users + " is owned by uid 1234"},
		{filepath.Join(open, "work"), "parent " + open + " is writable by others"},
	} {
		if err := checkRoot(tt.root); !errors.Is(err, derrors.Invalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checkRoot(%s) = %v, want %q", tt.root, err, tt.want)
		}
	}
}

func TestUIDRangeInUse(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root")
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	saved := idFiles
	defer func() { idFiles = saved }()
	base := int(nextUIDBase.Add(16)) - 16
	idFiles.passwd = write("passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	idFiles.group = write("group", "root:x:0:\n")
	idFiles.subuid = write("subuid", "alice:100000:65536\n")
	// bob's container ids cover the sandbox's.
	idFiles.subgid = write("subgid", fmt.Sprintf("alice:100000:65536\nbob:%d:65536\n", base-100))
	_, err := NewBubblewrap(Config{UIDBase: base, Slots: 1})
	if !errors.Is(err, derrors.Invalid) || !strings.Contains(err.Error(), "gives bob the ids") {
		t.Errorf("a range inside /etc/subgid: %v, want refused naming bob", err)
	}
	idFiles.subgid = write("subgid", "")
	idFiles.group = write("group", fmt.Sprintf("root:x:0:\nsneaky:x:%d:\n", base+1))
	if _, err := NewBubblewrap(Config{UIDBase: base, Slots: 1}); !errors.Is(err, derrors.Invalid) || !strings.Contains(err.Error(), "sneaky") {
		t.Errorf("the shared group is a host group: %v, want refused", err)
	}
	// A claimed range skips one in use.
	idFiles.group = write("group", "root:x:0:\n")
	idFiles.subuid = write("subuid", fmt.Sprintf("carol:%d:10\n", UIDBaseDefault+5))
	got, lock, err := claimUIDRange(2)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if got == UIDBaseDefault {
		t.Errorf("claimed %d, which /etc/subuid gives carol", got)
	}
	if who, used := idsInUse(got, got+999, true); used {
		t.Errorf("claimed %d, in use: %s", got, who)
	}
}

func TestWorkRoot_PrivateAndCleaned(t *testing.T) {
	tb := setup(t, Config{})
	fi, err := os.Lstat(tb.sb.workDir)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o710 || int(st.Uid) != os.Geteuid() || int(st.Gid) != tb.sb.gid {
		t.Errorf("work dir %s: mode %04o owner %d:%d; want 0710, this process, group %d", tb.sb.workDir, fi.Mode().Perm(), st.Uid, st.Gid, tb.sb.gid)
	}
	// Another local user can neither list it nor enter it.
	out, err := exec.Command("setpriv", "--reuid=4321", "--regid=4321", "--clear-groups", "ls", tb.sb.workDir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("another user lists the work dir: %v %s", err, out)
	}

	// The directory of a process that died, with a tmpfs still mounted,
	// is removed by the next Bubblewrap on the same root.
	root := searchableDir(t)
	stale := filepath.Join(root, workPrefix+"dead")
	if err := os.MkdirAll(filepath.Join(stale, "run-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, lockName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", filepath.Join(stale, "run-1"), "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	sb, err := NewBubblewrap(Config{WorkRoot: root, UIDBase: int(nextUIDBase.Add(16)) - 16, Slots: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) || mountsBelow(stale) != 0 {
		t.Errorf("stale work dir: %v, %d mounts", err, mountsBelow(stale))
	}
	// One in use (its lock held) is left alone.
	w, err := sb.NewWorkDir(0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewBubblewrap(Config{WorkRoot: root, UIDBase: int(nextUIDBase.Add(16)) - 16, Slots: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Path); err != nil || mountsBelow(w.Path) != 1 {
		t.Errorf("a live work dir was touched by another Bubblewrap: %v, %d mounts", err, mountsBelow(w.Path))
	}
	_ = other.Close()
	dir := sb.workDir
	_ = sb.Close()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) || mountsBelow(dir) != 0 {
		t.Errorf("after Close: %v, %d mounts left", err, mountsBelow(dir))
	}
}

func TestUIDLockDir_Refused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root")
	}
	base := t.TempDir()
	link := filepath.Join(base, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(base, "foreign")
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(foreign, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	saved := uidLockDirs
	defer func() { uidLockDirs = saved }()
	for _, tt := range []struct{ dir, want string }{{link, "not a directory"}, {foreign, "owned by uid 1234"}} {
		uidLockDirs = []string{tt.dir}
		if _, err := uidLockDir(); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.dir) {
			t.Errorf("uidLockDir with %s: %v, want refused naming it", tt.dir, err)
		}
	}
	fresh := filepath.Join(base, "fresh")
	uidLockDirs = []string{fresh}
	if dir, err := uidLockDir(); err != nil || dir != fresh {
		t.Errorf("uidLockDir = %q, %v", dir, err)
	} else if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o700 {
		t.Errorf("made with mode %04o", fi.Mode().Perm())
	}
}

// Processes starting at once on one work root each clean up stale
// directories: none may take another's fresh directory for a stale one
// (its lock file not yet locked). Goroutines stand in for processes: each
// open of the lock file is its own flock.
func TestWorkRootsStartingAtOnce(t *testing.T) {
	t.Parallel()
	root := searchableDir(t)
	for range 20 {
		type opened struct {
			dir  string
			lock *os.File
			err  error
		}
		results := make(chan opened, 8)
		for range 8 {
			go func() {
				dir, lock, err := openWorkRoot(root, os.Getegid())
				results <- opened{dir, lock, err}
			}()
		}
		for range 8 {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			if _, err := os.Stat(filepath.Join(r.dir, lockName)); err != nil {
				t.Errorf("a fresh work dir was removed by another start: %v", err)
			}
			defer r.lock.Close()
		}
	}
}

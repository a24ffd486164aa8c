package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// nextUIDBase gives every test's Bubblewrap its own uid range, so that
// parallel tests never see each other's processes.
var nextUIDBase atomic.Int64

// Each test binary starts at its own place, so that a run's leftovers of
// an earlier binary are no one's business.
func init() { nextUIDBase.Store(1_500_000_000 + int64(os.Getpid()%100_000)*1000) }

type testBundle struct {
	sb *Bubblewrap
	// work is a fresh work directory, with parents searchable by others.
	work string
	// secret is a world-readable file in a sibling directory, standing
	// for another student's repository.
	secret string
}

// setup returns a Bubblewrap with its own uid range, a work directory
// and a secret beside it.
func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root: run the tests as root (CI does)")
	}
	t.Parallel()
	return newBundle(t, cfg)
}

// newBundle is setup for a second Bubblewrap in the same test.
func newBundle(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	if cfg.Slots == 0 {
		cfg.Slots = 2
	}
	cfg.UIDBase = int(nextUIDBase.Add(16)) - 16
	sb, err := NewBubblewrap(cfg)
	if err != nil {
		t.Fatalf("NewBubblewrap: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	other := searchableDir(t)
	secret := filepath.Join(other, "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testBundle{sb: sb, work: searchableDir(t), secret: secret}
}

// searchableDir returns a t.TempDir whose parents others may search, as
// a work directory's must be.
func searchableDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// run runs s in the bundle's work dir unless s.Dir is set, and fails the
// test on an error.
func (tb *testBundle) run(t *testing.T, s Spec) *Result {
	t.Helper()
	if s.Dir == "" {
		s.Dir = tb.work
	}
	res, err := tb.sb.Run(context.Background(), s)
	if err != nil {
		t.Fatalf("Run(%q): %v", s.Command, err)
	}
	return res
}

// assertNoneLeft checks that no process of the Bubblewrap's uids
// survives and that none had to be killed by uid after the run: the pid
// namespace alone took care of them.
func (tb *testBundle) assertNoneLeft(t *testing.T) {
	t.Helper()
	for i := range tb.sb.cfg.Slots {
		if pids := processesOf(tb.sb.cfg.UIDBase + i); len(pids) > 0 {
			t.Errorf("processes of uid %d left: %v", tb.sb.cfg.UIDBase+i, pids)
		}
	}
	if n := tb.sb.stragglers.Load(); n != 0 {
		t.Errorf("%d processes outlived their run and had to be killed by uid", n)
	}
}

func TestRun_Basics(t *testing.T) {
	tb := setup(t, Config{Slots: 1})
	uid := strconv.Itoa(tb.sb.cfg.UIDBase)
	tests := []struct {
		name     string
		spec     Spec
		exitCode int
		stdout   string
		stderr   string
		reason   string
	}{
		{name: "echo", spec: Spec{Command: "echo hello"}, stdout: "hello\n", reason: "exit code 0"},
		{name: "exit code", spec: Spec{Command: "echo oops >&2; exit 3"}, exitCode: 3, stderr: "oops\n", reason: "exit code 3"},
		{name: "stdin", spec: Spec{Command: "tr a-z A-Z", Stdin: []byte("shout")}, stdout: "SHOUT"},
		{name: "no stdin", spec: Spec{Command: "cat"}},
		{name: "env", spec: Spec{Command: `echo "$PATH|$HOME|$LANG|$GREETING|$(env | wc -l)"`, Env: []string{"GREETING=hi there"}},
			stdout: "/usr/local/bin:/usr/bin:/bin|/work|C.UTF-8|hi there|5\n"},
		{name: "env overrides base", spec: Spec{Command: `echo "$LANG"`, Env: []string{"LANG=de_AT.UTF-8"}}, stdout: "de_AT.UTF-8\n"},
		{name: "cwd", spec: Spec{Command: "pwd"}, stdout: "/work\n"},
		// The second group is the one that lets bwrap reach the work
		// dirs; unmapped in the sandbox, it shows as nogroup.
		{name: "unprivileged uid", spec: Spec{Command: "id -u; id -g; id -G; whoami"}, stdout: uid + "\n" + uid + "\n" + uid + " 65534\nsandbox\n"},
		{name: "hostname", spec: Spec{Command: "hostname"}, stdout: "sandbox\n"},
		// The shell alone sees /proc's pids: its own and bwrap's pid 1. (A
		// pipeline would count its processes as they happen to start.)
		{name: "own pid namespace", spec: Spec{Command: "set -- /proc/[0-9]*; echo $#"}, stdout: "2\n"},
		{name: "signal", spec: Spec{Command: "kill -SEGV $$"}, exitCode: -1, reason: "killed by signal SIGSEGV"},
		{name: "missing runtime", spec: Spec{Command: "python4 -c 1"}, exitCode: 127, reason: "command not found: python4"},
		{name: "missing program", spec: Spec{Command: "echo start; ./no-such-binary"}, exitCode: 127, stdout: "start\n", reason: "command not found: ./no-such-binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.run(t, tt.spec)
			if res.ExitCode != tt.exitCode || string(res.Stdout) != tt.stdout || res.Limit != "" {
				t.Errorf("got exit %d, limit %q, stdout %q (stderr %q); want exit %d, no limit, stdout %q",
					res.ExitCode, res.Limit, res.Stdout, res.Stderr, tt.exitCode, tt.stdout)
			}
			if tt.stderr != "" && string(res.Stderr) != tt.stderr {
				t.Errorf("stderr = %q, want %q", res.Stderr, tt.stderr)
			}
			if tt.reason != "" && res.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", res.Reason, tt.reason)
			}
		})
	}
	tb.assertNoneLeft(t)
}

func TestRun_WorkDirOwnership(t *testing.T) {
	tb := setup(t, Config{})
	if err := os.WriteFile(filepath.Join(tb.work, "given.txt"), []byte("from the caller\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := tb.run(t, Spec{Command: "cat given.txt && echo made > out.txt && mkdir -p sub/dir && " +
		"cp /bin/true setuid && chmod 6755 setuid && ln -s /etc/shadow link && stat -c %u given.txt"})
	lines := strings.Split(string(res.Stdout), "\n")
	if res.ExitCode != 0 || len(lines) != 3 || lines[0] != "from the caller" {
		t.Fatalf("run: %s, stdout %q, stderr %q", res.Reason, res.Stdout, res.Stderr)
	}
	// Inside, the work dir belongs to the run's uid.
	if owner, _ := strconv.Atoi(lines[1]); owner != tb.sb.cfg.UIDBase && owner != tb.sb.cfg.UIDBase+1 {
		t.Errorf("given.txt is owned by %d inside the sandbox, want a slot uid", owner)
	}
	err := filepath.Walk(tb.work, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid() {
			t.Errorf("%s is owned by %d:%d after the run, want the caller", path, st.Uid, st.Gid)
		}
		if fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
			t.Errorf("%s keeps mode %v after the run", path, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(tb.work, "out.txt")); err != nil || string(b) != "made\n" {
		t.Errorf("out.txt = %q, %v", b, err)
	}
}

func TestRun_WallTime(t *testing.T) {
	tb := setup(t, Config{Slots: 1})
	tests := []struct {
		name    string
		command string
	}{
		{"shell loop", "sleep 1000 & while :; do :; done"},
		{"python loop", "sleep 1000 & python3 -c 'while True: pass'"},
		{"sleeping", "(sleep 1000 &) ; sleep 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.run(t, Spec{Command: tt.command, Limits: Limits{WallTime: time.Second, CPUTime: 5 * time.Second}})
			if res.Limit != LimitWallTime || res.ExitCode != -1 || res.Reason != "time limit of 1s exceeded" {
				t.Errorf("got limit %q, exit %d, reason %q; want wall_time", res.Limit, res.ExitCode, res.Reason)
			}
			if res.Duration < time.Second || res.Duration > 5*time.Second {
				t.Errorf("duration %v, want about 1s", res.Duration)
			}
			tb.assertNoneLeft(t)
		})
	}
}

func TestRun_CPUTime(t *testing.T) {
	tb := setup(t, Config{})
	res := tb.run(t, Spec{Command: "while :; do :; done", Limits: Limits{WallTime: 20 * time.Second, CPUTime: time.Second}})
	if res.Limit != LimitCPUTime || res.ExitCode != -1 || res.Reason != "CPU time limit of 1s exceeded" {
		t.Errorf("got limit %q, exit %d, reason %q; want cpu_time", res.Limit, res.ExitCode, res.Reason)
	}
	// One second of CPU takes at least a second; under load much longer.
	if res.Duration < time.Second {
		t.Errorf("duration %v, want at least 1s", res.Duration)
	}
	tb.assertNoneLeft(t)
}

func TestRun_ForkBomb(t *testing.T) {
	tb := setup(t, Config{Slots: 1})
	uid := tb.sb.cfg.UIDBase
	tests := []struct {
		name    string
		command string
	}{
		{"shell", "bomb() { bomb | bomb & }; bomb; sleep 100"},
		{"python", "python3 -c 'import os\nwhile True: os.fork()'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const limit = 32
			// Watch the uid's process count while the bomb goes off.
			var peak atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						if n := int64(len(processesOf(uid))); n > peak.Load() {
							peak.Store(n)
						}
					}
				}
			})
			res := tb.run(t, Spec{Command: tt.command, Limits: Limits{WallTime: 3 * time.Second, Processes: limit}})
			close(stop)
			wg.Wait()
			if res.Limit != LimitWallTime && res.Limit != LimitProcesses {
				t.Errorf("got limit %q, reason %q, stderr %.200q; want wall_time or processes", res.Limit, res.Reason, res.Stderr)
			}
			// Processes of the uid in the sandbox: the limit (which
			// includes bwrap's two) plus the outside bwrap.
			// Forks failed: the limit was reached.
			if !containsAny(bytes.ToLower(res.Stderr), forkPatterns) {
				t.Errorf("no failed fork in stderr %.300q", res.Stderr)
			}
			if p := peak.Load(); p > limit+1 {
				t.Errorf("peak of %d processes, want at most %d", p, limit+1)
			}
			t.Logf("%s, peak of %d processes", res.Reason, peak.Load())
			if out, err := exec.Command("/bin/true").CombinedOutput(); err != nil {
				t.Errorf("the host cannot start a process after the bomb: %v %s", err, out)
			}
			tb.assertNoneLeft(t)
		})
	}
}

func TestRun_Memory(t *testing.T) {
	tb := setup(t, Config{})
	res := tb.run(t, Spec{Command: "python3 -c 'bytearray(4<<30)'"})
	if res.Limit != LimitMemory || res.ExitCode != 1 || !strings.HasPrefix(res.Reason, "memory limit of 512 MiB exceeded") {
		t.Errorf("got limit %q, exit %d, reason %q, stderr %q; want memory", res.Limit, res.ExitCode, res.Reason, res.Stderr)
	}
	// Within the limit it works.
	res = tb.run(t, Spec{Command: "python3 -c 'print(len(bytearray(100<<20)))'"})
	if res.ExitCode != 0 || string(res.Stdout) != strconv.Itoa(100<<20)+"\n" {
		t.Errorf("100 MiB: %s, stderr %q", res.Reason, res.Stderr)
	}
}

func TestRun_Output(t *testing.T) {
	tb := setup(t, Config{})
	tests := []struct {
		name    string
		command string
		stream  func(*Result) []byte
	}{
		{"stdout", "yes | head -c 1073741824", func(r *Result) []byte { return r.Stdout }},
		{"stderr", "python3 -c 'import sys\nwhile True: sys.stderr.write(\"x\" * 65536)'", func(r *Result) []byte { return r.Stderr }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.run(t, Spec{Command: tt.command, Limits: Limits{WallTime: 30 * time.Second}})
			if res.Limit != LimitOutput || res.ExitCode != -1 || res.Reason != "output limit of 1 MiB exceeded" {
				t.Errorf("got limit %q, exit %d, reason %q; want output", res.Limit, res.ExitCode, res.Reason)
			}
			if n := len(tt.stream(res)); n != OutputBytesDefault {
				t.Errorf("kept %d bytes, want %d", n, OutputBytesDefault)
			}
			if res.Duration > 5*time.Second {
				t.Errorf("took %v to stop at the output limit", res.Duration)
			}
		})
	}
	tb.assertNoneLeft(t)
}

func TestRun_Network(t *testing.T) {
	tb := setup(t, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	// The control shows that the same code reaches the port from the host.
	connect := fmt.Sprintf("python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", %d), timeout=3); print(\"connected\")'", port)
	control := exec.Command("/bin/sh", "-c", connect)
	control.Env = []string{"PATH=/usr/bin:/bin"}
	if out, err := control.CombinedOutput(); err != nil || string(out) != "connected\n" {
		t.Fatalf("control connect from the host: %v %s", err, out)
	}
	<-accepted
	res := tb.run(t, Spec{Command: connect})
	if res.ExitCode == 0 || !bytes.Contains(res.Stderr, []byte("ConnectionRefusedError")) {
		t.Errorf("connect from the sandbox: %s, stdout %q, stderr %q; want connection refused", res.Reason, res.Stdout, res.Stderr)
	}
	select {
	case <-accepted:
		t.Error("the host listener accepted a connection from the sandbox")
	case <-time.After(100 * time.Millisecond):
	}
	res = tb.run(t, Spec{Command: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"})
	if string(res.Stdout) != "lo\n" {
		t.Errorf("network interfaces in the sandbox: %q (%s), want only lo", res.Stdout, res.Reason)
	}
}

func TestRun_Filesystem(t *testing.T) {
	tb := setup(t, Config{})
	// The secret is readable by anyone on the host who can reach it.
	control := tb.run(t, Spec{Command: "cat secret.txt", Dir: filepath.Dir(tb.secret)})
	if string(control.Stdout) != "top secret\n" {
		t.Fatalf("control read: %s, %q", control.Reason, control.Stderr)
	}
	mustFail := []struct {
		name    string
		command string
	}{
		{"read another directory", "cat " + tb.secret},
		{"list another directory", "ls " + filepath.Dir(tb.secret)},
		{"read the host root's files", "ls /root /home /var /srv /opt /run"},
		{"read shadow", "cat /etc/shadow"},
		{"write /usr", "touch /usr/pwned"},
		{"write /usr/local/bin", "echo x > /usr/local/bin/pwned"},
		{"write /etc", "echo x > /etc/pwned"},
		{"overwrite /etc/passwd", "echo x >> /etc/passwd"},
		{"write /", "touch /pwned"},
		{"write /dev", "touch /dev/pwned"},
		{"write /proc/sys", "echo 1 > /proc/sys/kernel/sysrq"},
		{"nested user namespace", "unshare -U -r true"},
	}
	for _, tt := range mustFail {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.run(t, Spec{Command: tt.command})
			if res.ExitCode == 0 || bytes.Contains(res.Stdout, []byte("secret")) {
				t.Errorf("%q: %s, stdout %q; want it to fail", tt.command, res.Reason, res.Stdout)
			}
		})
	}
	for _, p := range []string{"/usr/pwned", "/usr/local/bin/pwned", "/etc/pwned", "/pwned"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists on the host", p)
		}
	}
	res := tb.run(t, Spec{Command: "echo a > /tmp/a && echo b > /dev/shm/b && echo c > c && cat /tmp/a /dev/shm/b c"})
	if string(res.Stdout) != "a\nb\nc\n" {
		t.Errorf("writing /tmp, /dev/shm and /work: %s, %q", res.Reason, res.Stderr)
	}
	res = tb.run(t, Spec{Command: "ls /tmp"})
	if len(res.Stdout) != 0 {
		t.Errorf("/tmp is not private to a run: %q", res.Stdout)
	}
}

func TestRun_FileSize(t *testing.T) {
	tb := setup(t, Config{})
	tests := []struct {
		name     string
		command  string
		exitCode int
	}{
		// head dies of SIGXFSZ.
		{"signal", "head -c 2000000 /dev/zero > big", -1},
		// Python ignores SIGXFSZ and fails with EFBIG.
		{"error", "python3 -c 'open(\"big\", \"wb\").write(bytes(2000000))'", 1},
		{"tmp", "head -c 2000000 /dev/zero > /tmp/big", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tb.run(t, Spec{Command: tt.command, Limits: Limits{FileBytes: 1 << 20}})
			if res.Limit != LimitFileSize || res.ExitCode != tt.exitCode || res.Reason != "file size limit of 1 MiB exceeded" {
				t.Errorf("got limit %q, exit %d, reason %q, stderr %q; want file_size, exit %d",
					res.Limit, res.ExitCode, res.Reason, res.Stderr, tt.exitCode)
			}
		})
	}
	res := tb.run(t, Spec{Command: "head -c 500000 /dev/zero > small && wc -c < small", Limits: Limits{FileBytes: 1 << 20}})
	if res.ExitCode != 0 || string(res.Stdout) != "500000\n" {
		t.Errorf("a file under the limit: %s, stderr %q", res.Reason, res.Stderr)
	}
}

func TestRun_ConcurrentUIDs(t *testing.T) {
	tb := setup(t, Config{Slots: 2})
	dirs := []string{tb.work, searchableDir(t)}
	uids := make([]string, 2)
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Go(func() {
			// Each run holds 8 processes at once (pid 1, the shell, six
			// sleeps): together they would exceed the limit of 10.
			res, err := tb.sb.Run(context.Background(), Spec{
				Command: "id -u; for i in 1 2 3 4 5 6; do sleep 1 & done; wait",
				Dir:     dir,
				Limits:  Limits{Processes: 10},
			})
			if err != nil || res.ExitCode != 0 {
				t.Errorf("run %d: %v %+v", i, err, res)
				return
			}
			uids[i] = strings.TrimSpace(string(res.Stdout))
		})
	}
	wg.Wait()
	base := tb.sb.cfg.UIDBase
	want := map[string]bool{strconv.Itoa(base): true, strconv.Itoa(base + 1): true}
	if uids[0] == uids[1] || !want[uids[0]] || !want[uids[1]] {
		t.Errorf("concurrent runs ran as uids %q, want %d and %d", uids, base, base+1)
	}
}

func TestRun_GCC(t *testing.T) {
	tb := setup(t, Config{})
	src := "#include <stdio.h>\nint main(void) { printf(\"hello %d\\n\", 6 * 7); return 0; }\n"
	if err := os.WriteFile(filepath.Join(tb.work, "hello.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res := tb.run(t, Spec{Command: "gcc -O2 -Wall -o hello hello.c && ./hello", Limits: Limits{WallTime: 60 * time.Second}})
	if res.ExitCode != 0 || string(res.Stdout) != "hello 42\n" {
		t.Fatalf("gcc: %s, stdout %q, stderr %q", res.Reason, res.Stdout, res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(tb.work, "hello")); err != nil {
		t.Errorf("the binary is not in the work dir: %v", err)
	}
}

func TestRun_Canceled(t *testing.T) {
	tb := setup(t, Config{})
	// Long enough for the sandbox to start on a loaded machine (at 300 ms
	// it sometimes had not, and there was no partial result to check).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	res, err := tb.sb.Run(ctx, Spec{Command: "echo started; sleep 100", Dir: tb.work})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if res == nil || res.ExitCode != -1 || res.Limit != "" || string(res.Stdout) != "started\n" {
		t.Errorf("partial result %+v", res)
	}
	tb.assertNoneLeft(t)
}

func TestRun_Validation(t *testing.T) {
	tb := setup(t, Config{})
	closed := t.TempDir()
	inClosed := filepath.Join(closed, "work")
	if err := os.Mkdir(inClosed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tb.work, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"no command", Spec{Command: " ", Dir: tb.work}, "Spec.Command is empty"},
		{"no dir", Spec{Command: "true"}, "Spec.Dir is empty"},
		{"relative dir", Spec{Command: "true", Dir: "work"}, "not absolute"},
		{"root", Spec{Command: "true", Dir: "/"}, "two levels below /"},
		{"top-level dir", Spec{Command: "true", Dir: "/usr"}, "two levels below /"},
		{"missing dir", Spec{Command: "true", Dir: filepath.Join(tb.work, "missing")}, "no such file"},
		{"file", Spec{Command: "true", Dir: file}, "not a directory"},
		{"closed parent", Spec{Command: "true", Dir: inClosed}, "cannot search"},
		{"bad env", Spec{Command: "true", Dir: tb.work, Env: []string{"NOEQUALS"}}, "Spec.Env"},
		{"empty env key", Spec{Command: "true", Dir: tb.work, Env: []string{"=x"}}, "Spec.Env"},
		{"negative limit", Spec{Command: "true", Dir: tb.work, Limits: Limits{MemoryBytes: -1}}, "Limits.MemoryBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tb.sb.Run(context.Background(), tt.spec)
			if !errors.Is(err, derrors.Invalid) || !strings.Contains(err.Error(), tt.want) || res != nil {
				t.Errorf("Run: %+v, %v; want derrors.Invalid mentioning %q", res, err, tt.want)
			}
		})
	}
}

func TestNewBubblewrap_Validation(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the sandbox must run as root: run the tests as root (CI does)")
	}
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"missing bwrap", Config{BwrapPath: "/nonexistent/bwrap"}, derrors.Unavailable},
		{"not bwrap", Config{BwrapPath: "/bin/false"}, derrors.Unavailable},
		{"root uid range", Config{UIDBase: 1}, derrors.Invalid},
		{"negative slots", Config{Slots: -1}, derrors.Invalid},
		{"missing read-only path", Config{ReadOnlyPaths: []string{"/nonexistent"}}, derrors.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewBubblewrap(tt.cfg); !errors.Is(err, tt.want) {
				t.Errorf("NewBubblewrap: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewBubblewrap_ReadOnlyPaths(t *testing.T) {
	extra := searchableDir(t)
	if err := os.WriteFile(filepath.Join(extra, "tool.txt"), []byte("tool\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := setup(t, Config{ReadOnlyPaths: []string{extra}})
	res := tb.run(t, Spec{Command: fmt.Sprintf("cat %s/tool.txt && touch %s/new", extra, extra)})
	if string(res.Stdout) != "tool\n" || res.ExitCode == 0 {
		t.Errorf("read-only path: %s, stdout %q, stderr %q; want readable, not writable", res.Reason, res.Stdout, res.Stderr)
	}
}

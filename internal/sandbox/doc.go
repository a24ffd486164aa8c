// Package sandbox runs untrusted student code — build and test commands —
// with bounded time, memory, processes, disk, files and output, without
// access to the network or to anything of the host but the system's
// programs, the run's own work directory and the files it is shown
// read-only.
//
// Tasks see only the [Runner] interface. [Bubblewrap] implements it.
//
// # Why bubblewrap
//
// [Bubblewrap] runs each command under bubblewrap (bwrap), the small,
// well-kept sandbox that Flatpak is built on. It is one setuid-free binary
// without a daemon: it puts the command in fresh Linux namespaces (user,
// mount, pid, network, ipc, uts, cgroup) and builds a root file system out
// of explicit read-only bind mounts, so the sandbox sees only what is
// listed. Nothing has to be configured on the host beyond installing the
// package (bubblewrap 0.8.0 or later, for --disable-userns and --size;
// Debian 12: apt-get install -y bubblewrap) on a kernel that allows
// unprivileged user namespaces. [NewBubblewrap] tries a run and fails
// clearly when any of this is missing.
//
// # What a run sees
//
// A run executes "/bin/sh -c Command" in a root file system that is a
// read-only tmpfs holding:
//
//   - /usr read-only, and /bin, /sbin, /lib, /lib64 as the host has them
//     (symbolic links into /usr on a merged-/usr system, else read-only
//     binds);
//   - a minimal /etc: synthetic passwd, group and hosts files that name
//     only the sandbox user, plus read-only binds of the host's
//     ld.so.cache, ld.so.conf, ld.so.conf.d, alternatives, nsswitch.conf
//     and localtime. Binding the whole of /etc would show the host's
//     configuration (and anything mistakenly left world-readable there) to
//     student code; these few files are what dynamic linking, Debian's
//     alternatives (cc, java, ...) and time zones need. Further host paths
//     (a JDK's /etc/java-17-openjdk, /opt/...) can be added read-only with
//     [Config.ReadOnlyPaths];
//   - a private /proc for its own pid namespace, a minimal /dev, and
//     private, size-bounded tmpfs mounts on /tmp and /dev/shm;
//   - [Spec.Dir] bound read-write at /work, which is the working directory
//     and HOME;
//   - [Spec.ReadOnly]: host files shown read-only inside /work, such as an
//     assignment's test files. Each is a mount point, and so is every
//     directory above one, so the run can neither change, remove or
//     replace such a file nor move its directory away and make another.
//
// Everything else of the host, such as other students' work directories
// and the data directory, is not mounted and so does not exist inside the
// sandbox. The network namespace holds only its own loopback interface.
// The environment is cleared and set to PATH=/usr/local/bin:/usr/bin:/bin,
// HOME=/work and LANG=C.UTF-8 plus [Spec.Env]. Nested user namespaces are
// disabled, and a seccomp filter (built in Go, handed to bwrap with
// --seccomp) makes each of [DeniedSyscalls] fail with EPERM: ptrace and
// the process_vm calls, mounts, unshare and setns, bpf, perf_event_open,
// userfaultfd, io_uring, keyrings, modules, kexec, clocks, swap, quotas
// and reboot. Calls in another architecture's convention (i386 through
// int 0x80 on x86-64, x32) fail with ENOSYS, so the list cannot be
// sidestepped.
//
// # Work directories and the host
//
// [Bubblewrap.NewWorkDir] makes each work directory a tmpfs of its own,
// nosuid and nodev, whose size bounds what a run may write there (and
// whose inodes are bounded too); writing past it fails the run with
// "disk limit of N MiB exceeded". Its pages count against the memory of
// the run that writes them. Where tmpfs cannot be mounted (no
// CAP_SYS_ADMIN), work directories are plain directories and nothing
// bounds the disk; [Isolation] says so.
//
// Work directories live in a directory of the Bubblewrap's own, made
// with an unpredictable name (os.MkdirTemp) in [Config.WorkRoot] (default:
// the system's temporary directory), owned by the caller with mode 0710
// and the sandbox users' shared group: no one else can enter, list or
// change it, so no local user can plant a symbolic link where a run's
// files are written. A work root that is a symbolic link, not owned by
// the caller or writable by others (other than a root-owned sticky
// directory such as /tmp) is refused at start with an error that names
// it. The directory holds a lock file while in use; a later Bubblewrap
// removes those of processes that died, detaching their mounts. The uid
// range locks live in /run/computor-sandbox (mode 0700), or in a checked
// directory of the temporary directory where /run is not writable.
//
// # Users
//
// The caller must run as root. Each of the [Config.Slots] concurrent runs
// (default: one per CPU) has its own unprivileged host uid and gid,
// [Config.UIDBase] plus the slot number, so that RLIMIT_NPROC of one run
// never counts another's processes; UIDBase+Slots is the group that may
// enter the work directories. The default range starts at 1,000,000,000,
// far above what Debian hands out, and a range that any user, group,
// /etc/subuid or /etc/subgid entry or running process uses is skipped (a
// configured one is refused): no local user may be able to become a slot
// uid. bwrap itself is started with that uid (never as root: a sandbox
// started by root would map to root outside), so the user namespace it
// creates maps the sandbox user to that uid only. Before a run the work
// directory is chowned to the slot's uid (through directory handles,
// never following a link); afterwards a bounded work directory is left as
// it is, to be unmounted, and any other is chowned back to the caller
// with setuid and setgid bits removed. A slot whose processes survive
// SIGKILL is taken out of service.
//
// # Limits
//
// Where the host allows it (cgroup v2, or the v1 memory, pids and cpu
// controllers), every run gets a cgroup of its own before bwrap starts
// (a gate shell holds bwrap back until it is in), whose limits hold for
// the run as a whole: [Limits.MemoryBytes] for every process and what
// they write to tmpfs (no swap), [Limits.Processes] processes, and a CPU
// quota of [Limits.CPUs]. The kernel's OOM killer ends a run that
// exceeds its memory; the cgroup's event counters say so afterwards. The
// parent cgroup is made below the worker's own; with v2 the worker moves
// itself into a leaf first, as container runtimes do. Where neither is
// usable, runs rely on rlimits alone: [Isolation] says so, the worker
// logs it at start, and GET /tasks/workers/status shows it.
//
// Rlimits, set by prlimit in the sandbox around the student's shell,
// bound each process in every case: RLIMIT_AS (at MemoryBytes),
// RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_CPU, RLIMIT_FSIZE and
// RLIMIT_CORE=0. Setting them there rather than on the bwrap process keeps
// them off bwrap's setup, and Go's os/exec cannot give a child rlimits
// without setting them on the whole server first. The wall time is
// enforced from Go: when it expires, or when either output stream passes
// [Limits.OutputBytes], Run kills the run's cgroup and sends SIGKILL to
// the sandbox's pid 1 (whose host pid bwrap reports on --info-fd) and to
// its process group. When pid 1 dies the kernel kills everything else in
// its pid namespace, including processes that left the group with
// setsid; bwrap's own process group is killed too if bwrap has not exited
// a second later. Before the slot is reused any process still owned by
// its uid is killed.
//
// bwrap exits as soon as the command has, without waiting for the
// sandbox's pid 1, which --die-with-parent then kills; that pid 1 is
// reaped by the host's init. Run the service under an init that reaps
// orphans (systemd, or docker run --init), not as pid 1 of a container,
// or these zombies pile up.
//
// # What the sandbox cannot do
//
// It contains student code; it cannot make a test trustworthy that runs
// student code inside its own process. In a command or junit test the
// student's code is loaded by the test program (unittest imports the
// student's module, JUnit its classes), so it can read the test files it
// was given, print them, or end the process with a passing exit code or a
// forged report before any test runs. An io test is judged outside the
// sandbox from the program's output, against expectations that never
// enter it: use io tests for what must not be gamed, and command or junit
// tests for feedback. The grading package keeps everything else out of
// reach: solutions, test.yaml and undeclared kept-back files never enter
// a sandbox, the build and io tests never see test files, and every test
// starts from a fresh copy of the student's files.
//
// # Classification
//
// [Result.Limit] names the limit that ended a run, following these rules
// in order:
//
//   - "output" and "wall_time" when Run killed the run for that reason;
//   - a run that exited with 0 hit no limit, whatever happened inside;
//   - "memory" when the run's cgroup counted an OOM kill;
//   - "disk" when its stderr says "No space left on device", or it left
//     its bounded work directory (nearly) full: "disk limit of N MiB
//     exceeded" (or "... for /tmp" when the work directory had room);
//   - "file_size" when the command died of SIGXFSZ, or failed with "File
//     too large" (EFBIG) in its stderr;
//   - "cpu_time" when it died of SIGXCPU, which the kernel sends at the
//     RLIMIT_CPU soft limit, or of a SIGKILL that Run did not send after
//     running at least as long as that limit (the hard limit, a second
//     above the soft one, kills a process that ignores SIGXCPU);
//   - "memory" when its stderr names a failed allocation: MemoryError,
//     "Cannot allocate memory", "out of memory", OutOfMemoryError,
//     bad_alloc, "memory exhausted" or "failed to allocate" (any case).
//     RLIMIT_AS makes an allocation fail rather than kill the process, so
//     this is a heuristic: a program that dereferences the NULL it got
//     dies of SIGSEGV with nothing in stderr and is reported as "killed by
//     signal SIGSEGV", and a program that prints such words and fails for
//     another reason is reported as memory;
//   - "processes" when its cgroup refused a fork, or its stderr shows a
//     failed fork: "Resource temporarily unavailable" (EAGAIN), "Cannot
//     fork", "can't fork" or "fork failed". A fork bomb usually keeps
//     retrying and ends by wall_time instead.
//
// bwrap reports a command killed by signal N as exit status 128+N; Run
// reads any status above 128 that names a signal as that signal, sets
// [Result.ExitCode] to -1 and [Result.Reason] to "killed by signal
// SIGSEGV". Exit status 127 with "not found" in stderr gives a Reason
// like "command not found: python4".
package sandbox

// Package sandbox runs untrusted student code — build and test commands —
// with bounded time, memory, processes, files and output, and without
// access to the network or to anything of the host but the system's
// programs and the student's own work directory.
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
// listed. Resource limits are plain rlimits, set by util-linux's prlimit
// inside the sandbox. Nothing has to be configured on the host beyond
// installing the package (bubblewrap 0.8.0 or later, for --disable-userns
// and --size; Debian 12: apt-get install -y bubblewrap) on a kernel that
// allows unprivileged user namespaces. [NewBubblewrap] tries a run and
// fails clearly when any of this is missing.
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
//     and HOME.
//
// Everything else of the host, such as other students' work directories
// and the data directory, is not mounted and so does not exist inside the
// sandbox. The network namespace holds only its own loopback interface.
// The environment is cleared and set to PATH=/usr/local/bin:/usr/bin:/bin,
// HOME=/work and LANG=C.UTF-8 plus [Spec.Env]. Nested user namespaces are
// disabled.
//
// # Users
//
// The caller must run as root. Each of the [Config.Slots] concurrent runs
// has its own unprivileged host uid and gid, [Config.UIDBase] plus the
// slot number, so that RLIMIT_NPROC of one run never counts another's
// processes. bwrap itself is started with that uid (never as root: a
// sandbox started by root would map to root outside), so the user
// namespace it creates maps the sandbox user to that uid only. Before a
// run the work directory is chowned to the slot's uid; afterwards it is
// chowned back to the caller and setuid and setgid bits are removed. Every
// parent directory of Dir must be searchable by others (mode 0711 or
// 0755), or Run fails with [ErrInvalid] naming the directory.
//
// # Limits
//
// [Limits] are rlimits set by prlimit in the sandbox, around the student's
// shell only: RLIMIT_AS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_CPU,
// RLIMIT_FSIZE, and RLIMIT_CORE=0. Setting them there rather than on the
// bwrap process keeps them off bwrap's setup (RLIMIT_AS and RLIMIT_NPROC
// would bind bwrap's own forks and mounts), and Go's os/exec cannot give
// a child rlimits without setting them on the whole server first.
// Rlimits are inherited, so they bind every process of the run, but
// RLIMIT_AS, RLIMIT_CPU and RLIMIT_FSIZE count per process, not for the
// run as a whole: the wall time limit is what bounds a run in total. The
// wall time is enforced from Go: when it expires, or when either output
// stream passes [Limits.OutputBytes], Run sends SIGKILL to the sandbox's
// pid 1 (whose host pid bwrap reports on --info-fd) and to its process
// group, which --new-session made the command's session. When pid 1 dies
// the kernel kills everything else in its pid namespace, including
// processes that left the group with setsid; bwrap's own process group is
// killed too if bwrap has not exited a second later. Before the slot is
// reused any process still owned by its uid is killed.
//
// Not bounded: the total disk space written below /work (RLIMIT_FSIZE
// bounds each file, not their number), so work directories belong on a
// file system with a quota or of bounded size. The tmpfs mounts on /tmp
// and /dev/shm take up to 2×[Limits.TmpBytes] of memory per run.
//
// bwrap exits as soon as the command has, without waiting for the
// sandbox's pid 1, which --die-with-parent then kills; that pid 1 is
// reaped by the host's init. Run the service under an init that reaps
// orphans (systemd, or docker run --init), not as pid 1 of a container,
// or these zombies pile up.
//
// # Classification
//
// [Result.Limit] names the limit that ended a run, following these rules
// in order:
//
//   - "output" and "wall_time" when Run killed the run for that reason;
//   - "file_size" when the command died of SIGXFSZ, or failed with "File
//     too large" (EFBIG) in its stderr;
//   - "cpu_time" when it died of SIGXCPU, which the kernel sends at the
//     RLIMIT_CPU soft limit, or of a SIGKILL that Run did not send after
//     running at least as long as that limit (the hard limit, a second
//     above the soft one, kills a process that ignores SIGXCPU; a SIGKILL
//     sooner is rather the kernel's OOM killer);
//   - "memory" when it failed (non-zero exit or a signal) and its stderr
//     names a failed allocation: MemoryError, "Cannot allocate memory",
//     "out of memory", OutOfMemoryError, bad_alloc, "memory exhausted" or
//     "failed to allocate" (any case). RLIMIT_AS makes an allocation fail
//     rather than kill the process, so this is a heuristic: a program that
//     dereferences the NULL it got dies of SIGSEGV with nothing in stderr
//     and is reported as "killed by signal SIGSEGV", and a program that
//     prints such words and fails for another reason is reported as
//     memory;
//   - "processes" when it failed and its stderr shows a failed fork:
//     "Resource temporarily unavailable" (EAGAIN), "Cannot fork", "can't
//     fork" or "fork failed". A fork bomb usually keeps retrying and ends
//     by wall_time instead.
//
// bwrap reports a command killed by signal N as exit status 128+N; Run
// reads any status above 128 that names a signal as that signal, sets
// [Result.ExitCode] to -1 and [Result.Reason] to "killed by signal
// SIGSEGV". Exit status 127 with "not found" in stderr gives a Reason
// like "command not found: python4".
package sandbox

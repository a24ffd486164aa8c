package sandbox

import (
	"bytes"
	"fmt"
	"regexp"
	"syscall"
	"time"
)

// outcome is how a run ended, as seen from outside the sandbox.
type outcome struct {
	// killedFor is LimitWallTime or LimitOutput when Run killed the run
	// for that limit, killedCanceled when it killed it because ctx ended,
	// and "" otherwise.
	killedFor string
	// status is bwrap's exit status; bwrap reports a command killed by
	// signal N as 128+N.
	status   int
	stderr   []byte
	duration time.Duration
	limits   Limits
	// oomKills and pidsMax count the cgroup's OOM kills and forks refused
	// at its process limit.
	oomKills, pidsMax int64
	// disk is the size of the run's bounded work dir (0: unbounded), and
	// diskFull says whether the run left it (nearly) full.
	disk     int64
	diskFull bool
}

// killedCanceled is outcome.killedFor for a run killed because the
// caller's ctx ended.
const killedCanceled = "canceled"

// Stderr patterns of the heuristics, matched in lower case.
var (
	memoryPatterns = [][]byte{
		[]byte("memoryerror"),
		[]byte("cannot allocate memory"),
		[]byte("out of memory"),
		[]byte("outofmemory"),
		[]byte("bad_alloc"),
		[]byte("memory exhausted"),
		[]byte("failed to allocate"),
	}
	forkPatterns = [][]byte{
		[]byte("resource temporarily unavailable"),
		[]byte("cannot fork"),
		[]byte("can't fork"),
		[]byte("fork failed"),
	}
	fileSizePatterns = [][]byte{
		[]byte("file too large"),
	}
	diskPatterns = [][]byte{
		[]byte("no space left on device"),
		[]byte("disk quota exceeded"),
	}
	// notFound matches dash's "sh: 1: python4: not found" and bash's
	// "bash: python4: command not found".
	notFound = regexp.MustCompile(`(?m)(?:^|: )([^\s:]+): (?:command )?not found\s*$`)
)

// classify turns an outcome into Result's ExitCode, Limit and Reason.
// The rules and their order are documented in the package doc.
func classify(o outcome) (exitCode int, limit, reason string, inferred bool) {
	l := o.limits
	switch o.killedFor {
	case LimitWallTime:
		reason = fmt.Sprintf("time limit of %s exceeded", l.WallTime)
		if o.oomKills > 0 {
			// A program whose processes the memory limit killed may run
			// out its time too (on a loaded machine, or retrying); say both.
			reason += fmt.Sprintf(", after the memory limit of %s exceeded", formatBytes(l.MemoryBytes))
		}
		return -1, LimitWallTime, reason, false
	case LimitOutput:
		return -1, LimitOutput, fmt.Sprintf("output limit of %s exceeded", formatBytes(l.OutputBytes)), false
	case killedCanceled:
		return -1, "", "canceled", false
	}
	if o.status == 0 {
		return 0, "", "exit code 0", false
	}

	exitCode = o.status
	sig, signaled := signalOf(o.status)
	failed := fmt.Sprintf("exit code %d", o.status)
	if signaled {
		exitCode = -1
		failed = "killed by signal " + signalName(sig)
	}
	lower := bytes.ToLower(o.stderr)

	switch {
	case o.oomKills > 0:
		return exitCode, LimitMemory, fmt.Sprintf("memory limit of %s exceeded (%s)", formatBytes(l.MemoryBytes), failed), false
	case o.disk > 0 && o.diskFull:
		return exitCode, LimitDisk, fmt.Sprintf("disk limit of %s exceeded", formatBytes(o.disk)), false
	case containsAny(lower, diskPatterns):
		return exitCode, LimitDisk, fmt.Sprintf("disk limit of %s for /tmp exceeded", formatBytes(l.TmpBytes)), true
	case sig == syscall.SIGXFSZ:
		return exitCode, LimitFileSize, fmt.Sprintf("file size limit of %s exceeded", formatBytes(l.FileBytes)), false
	case containsAny(lower, fileSizePatterns):
		return exitCode, LimitFileSize, fmt.Sprintf("file size limit of %s exceeded", formatBytes(l.FileBytes)), true
	case sig == syscall.SIGXCPU ||
		(sig == syscall.SIGKILL && o.duration >= time.Duration(l.cpuSeconds())*time.Second):
		return exitCode, LimitCPUTime, fmt.Sprintf("CPU time limit of %ds exceeded", l.cpuSeconds()), false
	case containsAny(lower, memoryPatterns):
		return exitCode, LimitMemory, fmt.Sprintf("memory limit of %s exceeded (%s)", formatBytes(l.MemoryBytes), failed), true
	case o.pidsMax > 0:
		return exitCode, LimitProcesses, fmt.Sprintf("process limit of %d reached (%s)", l.Processes, failed), false
	case containsAny(lower, forkPatterns):
		return exitCode, LimitProcesses, fmt.Sprintf("process limit of %d reached (%s)", l.Processes, failed), true
	}
	if o.status == 127 {
		if m := notFound.FindAllSubmatch(o.stderr, -1); m != nil {
			return exitCode, "", "command not found: " + string(m[len(m)-1][1]), false
		}
	}
	return exitCode, "", failed, false
}

func containsAny(b []byte, patterns [][]byte) bool {
	for _, p := range patterns {
		if bytes.Contains(b, p) {
			return true
		}
	}
	return false
}

// signalOf reads an exit status above 128 as death by a signal.
func signalOf(status int) (syscall.Signal, bool) {
	sig := syscall.Signal(status - 128)
	if _, ok := signalNames[sig]; status > 128 && ok {
		return sig, true
	}
	return 0, false
}

func signalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// signalNames names the standard Linux signals.
var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP:    "SIGHUP",
	syscall.SIGINT:    "SIGINT",
	syscall.SIGQUIT:   "SIGQUIT",
	syscall.SIGILL:    "SIGILL",
	syscall.SIGTRAP:   "SIGTRAP",
	syscall.SIGABRT:   "SIGABRT",
	syscall.SIGBUS:    "SIGBUS",
	syscall.SIGFPE:    "SIGFPE",
	syscall.SIGKILL:   "SIGKILL",
	syscall.SIGUSR1:   "SIGUSR1",
	syscall.SIGSEGV:   "SIGSEGV",
	syscall.SIGUSR2:   "SIGUSR2",
	syscall.SIGPIPE:   "SIGPIPE",
	syscall.SIGALRM:   "SIGALRM",
	syscall.SIGTERM:   "SIGTERM",
	syscall.SIGSTKFLT: "SIGSTKFLT",
	syscall.SIGCHLD:   "SIGCHLD",
	syscall.SIGCONT:   "SIGCONT",
	syscall.SIGSTOP:   "SIGSTOP",
	syscall.SIGTSTP:   "SIGTSTP",
	syscall.SIGTTIN:   "SIGTTIN",
	syscall.SIGTTOU:   "SIGTTOU",
	syscall.SIGURG:    "SIGURG",
	syscall.SIGXCPU:   "SIGXCPU",
	syscall.SIGXFSZ:   "SIGXFSZ",
	syscall.SIGVTALRM: "SIGVTALRM",
	syscall.SIGPROF:   "SIGPROF",
	syscall.SIGWINCH:  "SIGWINCH",
	syscall.SIGIO:     "SIGIO",
	syscall.SIGPWR:    "SIGPWR",
	syscall.SIGSYS:    "SIGSYS",
}

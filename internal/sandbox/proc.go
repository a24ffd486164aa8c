package sandbox

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"syscall"
	"time"
)

// processesOf lists the host pids of the processes whose real or
// effective uid is uid, read from /proc.
func processesOf(uid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ownedBy(pid, uid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ownedBy reports whether /proc/pid/status shows a live process (not a
// zombie) with uid as its real or effective uid.
//
// Zombies are left out: they hold nothing but their pid, and the sandbox's
// pid 1 regularly becomes one that the host's init reaps, since bwrap
// exits without waiting for it. A thread group whose leader exited while
// other threads run shows its leader as a zombie too: it counts as live.
func ownedBy(pid, uid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	if state, ok := statusField(b, "State:"); ok && len(state) > 0 && state[0] == 'Z' {
		if threads, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task"); len(threads) <= 1 {
			return false
		}
	}
	ids, ok := statusField(b, "Uid:")
	if !ok {
		return false
	}
	f := bytes.Fields(ids)
	u := strconv.Itoa(uid)
	return len(f) >= 2 && (string(f[0]) == u || string(f[1]) == u)
}

// statusField returns the rest of the line of /proc/pid/status that
// starts with key; looking lines up beats splitting all fifty of them, on
// a path that scans every process after each run.
func statusField(status []byte, key string) ([]byte, bool) {
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte(key)); ok {
			return bytes.TrimSpace(rest), true
		}
	}
	return nil, false
}

// sweep waits up to grace for the processes of uid to go away by
// themselves, as the pid namespace of a finished run makes them, then
// kills what is left and waits up to another grace for that. It returns
// how many processes it had to kill and whether any remain.
func sweep(uid int, grace time.Duration) (killed int, remain bool) {
	if waitGone(uid, grace) {
		return 0, false
	}
	for _, pid := range processesOf(uid) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed, !waitGone(uid, grace)
}

// waitGone polls until uid has no processes or d has passed.
func waitGone(uid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if len(processesOf(uid)) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pidEnded waits up to d for process pid to be a zombie or gone; false
// when it was not, or pid is not known (0).
func pidEnded(pid int, d time.Duration) bool {
	if pid <= 0 {
		return false
	}
	deadline := time.Now().Add(d)
	pause := 100 * time.Microsecond
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
		}
		// "pid (comm) S ...": the state follows the last ')'.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 5*time.Millisecond)
	}
}

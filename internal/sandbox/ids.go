package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// idFiles are where the host hands out user and group ids: accounts and
// the ranges of rootless containers (newuidmap lets a user become any id
// of their range).
var idFiles = struct{ passwd, group, subuid, subgid string }{"/etc/passwd", "/etc/group", "/etc/subuid", "/etc/subgid"}

// idsInUse reports whether any id in [lo, hi] is an account's uid or gid,
// a group's gid, inside a subordinate id range of /etc/subuid or
// /etc/subgid, or, with processes set, the uid of a running process; it
// says which.
func idsInUse(lo, hi int, processes bool) (string, bool) {
	in := func(n int) bool { return n >= lo && n <= hi }
	for _, f := range []struct {
		path string
		col  int
	}{{idFiles.passwd, 2}, {idFiles.passwd, 3}, {idFiles.group, 2}} {
		for line := range lines(f.path) {
			fields := strings.Split(line, ":")
			if len(fields) > f.col {
				if n, err := strconv.Atoi(fields[f.col]); err == nil && in(n) {
					return fmt.Sprintf("%s has %s with id %d", f.path, fields[0], n), true
				}
			}
		}
	}
	for _, path := range []string{idFiles.subuid, idFiles.subgid} {
		for line := range lines(path) {
			fields := strings.Split(line, ":")
			if len(fields) != 3 {
				continue
			}
			start, err1 := strconv.Atoi(fields[1])
			count, err2 := strconv.Atoi(fields[2])
			if err1 == nil && err2 == nil && start <= hi && start+count-1 >= lo {
				return fmt.Sprintf("%s gives %s the ids %d-%d", path, fields[0], start, start+count-1), true
			}
		}
	}
	if !processes {
		return "", false
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		for uid := range processUIDs(pid) {
			if in(uid) {
				return fmt.Sprintf("process %d runs as uid %d", pid, uid), true
			}
		}
	}
	return "", false
}

// lines yields the non-empty, non-comment lines of a file that may be
// missing.
func lines(path string) func(func(string) bool) {
	return func(yield func(string) bool) {
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !yield(line) {
				return
			}
		}
	}
}

// processUIDs yields the real and effective uid of a process.
func processUIDs(pid int) func(func(int) bool) {
	return func(yield func(int) bool) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			return
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				f := strings.Fields(rest)
				for _, s := range f[:min(2, len(f))] {
					if n, err := strconv.Atoi(s); err == nil && !yield(n) {
						return
					}
				}
				return
			}
		}
	}
}

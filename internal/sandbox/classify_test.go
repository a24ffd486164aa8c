package sandbox

import (
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	lim := Limits{WallTime: 5 * time.Second, CPUTime: 1500 * time.Millisecond}.WithDefaults()
	tests := []struct {
		name     string
		o        outcome
		exitCode int
		limit    string
		reason   string
	}{
		{"success", outcome{}, 0, "", "exit code 0"},
		{"failure", outcome{status: 1, stderr: []byte("AssertionError\n")}, 1, "", "exit code 1"},
		{"exit 255", outcome{status: 255}, 255, "", "exit code 255"},
		{"segfault", outcome{status: 128 + 11}, -1, "", "killed by signal SIGSEGV"},
		{"abort", outcome{status: 134, stderr: []byte("double free detected")}, -1, "", "killed by signal SIGABRT"},
		{"wall time", outcome{killedFor: LimitWallTime, status: 137}, -1, LimitWallTime, "time limit of 5s exceeded"},
		{"wall time after OOM kills", outcome{killedFor: LimitWallTime, status: 137, oomKills: 3}, -1, LimitWallTime,
			"time limit of 5s exceeded, after the memory limit of 512 MiB exceeded"},
		{"output", outcome{killedFor: LimitOutput, status: 137}, -1, LimitOutput, "output limit of 1 MiB exceeded"},
		{"canceled", outcome{killedFor: killedCanceled, status: 137}, -1, "", "canceled"},
		{"SIGXCPU", outcome{status: 128 + 24}, -1, LimitCPUTime, "CPU time limit of 2s exceeded"},
		{"SIGKILL at the CPU hard limit", outcome{status: 137, duration: 3 * time.Second}, -1, LimitCPUTime, "CPU time limit of 2s exceeded"},
		{"early SIGKILL", outcome{status: 137, duration: time.Second}, -1, "", "killed by signal SIGKILL"},
		{"early SIGKILL, out of memory", outcome{status: 137, stderr: []byte("Out of memory: Killed process"), duration: time.Second},
			-1, LimitMemory, "memory limit of 512 MiB exceeded (killed by signal SIGKILL)"},
		{"SIGXFSZ", outcome{status: 128 + 25}, -1, LimitFileSize, "file size limit of 64 MiB exceeded"},
		{"EFBIG", outcome{status: 1, stderr: []byte("OSError: [Errno 27] File too large\n")}, 1, LimitFileSize, "file size limit of 64 MiB exceeded"},
		{"MemoryError", outcome{status: 1, stderr: []byte("Traceback ...\nMemoryError\n")}, 1, LimitMemory, "memory limit of 512 MiB exceeded (exit code 1)"},
		{"bad_alloc", outcome{status: 134, stderr: []byte("terminate called after throwing an instance of 'std::bad_alloc'\n")},
			-1, LimitMemory, "memory limit of 512 MiB exceeded (killed by signal SIGABRT)"},
		{"Java", outcome{status: 1, stderr: []byte("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n")},
			1, LimitMemory, "memory limit of 512 MiB exceeded (exit code 1)"},
		{"Go", outcome{status: 2, stderr: []byte("fatal error: runtime: out of memory\n")}, 2, LimitMemory, "memory limit of 512 MiB exceeded (exit code 2)"},
		{"malloc to NULL", outcome{status: 139}, -1, "", "killed by signal SIGSEGV"},
		{"fork in python", outcome{status: 1, stderr: []byte("BlockingIOError: [Errno 11] Resource temporarily unavailable\n")},
			1, LimitProcesses, "process limit of 64 reached (exit code 1)"},
		{"fork in dash", outcome{status: 2, stderr: []byte("/bin/sh: 1: Cannot fork\n")}, 2, LimitProcesses, "process limit of 64 reached (exit code 2)"},
		{"fork error but success", outcome{status: 0, stderr: []byte("/bin/sh: 1: Cannot fork\n")}, 0, "", "exit code 0"},
		{"dash not found", outcome{status: 127, stderr: []byte("/bin/sh: 1: python4: not found\n")}, 127, "", "command not found: python4"},
		{"bash not found", outcome{status: 127, stderr: []byte("bash: line 1: javac: command not found\n")}, 127, "", "command not found: javac"},
		{"relative path not found", outcome{status: 127, stderr: []byte("/bin/sh: 1: ./a.out: not found\n")}, 127, "", "command not found: ./a.out"},
		{"127 without message", outcome{status: 127}, 127, "", "exit code 127"},
		{"cgroup OOM kill", outcome{status: 137, oomKills: 1, duration: time.Second},
			-1, LimitMemory, "memory limit of 512 MiB exceeded (killed by signal SIGKILL)"},
		{"cgroup OOM kill of a child", outcome{status: 1, oomKills: 2}, 1, LimitMemory, "memory limit of 512 MiB exceeded (exit code 1)"},
		{"OOM kill but success", outcome{status: 0, oomKills: 1}, 0, "", "exit code 0"},
		{"cgroup pids.max", outcome{status: 1, pidsMax: 3}, 1, LimitProcesses, "process limit of 64 reached (exit code 1)"},
		{"work dir full", outcome{status: 1, stderr: []byte("OSError: [Errno 28] No space left on device\n"), disk: 8 << 20, diskFull: true},
			1, LimitDisk, "disk limit of 8 MiB exceeded"},
		{"work dir full, quiet", outcome{status: 2, disk: 8 << 20, diskFull: true}, 2, LimitDisk, "disk limit of 8 MiB exceeded"},
		{"/tmp full", outcome{status: 1, stderr: []byte("write error: No space left on device\n"), disk: 8 << 20},
			1, LimitDisk, "disk limit of 128 MiB for /tmp exceeded"},
		{"not found, not 127", outcome{status: 1, stderr: []byte("cat: x: not found\n")}, 1, "", "exit code 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.limits = lim
			exitCode, limit, reason, inferred := classify(tt.o)
			seen := tt.o.oomKills > 0 || tt.o.pidsMax > 0 || tt.o.diskFull || tt.o.killedFor != "" ||
				limit == LimitCPUTime || (limit == LimitFileSize && tt.o.status == 128+25)
			fromText := limit != "" && !seen
			if inferred != fromText {
				t.Errorf("inferred = %v, want %v (only a limit read from stderr is inferred)", inferred, fromText)
			}
			if exitCode != tt.exitCode || limit != tt.limit || reason != tt.reason {
				t.Errorf("classify = %d, %q, %q; want %d, %q, %q", exitCode, limit, reason, tt.exitCode, tt.limit, tt.reason)
			}
		})
	}
}

func TestLimits_WithDefaults(t *testing.T) {
	t.Parallel()
	got := Limits{}.WithDefaults()
	want := Limits{
		WallTime: 10 * time.Second, CPUTime: 10 * time.Second, MemoryBytes: 512 << 20, Processes: 64, CPUs: 1,
		OpenFiles: 256, OutputBytes: 1 << 20, FileBytes: 64 << 20, TmpBytes: 128 << 20,
	}
	if got != want {
		t.Errorf("Limits{}.WithDefaults() = %+v, want %+v", got, want)
	}
	if got := (Limits{WallTime: 3 * time.Second}).WithDefaults().CPUTime; got != 3*time.Second {
		t.Errorf("CPUTime defaults to %v, want WallTime", got)
	}
	for _, tt := range []struct {
		cpu  time.Duration
		want int64
	}{{time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {10 * time.Second, 10}} {
		if got := (Limits{CPUTime: tt.cpu}).cpuSeconds(); got != tt.want {
			t.Errorf("cpuSeconds(%v) = %d, want %d", tt.cpu, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0 bytes", 1000: "1000 bytes", 1024: "1 KiB", 1 << 20: "1 MiB", 3 << 30: "3 GiB", 1536 << 10: "1536 KiB",
	} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

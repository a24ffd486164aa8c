package sandbox

import (
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Defaults for a zero [Limits] field.
const (
	WallTimeDefault    = 10 * time.Second
	MemoryBytesDefault = 512 << 20
	ProcessesDefault   = 64
	OpenFilesDefault   = 256
	OutputBytesDefault = 1 << 20
	FileBytesDefault   = 64 << 20
	TmpBytesDefault    = 128 << 20
	CPUsDefault        = 1.0
)

// Names of the limits in [Result.Limit].
const (
	LimitWallTime  = "wall_time"
	LimitCPUTime   = "cpu_time"
	LimitMemory    = "memory"
	LimitProcesses = "processes"
	LimitOutput    = "output"
	LimitFileSize  = "file_size"
	LimitDisk      = "disk"
)

// Limits bound one run. A zero field means its default; a negative one is
// invalid.
type Limits struct {
	// WallTime is the real time the command may take, default
	// [WallTimeDefault], counted from its start once the sandbox is set
	// up (which bwrap does in milliseconds, but which is bounded
	// separately by 30 s). On expiry the whole process tree is killed.
	WallTime time.Duration
	// CPUTime is the CPU time each process may use (RLIMIT_CPU, rounded up
	// to whole seconds), default WallTime.
	CPUTime time.Duration
	// MemoryBytes is the memory of the whole run, default
	// [MemoryBytesDefault] (512 MiB): with cgroups, every process of the
	// run together with what it writes to tmpfs; it is also the address
	// space of each process (RLIMIT_AS), which with no cgroup is all that
	// bounds memory.
	MemoryBytes int64
	// Processes is the number of processes and threads the run may have
	// at once (the cgroup's pids.max, and RLIMIT_NPROC of the run's uid),
	// default [ProcessesDefault]. The sandbox's pid 1 (bwrap) counts too.
	Processes int
	// CPUs is the share of CPU time the run may use with cgroups, in
	// CPUs (a CFS quota), default [CPUsDefault]: one run cannot take a
	// whole machine however many threads it starts.
	CPUs float64
	// OpenFiles is the number of file descriptors each process may have
	// open (RLIMIT_NOFILE), default [OpenFilesDefault].
	OpenFiles int
	// OutputBytes is how much of stdout, and of stderr, is kept, default
	// [OutputBytesDefault] (1 MiB) each. Writing more kills the run.
	OutputBytes int64
	// FileBytes is the largest file a process may write (RLIMIT_FSIZE),
	// default [FileBytesDefault] (64 MiB).
	FileBytes int64
	// TmpBytes is the size of each of the private tmpfs mounts on /tmp
	// and /dev/shm, default [TmpBytesDefault] (128 MiB). They live in
	// memory.
	TmpBytes int64
}

// WithDefaults returns l with each zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.WallTime == 0 {
		l.WallTime = WallTimeDefault
	}
	if l.CPUTime == 0 {
		l.CPUTime = l.WallTime
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = MemoryBytesDefault
	}
	if l.Processes == 0 {
		l.Processes = ProcessesDefault
	}
	if l.OpenFiles == 0 {
		l.OpenFiles = OpenFilesDefault
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = OutputBytesDefault
	}
	if l.FileBytes == 0 {
		l.FileBytes = FileBytesDefault
	}
	if l.TmpBytes == 0 {
		l.TmpBytes = TmpBytesDefault
	}
	if l.CPUs == 0 {
		l.CPUs = CPUsDefault
	}
	return l
}

// validate reports the first negative field.
func (l Limits) validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"WallTime", int64(l.WallTime)},
		{"CPUTime", int64(l.CPUTime)},
		{"MemoryBytes", l.MemoryBytes},
		{"Processes", int64(l.Processes)},
		{"OpenFiles", int64(l.OpenFiles)},
		{"OutputBytes", l.OutputBytes},
		{"FileBytes", l.FileBytes},
		{"TmpBytes", l.TmpBytes},
		{"CPUs", int64(l.CPUs * 1000)},
	} {
		if f.v < 0 {
			return fmt.Errorf("%w: Limits.%s is negative (%d); use 0 for the default", derrors.Invalid, f.name, f.v)
		}
	}
	return nil
}

// cpuSeconds is the RLIMIT_CPU soft limit: CPUTime rounded up to whole
// seconds, at least one.
func (l Limits) cpuSeconds() int64 {
	s := int64((l.CPUTime + time.Second - 1) / time.Second)
	return max(s, 1)
}

// formatBytes writes n in the largest binary unit that divides it.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

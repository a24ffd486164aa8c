package sandbox

import (
	"context"
	"time"
)

// Errors: a Spec or Config that cannot be run (a bad Dir, a malformed Env
// entry, a negative limit) wraps derrors.Invalid; a sandbox that does not
// work (not running as root, bwrap missing, namespaces not permitted, bwrap
// failing to set up a run) wraps derrors.Unavailable.

// Spec is one command to run.
type Spec struct {
	// Command is a shell command line, run by /bin/sh -c in /work.
	Command string
	// Dir is the host directory mounted read-write at /work and used as
	// the working directory and HOME; with a private /tmp it is the only
	// writable place. It is best a [WorkDir] of the runner, which bounds
	// its size; any other must be absolute, at least two levels below /,
	// and every parent must be searchable by others (mode 0711 or 0755).
	// Its whole tree is chowned to the run's uid for the run and back to
	// the caller afterwards.
	Dir string
	// ReadOnly are host files or directories shown read-only at paths
	// inside /work, such as the test files of an assignment. The run can
	// read them but not change, remove or replace them. Each Source must
	// be reachable like Dir; each Target is a slash-separated path
	// relative to /work.
	ReadOnly []Bind
	// Stdin is the command's standard input; nil means empty.
	Stdin []byte
	// Env holds extra KEY=VALUE entries, added to (and overriding) the
	// base environment PATH=/usr/local/bin:/usr/bin:/bin, HOME=/work,
	// LANG=C.UTF-8.
	Env []string
	// Limits bound the run; zero fields mean the defaults.
	Limits Limits
}

// Bind shows a host path read-only inside /work.
type Bind struct {
	// Source is the host path of a file or directory.
	Source string
	// Target is where it appears, relative to /work ("test_sum.py",
	// "tests/data").
	Target string
}

// Result is what a run did.
type Result struct {
	// ExitCode is the command's exit status, or -1 when it was killed by
	// a signal or by Run for a limit.
	ExitCode int
	// Stdout and Stderr hold at most Limits.OutputBytes each.
	Stdout, Stderr []byte
	// Duration is the wall time from the command's start to its end.
	Duration time.Duration
	// Limit names the limit that ended the run, one of the Limit*
	// constants, or "" when none did.
	Limit string
	// Inferred is set when Limit was inferred from what the program wrote
	// to stderr ("MemoryError", "No space left on device", a failed fork)
	// rather than seen by the sandbox or the kernel; a program that prints
	// such words and exits on purpose looks the same.
	Inferred bool
	// Reason says in words how the run ended: "exit code 1", "killed by
	// signal SIGSEGV", "time limit of 5s exceeded", "output limit of 1 MiB
	// exceeded", "command not found: python4", ...
	Reason string
}

// Runner runs one command in a sandbox.
//
// The error is for a sandbox that could not run at all (wrapping
// [derrors.Invalid] or [derrors.Unavailable]), or for a ctx that ended before the
// command did, in which case the partial Result comes with it. Anything
// the program does — failing, crashing, hitting a limit — is in the
// Result, with a nil error.
//
// NewWorkDir makes a directory for Spec.Dir that holds at most size bytes
// where the runner can bound it (0: its default); close it when done.
type Runner interface {
	Run(ctx context.Context, s Spec) (*Result, error)
	NewWorkDir(size int64) (*WorkDir, error)
}

package sandbox

import (
	"context"
	"errors"
	"time"
)

var (
	// ErrInvalid is returned for a Spec or Config that cannot be run: a
	// bad Dir, a malformed Env entry, a negative limit.
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable is returned when the sandbox itself does not work:
	// not running as root, bwrap missing, namespaces not permitted, bwrap
	// failing to set up a run.
	ErrUnavailable = errors.New("sandbox unavailable")
)

// Spec is one command to run.
type Spec struct {
	// Command is a shell command line, run by /bin/sh -c in /work.
	Command string
	// Dir is the host directory mounted read-write at /work and used as
	// the working directory and HOME; with a private /tmp it is the only
	// writable place. It must be absolute, at least two levels below /,
	// and every parent must be searchable by others (mode 0711 or 0755).
	// Its whole tree is chowned to the run's uid for the run and back to
	// the caller afterwards.
	Dir string
	// Stdin is the command's standard input; nil means empty.
	Stdin []byte
	// Env holds extra KEY=VALUE entries, added to (and overriding) the
	// base environment PATH=/usr/local/bin:/usr/bin:/bin, HOME=/work,
	// LANG=C.UTF-8.
	Env []string
	// Limits bound the run; zero fields mean the defaults.
	Limits Limits
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
	// Reason says in words how the run ended: "exit code 1", "killed by
	// signal SIGSEGV", "time limit of 5s exceeded", "output limit of 1 MiB
	// exceeded", "command not found: python4", ...
	Reason string
}

// Runner runs one command in a sandbox.
//
// The error is for a sandbox that could not run at all (wrapping
// [ErrInvalid] or [ErrUnavailable]), or for a ctx that ended before the
// command did, in which case the partial Result comes with it. Anything
// the program does — failing, crashing, hitting a limit — is in the
// Result, with a nil error.
type Runner interface {
	Run(ctx context.Context, s Spec) (*Result, error)
}

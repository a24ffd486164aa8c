package client

import (
	"fmt"
	"strings"
)

// Exit codes of the client commands.
const (
	// ExitOK: the task FINISHED, or a command that waits for nothing
	// succeeded.
	ExitOK = 0
	// ExitFailed: the task ended FAILED.
	ExitFailed = 1
	// ExitUsage: a command line that does not parse, or an error answer
	// (or none) from the API.
	ExitUsage = 2
	// ExitCancelled: the task was cancelled or terminated.
	ExitCancelled = 3
	// ExitTimeout: the task had not ended when the wait ran out (--timeout;
	// also `result` without --wait on a task that runs).
	ExitTimeout = 4
	// ExitInterrupted: the wait was stopped (Ctrl+C); the task goes on.
	ExitInterrupted = 130
)

// ExitCodes is the help text of the exit codes.
const ExitCodes = `Exit codes of submit, status, result, cancel, list and types:
  0  the task FINISHED (or, for a command that does not wait, it succeeded)
  1  the task FAILED
  2  a bad command line, or the API answered with an error (or not at all)
  3  the task was CANCELLED (or terminated)
  4  the task had not ended when the wait ran out (--timeout; result without --wait)`

// ExitError ends a command with Code. Err, when set, says why; a nil Err
// means the command has said everything already.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Task statuses the API reports, and those a newer API may.
const (
	StatusQueued     = "QUEUED"
	StatusStarted    = "STARTED"
	StatusFinished   = "FINISHED"
	StatusFailed     = "FAILED"
	StatusCancelled  = "CANCELLED"
	StatusTerminated = "TERMINATED"
)

// terminatedPrefix starts the error of a task that an admin terminated,
// which the API reports as FAILED.
const terminatedPrefix = "the task was terminated"

// ExitCodeOf is the exit code of a task that ended with status and error
// message msg: 0 FINISHED, 3 CANCELLED or terminated, 1 anything else.
func ExitCodeOf(status, msg string) int {
	switch strings.ToUpper(status) {
	case StatusFinished:
		return ExitOK
	case StatusCancelled, "CANCELED", StatusTerminated:
		return ExitCancelled
	}
	if strings.HasPrefix(msg, terminatedPrefix) {
		return ExitCancelled
	}
	return ExitFailed
}

// ended reports whether a task has ended.
func ended(t Task) bool {
	if t.FinishedAt != nil {
		return true
	}
	switch strings.ToUpper(t.Status) {
	case StatusFinished, StatusFailed, StatusCancelled, "CANCELED", StatusTerminated, "TIMED_OUT":
		return true
	}
	return false
}

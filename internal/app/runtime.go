package app

import (
	"os"
	"runtime/debug"
)

// gcPercent is the garbage collector's target for a server process: the
// heap may grow to three times the live data before a collection
// instead of twice. The embedded Temporal server allocates heavily; at
// Go's default of 100 the collector took 14 % of a dev process's CPU in a
// grading rush, and 200 gave 10-13 % more runs a minute for some tens of
// MB more memory (docs/PERFORMANCE.md).
const gcPercent = 200

// TuneRuntime sets the garbage collector's target for a long-running
// server process, unless GOGC says otherwise.
func TuneRuntime() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

package sandbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/sandbox"
)

// A test step: run the student's tests in their checked-out work
// directory with a 30 second limit, and report how it ended.
func ExampleBubblewrap_Run() {
	sb, err := sandbox.NewBubblewrap(sandbox.Config{})
	if err != nil {
		fmt.Println("no sandbox:", err) // not root, bwrap missing, no user namespaces
		return
	}
	res, err := sb.Run(context.Background(), sandbox.Spec{
		Command: "python3 -m pytest -q",
		Dir:     "/var/lib/computor/work/run-42", // below a 0711 directory
		Limits:  sandbox.Limits{WallTime: 30 * time.Second},
	})
	if err != nil {
		fmt.Println("could not run:", err) // bad Dir, or the sandbox failed
		return
	}
	switch {
	case res.Limit != "":
		fmt.Println("stopped:", res.Reason) // e.g. "time limit of 30s exceeded"
	case res.ExitCode != 0:
		fmt.Println("tests failed:", res.Reason)
	default:
		fmt.Printf("passed in %v\n", res.Duration.Round(time.Millisecond))
	}
}

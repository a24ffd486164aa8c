package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestCommandLine runs the binary with arguments it must refuse, or answer
// without starting anything, and checks what it says.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args   []string
		ok     bool
		output string // in stdout or stderr
	}{
		{nil, false, "no command given"},
		{[]string{"help"}, true, "computor bench"},
		{[]string{"--help"}, true, "computor namespace"},
		{[]string{"serve"}, false, `unknown command "serve"`},
		{[]string{"dev", "-h"}, true, "Runs everything in one process"},
		{[]string{"api", "-h"}, true, "-no-testing"},
		{[]string{"worker", "-h"}, true, "-stop-timeout"},
		{[]string{"bench", "-h"}, true, "-skip-sdk"},
		{[]string{"token", "-h"}, true, "-sub"},
		{[]string{"namespace", "-h"}, true, "computor namespace create"},
		{[]string{"dev", "extra"}, false, `unexpected argument "extra"`},
		{[]string{"dev", "--log-level", "loud"}, false, `log level "loud"`},
		{[]string{"dev", "--log-format", "xml"}, false, `log format "xml"`},
		{[]string{"dev", "--no-such-flag"}, false, "flag provided but not defined: -no-such-flag"},
		{[]string{"worker", "--queues", "nope"}, false, `"nope"`},
		{[]string{"worker", "--stop-timeout", "-1s"}, false, "--stop-timeout must be positive"},
		{[]string{"worker", "--max-activities", "-1"}, false, "--max-activities must not be negative"},
		{[]string{"token"}, false, "--sub is required"},
		{[]string{"token", "--sub", "x", "--ttl", "0s"}, false, "--ttl must be positive"},
		{[]string{"bench", "--n", "0"}, false, "--n and --clients must be at least 1"},
		{[]string{"bench", "grading", "-h"}, true, "-students"},
		{[]string{"bench", "grading", "--students", "0"}, false, "--students must be at least 1"},
		{[]string{"bench", "grading", "--assignment", "/nonexistent"}, false, "--solution is needed with --assignment"},
		{[]string{"namespace"}, false, "the only subcommand is create"},
		{[]string{"namespace", "delete", "x"}, false, "the only subcommand is create"},
		{[]string{"namespace", "create", "a", "b"}, false, "one name at most"},
	} {
		var out, errOut bytes.Buffer
		err := computor(context.Background(), c.args, &out, &errOut)
		if (err == nil) != c.ok {
			t.Errorf("computor %q: error %v, want ok=%v", c.args, err, c.ok)
			continue
		}
		if all := out.String() + errOut.String(); !strings.Contains(all, c.output) {
			t.Errorf("computor %q: output lacks %q:\n%s", c.args, c.output, all)
		}
	}
}

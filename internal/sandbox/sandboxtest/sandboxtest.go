// Package sandboxtest gives a package's tests one real bubblewrap sandbox:
// they grade in it, as workers do. The tests run as root with bubblewrap
// installed, as scripts/test.sh does; without them they fail, not skip.
package sandboxtest

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/computor-org/computor-go/internal/sandbox"
)

var (
	box    *sandbox.Bubblewrap
	boxErr error
)

// Main is a test binary's TestMain: it opens the sandbox, runs the tests,
// closes it, and fails the binary when a test left a goroutine behind.
func Main(m *testing.M) {
	box, boxErr = sandbox.NewBubblewrap(sandbox.Config{})
	code := m.Run()
	if box != nil {
		_ = box.Close()
	}
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// Real returns the sandbox Main opened, failing the test where there is
// none.
func Real(t testing.TB) *sandbox.Bubblewrap {
	t.Helper()
	if box == nil {
		t.Fatalf("no sandbox: %v (run the tests as root with bubblewrap installed, as scripts/test.sh does)", boxErr)
	}
	return box
}

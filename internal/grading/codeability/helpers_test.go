package codeability

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
)

var (
	box    *sandbox.Bubblewrap
	boxErr error
)

func TestMain(m *testing.M) {
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

// realSandbox is the real bubblewrap sandbox: these tests run as root
// with bubblewrap installed, as CI does.
func realSandbox(t testing.TB) *sandbox.Bubblewrap {
	t.Helper()
	if box == nil {
		t.Fatalf("no sandbox: %v (run the tests as root with bubblewrap installed)", boxErr)
	}
	return box
}

// file reads one file of testdata/stats as the file path names it in a
// run.
func file(t testing.TB, rel, as string) grading.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stats", rel))
	if err != nil {
		t.Fatal(err)
	}
	return grading.File{Path: as, Data: b}
}

func statsSuite(t testing.TB) *Suite {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "stats", "test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statsInput(t testing.TB, student string) Input {
	return Input{
		Student:   []grading.File{file(t, student, "stats.py")},
		Reference: []grading.File{file(t, "reference/stats.py", "stats.py")},
		TestFiles: []grading.File{file(t, "stats_helper.py", "stats_helper.py")},
	}
}

package codeability

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { sandboxtest.Main(m) }

// realSandbox is the real sandbox the tests grade in.
func realSandbox(t testing.TB) *sandbox.Bubblewrap { return sandboxtest.Real(t) }

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

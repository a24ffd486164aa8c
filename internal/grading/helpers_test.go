package grading

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) { sandboxtest.Main(m) }

// realSandbox is the real sandbox the tests grade in.
func realSandbox(t testing.TB) *sandbox.Bubblewrap { return sandboxtest.Real(t) }

// scripted is a Runner whose results a test scripts, for what the real
// sandbox cannot be made to do on demand (fail to start, report a limit
// without a reason). Its work directories are plain temporary ones.
type scripted func(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error)

func (f scripted) Run(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error) {
	return f(ctx, s)
}

func (f scripted) NewWorkDir(int64) (*sandbox.WorkDir, error) {
	dir, err := os.MkdirTemp("", "grading-test-")
	if err != nil {
		return nil, err
	}
	return &sandbox.WorkDir{Path: dir}, nil
}

// requirePython fails a test that runs Python code where there is none:
// the sample solutions are Python, and this machine must have it.
func requirePython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is not installed; the grading tests need it")
	}
}

// files turns name → content into the files of an Input, sorted by name.
func files(m map[string]string) []File {
	out := make([]File, 0, len(m))
	for name, content := range m {
		out = append(out, File{Path: name, Data: []byte(content)})
	}
	return out
}

// readTestdata returns a file of testdata/.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mustParse parses a test.yaml that a test relies on being valid.
func mustParse(t testing.TB, yaml string) *Spec {
	t.Helper()
	spec, err := ParseSpec([]byte(yaml))
	if err != nil {
		t.Fatalf("ParseSpec: %v", err)
	}
	return spec
}

// grade grades in with spec in the real sandbox.
func grade(t *testing.T, spec *Spec, in Input) *Summary {
	t.Helper()
	s, err := Grade(context.Background(), realSandbox(t), spec, in)
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	return s
}

// hostPaths are parts of host paths that no message may show.
var hostPaths = []string{filepath.Join(os.TempDir(), "computor-work-"), "/run/", "grading-test-"}

func describe(s *Summary) string { return fmt.Sprintf("%+v", s.Tests) }

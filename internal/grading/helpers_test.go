package grading

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/sandbox"
)

// shRunner is a test-only stand-in for the sandbox: it runs the command
// with sh -c on the host, in Spec.Dir, killing its process group when the
// wall-time limit passes. It enforces no other limit and isolates nothing.
// Its Reasons imitate the real sandbox's ("exit code 1", "time limit of 5s
// exceeded", "command not found: python4"). The real sandbox is exercised
// end to end elsewhere.
type shRunner struct{}

var shNotFound = regexp.MustCompile(`(?m)(?:^|: )([^\s:]+): (?:command )?not found\s*$`)

func (shRunner) Run(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error) {
	wall := s.Limits.WallTime
	if wall == 0 {
		wall = sandbox.WallTimeDefault
	}
	runCtx, cancel := context.WithTimeout(ctx, wall)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "sh", "-c", s.Command)
	cmd.Dir = s.Dir
	cmd.Stdin = bytes.NewReader(s.Stdin)
	cmd.Env = append(os.Environ(), s.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second

	start := time.Now()
	err := cmd.Run()
	res := &sandbox.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.ExitCode, res.Reason = -1, "canceled"
		return res, ctx.Err()
	case runCtx.Err() != nil:
		res.ExitCode, res.Limit, res.Reason = -1, sandbox.LimitWallTime, fmt.Sprintf("time limit of %s exceeded", wall)
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		res.Reason = fmt.Sprintf("exit code %d", res.ExitCode)
		if m := shNotFound.FindAllSubmatch(res.Stderr, -1); res.ExitCode == 127 && m != nil {
			res.Reason = "command not found: " + string(m[len(m)-1][1])
		}
	case err != nil:
		return nil, err
	default:
		res.Reason = "exit code 0"
	}
	return res, nil
}

// funcRunner is a Runner whose results a test scripts.
type funcRunner func(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error)

func (f funcRunner) Run(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error) {
	return f(ctx, s)
}

// requirePython fails a test that runs Python code where there is none:
// the sample solutions are Python, and this machine must have it.
func requirePython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is not installed; the grading tests need it")
	}
}

// workDir returns a fresh work directory holding files (name → content).
func workDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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

package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Defaults of the options of [NewLocal].
const (
	// MaxRequestBytesDefault is the default limit on a push's request body.
	MaxRequestBytesDefault = 1 << 30
	// staleTempAge is how old a temporary directory must be before it is
	// taken as left over by a crash and removed.
	staleTempAge = 10 * time.Minute
)

// minGitVersion is the oldest git that has everything Local uses
// (GIT_CONFIG_GLOBAL arrived in 2.32).
var minGitVersion = [2]int{2, 32}

// tmpDirName is the directory under the root that holds git's HOME and the
// scratch space of running operations. It starts with "." so it can never be
// a group.
const tmpDirName = ".tmp"

// Local is the [Service] on a local directory of bare repositories,
// <root>/<group path>/<name>.git. It is safe for concurrent use.
type Local struct {
	root    string // absolute
	tmp     string // <root>/.tmp
	gitPath string
	log     *slog.Logger
	maxBody int64

	mu    sync.Mutex
	locks map[string]*repoLock
}

var _ Service = (*Local)(nil)

// LocalOption configures a [Local].
type LocalOption func(*Local)

// WithLogger sets the logger for errors the HTTP handler cannot return to
// the client; the default discards them.
func WithLogger(log *slog.Logger) LocalOption {
	return func(l *Local) {
		if log != nil {
			l.log = log
		}
	}
}

// WithMaxRequestBytes limits the body of an HTTP request (a push's pack)
// to n bytes; 0 means [MaxRequestBytesDefault].
func WithMaxRequestBytes(n int64) LocalOption {
	return func(l *Local) {
		if n > 0 {
			l.maxBody = n
		}
	}
}

// NewLocal returns the Service on the bare repositories under root, making
// root if needed. It needs git 2.32 or later on PATH.
func NewLocal(root string, opts ...LocalOption) (*Local, error) {
	if root == "" {
		return nil, fmt.Errorf("new local git service: %w: empty root", derrors.Invalid)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("new local git service: %w", err)
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("new local git service: find git binary: %w", err)
	}
	l := &Local{
		root:    abs,
		tmp:     filepath.Join(abs, tmpDirName),
		gitPath: gitPath,
		log:     slog.New(slog.DiscardHandler),
		maxBody: MaxRequestBytesDefault,
		locks:   make(map[string]*repoLock),
	}
	for _, o := range opts {
		o(l)
	}
	if err := os.MkdirAll(l.tmp, 0o755); err != nil {
		return nil, fmt.Errorf("new local git service: %w", err)
	}
	if err := l.checkVersion(); err != nil {
		return nil, fmt.Errorf("new local git service: %w", err)
	}
	removeStale(l.tmp, "op-")
	return l, nil
}

// Root returns the absolute directory holding the repositories.
func (l *Local) Root() string { return l.root }

func (l *Local) checkVersion() error {
	out, err := l.run(context.Background(), "", nil, nil, "version")
	if err != nil {
		return err
	}
	// "git version 2.39.5" or "git version 2.39.5.windows.1"
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return fmt.Errorf("unexpected git version output %q", out)
	}
	parts := strings.SplitN(fields[2], ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("unexpected git version output %q", out)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return fmt.Errorf("unexpected git version output %q", out)
	}
	if major < minGitVersion[0] || major == minGitVersion[0] && minor < minGitVersion[1] {
		return fmt.Errorf("git %d.%d is too old; need %d.%d or later", major, minor, minGitVersion[0], minGitVersion[1])
	}
	return nil
}

// repoDir returns the directory of the repository at a valid path.
func (l *Local) repoDir(path string) string {
	return filepath.Join(l.root, filepath.FromSlash(path)+".git")
}

// baseEnv is the environment of every git Local runs: nothing from the
// process environment but PATH, no system or user configuration, no
// prompts, no hooks, and ownership checks off (Local owns its root). The
// config pairs are added with command-line scope.
func (l *Local) baseEnv(config ...[2]string) []string {
	config = append([][2]string{
		{"safe.directory", "*"},
		{"core.hooksPath", os.DevNull},
	}, config...)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + l.tmp,
		"LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_COUNT=" + strconv.Itoa(len(config)),
	}
	for i, kv := range config {
		n := strconv.Itoa(i)
		env = append(env, "GIT_CONFIG_KEY_"+n+"="+kv[0], "GIT_CONFIG_VALUE_"+n+"="+kv[1])
	}
	return env
}

// gitError is a failed git command, with what it wrote to stderr.
type gitError struct {
	args   []string
	err    error
	stderr string
}

func (e *gitError) Error() string {
	msg := fmt.Sprintf("git %s: %v", strings.Join(e.args, " "), e.err)
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

func (e *gitError) Unwrap() error { return e.err }

// run runs git with args, in gitDir when not empty, with extra environment
// and stdin, and returns its stdout.
func (l *Local) run(ctx context.Context, gitDir string, env []string, stdin io.Reader, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	if err := l.runTo(ctx, gitDir, env, stdin, &stdout, &stderr, args...); err != nil {
		return nil, err
	}
	return stdout.Bytes(), nil
}

func (l *Local) runTo(ctx context.Context, gitDir string, env []string, stdin io.Reader, stdout, stderr *bytes.Buffer, args ...string) error {
	full := args
	if gitDir != "" {
		full = append([]string{"--git-dir=" + gitDir}, args...)
	}
	cmd := exec.CommandContext(ctx, l.gitPath, full...)
	cmd.Env = append(l.baseEnv(), env...)
	cmd.Dir = l.tmp
	cmd.Stdin = stdin
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = errors.Join(ctxErr, err)
		}
		return &gitError{args: args, err: err, stderr: strings.TrimSpace(stderr.String())}
	}
	return nil
}

// stream runs git with args in gitDir and hands its stdout to read while it
// runs; when read returns an error, git is killed and that error is
// returned. Only what read keeps is held in memory.
func (l *Local) stream(ctx context.Context, gitDir string, read func(io.Reader) error, args ...string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := append([]string{"--git-dir=" + gitDir}, args...)
	cmd := exec.CommandContext(ctx, l.gitPath, full...)
	cmd.Env = l.baseEnv()
	cmd.Dir = l.tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &gitError{args: args, err: err}
	}
	readErr := read(out)
	if readErr != nil {
		cancel()
		_, _ = io.Copy(io.Discard, out)
	}
	waitErr := cmd.Wait()
	switch {
	case readErr != nil:
		return readErr
	case waitErr != nil:
		if ctxErr := ctx.Err(); ctxErr != nil {
			waitErr = errors.Join(ctxErr, waitErr)
		}
		return &gitError{args: args, err: waitErr, stderr: strings.TrimSpace(stderr.String())}
	}
	return nil
}

// exitCode returns the exit status of a failed git command, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// revParse returns the full hash rev names in gitDir, "" when it names
// nothing.
func (l *Local) revParse(ctx context.Context, gitDir, rev string) (string, error) {
	out, err := l.run(ctx, gitDir, nil, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev)
	if err != nil {
		if exitCode(err) == 1 {
			return "", nil
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// repoLock serializes writers of one repository. It is a one-slot channel
// so waiting respects the context.
type repoLock struct {
	ch   chan struct{}
	refs int
}

// lock takes the writer lock of the repository at path and returns its
// release.
func (l *Local) lock(ctx context.Context, path string) (func(), error) {
	l.mu.Lock()
	rl := l.locks[path]
	if rl == nil {
		rl = &repoLock{ch: make(chan struct{}, 1)}
		l.locks[path] = rl
	}
	rl.refs++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		rl.refs--
		if rl.refs == 0 {
			delete(l.locks, path)
		}
		l.mu.Unlock()
	}
	select {
	case rl.ch <- struct{}{}:
		return func() { <-rl.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("lock repository %s: %w", path, ctx.Err())
	}
}

// scratch makes a temporary directory for one operation; the returned
// function removes it.
func (l *Local) scratch() (string, func(), error) {
	dir, err := os.MkdirTemp(l.tmp, "op-")
	if err != nil {
		return "", nil, fmt.Errorf("make scratch directory: %w", err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// removeAbandoned removes the temporary directories under dir starting with
// prefix whose builder died: no process holds their lock.
func removeAbandoned(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := lockDir(p, true)
		if err != nil {
			continue // held by a live builder, or gone
		}
		_ = os.RemoveAll(p)
		_ = f.Close()
	}
}

// lockDir takes an exclusive flock on a directory; with nonBlocking it fails
// at once when another process holds it. Closing the file releases it, and
// so does the death of the process.
func lockDir(dir string, nonBlocking bool) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX
	if nonBlocking {
		how |= syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return f, nil
}

// removeStale removes the entries of dir whose names start with prefix and
// that were last modified more than staleTempAge ago: leftovers of a crash.
// Younger ones may belong to a running operation of another process.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < staleTempAge {
			continue
		}
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

package grading

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/sandbox"
)

// File is one file of what is graded.
type File struct {
	// Path is slash-separated and relative, such as "src/main.c".
	Path string
	Data []byte
	// Executable files get mode 0755, others 0644.
	Executable bool
}

// Input is what Grade grades: the student's files and the kept-back files
// the tests need. Nothing else of an assignment (its solution, test.yaml,
// other kept-back files) ever reaches a sandbox.
type Input struct {
	// Files are the student's files.
	Files []File
	// TestFiles are the kept-back files the tests need. They appear
	// read-only, owned by the grader, in command and junit tests only:
	// never in the build, never in io tests.
	TestFiles []File
}

// Grade grades the student's files in the sandbox with spec. Every step
// runs in a fresh work directory of its own, which the runner bounds in
// size:
//
//   - the build, when spec has one, gets the student's files alone. If it
//     fails, every test fails with the message "build failed: " followed
//     by the reason and the first lines of the build's output. Its work
//     directory is then frozen read-only: its regular files and
//     directories are the build's outputs;
//   - each test gets a fresh copy of the student's files, or of the
//     build's outputs, and in command and junit tests the test files,
//     read-only. Nothing a test writes survives into the next test.
//
// Tests run in order with their own limits (see [Test]). Whatever the
// student's code does (wrong output, a crash, a limit hit, a missing
// runtime, a missing or malformed JUnit report) is recorded in the
// Summary; messages are built from the test spec and the run's own
// output, never from other files.
//
// Grade returns an error only when the sandbox itself fails (the error
// wraps the runner's, such as [derrors.Unavailable]), when ctx ends
// (the error wraps ctx.Err()), or when it is called without a runner or
// a spec. It then returns no Summary.
func Grade(ctx context.Context, r sandbox.Runner, spec *Spec, in Input) (*Summary, error) {
	if r == nil || spec == nil {
		return nil, errors.New("grade: runner and spec are required")
	}
	g := &grader{runner: r, files: localFiles(in.Files), testFiles: localFiles(in.TestFiles)}
	defer g.close()

	results := make([]TestResult, 0, len(spec.Tests))
	if spec.Build != nil {
		reason, err := g.build(ctx, spec.Build)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			return FailAll(spec, "build failed: "+reason), nil
		}
	}
	for i := range spec.Tests {
		rs, err := g.test(ctx, &spec.Tests[i])
		if err != nil {
			return nil, err
		}
		for j := range rs {
			rs[j].Visibility = spec.Tests[i].Visibility
		}
		results = append(results, rs...)
	}
	return newSummary(results), nil
}

// FailAll is the summary of a run that could not start for the
// student's reason, msg: every test failed with that message.
func FailAll(spec *Spec, msg string) *Summary {
	results := make([]TestResult, 0, len(spec.Tests))
	for i := range spec.Tests {
		t := &spec.Tests[i]
		r := result(t.Name, OutcomeFailed, 0, t.Points, msg, 0)
		r.Visibility = t.Visibility
		results = append(results, r)
	}
	return newSummary(results)
}

// MaxDiskBytes is the largest disk limit of the build and the tests: what
// the student's files may hold at most.
func (s *Spec) MaxDiskBytes() int64 {
	n := DiskLimitDefault
	if s.Build != nil {
		n = max(n, s.Build.DiskBytes)
	}
	for i := range s.Tests {
		n = max(n, s.Tests[i].DiskBytes)
	}
	return n
}

// localFiles keeps the files whose path is a clean relative path; git
// allows no other, so any other is dropped rather than trusted.
func localFiles(in []File) []File {
	out := make([]File, 0, len(in))
	seen := map[string]bool{}
	for _, f := range in {
		if !localPath(f.Path) || path.Clean(f.Path) != f.Path || seen[f.Path] {
			continue
		}
		seen[f.Path] = true
		out = append(out, f)
	}
	return out
}

// grader holds what every step of one Grade call shares.
type grader struct {
	runner           sandbox.Runner
	files, testFiles []File
	// built is the build's frozen work directory, nil without a build.
	built *sandbox.WorkDir
	// staged holds the test files on the host, made on first use.
	staged *sandbox.WorkDir
}

func (g *grader) close() {
	for _, w := range []*sandbox.WorkDir{g.built, g.staged} {
		if w != nil {
			_ = w.Close()
		}
	}
}

// run runs one command in the sandbox. Its error is the sandbox's failure
// or the end of ctx; everything the command itself does is in the result.
func (g *grader) run(ctx context.Context, what string, s sandbox.Spec) (*sandbox.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("grade: %s: %w", what, err)
	}
	res, err := g.runner.Run(ctx, s)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("grade: %s: %w", what, ctxErr)
	}
	if err != nil {
		return nil, fmt.Errorf("grade: %s: sandbox: %w", what, err)
	}
	if res == nil {
		return nil, fmt.Errorf("grade: %s: sandbox returned no result", what)
	}
	return res, nil
}

// workDir makes a work directory of the given size for what.
func (g *grader) workDir(what string, size int64) (*sandbox.WorkDir, error) {
	w, err := g.runner.NewWorkDir(size)
	if err != nil {
		return nil, fmt.Errorf("grade: %s: sandbox: %w", what, err)
	}
	return w, nil
}

// build runs the build step in a work directory holding the student's
// files alone, and freezes it. It returns why the build failed, or "".
func (g *grader) build(ctx context.Context, b *Build) (string, error) {
	w, err := g.workDir("build", b.DiskBytes)
	if err != nil {
		return "", err
	}
	g.built = w
	if err := writeFiles(w.Path, g.files, nil); err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return fmt.Sprintf("the submitted files do not fit the disk limit of %d MiB", b.DiskBytes>>20), nil
		}
		return "", fmt.Errorf("grade: build: %w", err)
	}
	l := sandbox.Limits{WallTime: b.TimeLimit, MemoryBytes: b.MemoryBytes}
	res, err := g.run(ctx, "build", sandbox.Spec{Command: b.Command, Dir: w.Path, Limits: l})
	if err != nil {
		return "", err
	}
	if err := w.Freeze(); err != nil {
		return "", fmt.Errorf("grade: build: %w", err)
	}
	reason := abnormalEnd(res, l)
	switch {
	case reason != "" && res.ExitCode == 127:
		return reason, nil
	case reason == "" && res.ExitCode == 0:
		return "", nil
	case reason == "":
		reason = exitReason(res)
	}
	return withExcerpt(reason, outputExcerpt(res.Stderr, res.Stdout)), nil
}

// stageTestFiles writes the test files once into a work directory of
// their own, frozen, and returns how each is shown in a test's /work.
func (g *grader) stageTestFiles() ([]sandbox.Bind, error) {
	if len(g.testFiles) == 0 {
		return nil, nil
	}
	if g.staged == nil {
		var size int64
		for _, f := range g.testFiles {
			size += int64(len(f.Data)) + 4096
		}
		w, err := g.workDir("test files", size+1<<20)
		if err != nil {
			return nil, err
		}
		g.staged = w
		if err := writeFiles(w.Path, g.testFiles, nil); err != nil {
			return nil, fmt.Errorf("grade: stage test files: %w", err)
		}
		if err := w.Freeze(); err != nil {
			return nil, fmt.Errorf("grade: stage test files: %w", err)
		}
	}
	binds := make([]sandbox.Bind, len(g.testFiles))
	for i, f := range g.testFiles {
		binds[i] = sandbox.Bind{Source: filepath.Join(g.staged.Path, filepath.FromSlash(f.Path)), Target: f.Path}
	}
	return binds, nil
}

// test runs one test in a fresh work directory and judges it. A junit
// test may give several results.
func (g *grader) test(ctx context.Context, t *Test) ([]TestResult, error) {
	what := fmt.Sprintf("test %q", t.Name)
	var binds []sandbox.Bind
	if t.Type != TypeIO {
		var err error
		if binds, err = g.stageTestFiles(); err != nil {
			return nil, err
		}
	}
	w, err := g.workDir(what, t.DiskBytes)
	if err != nil {
		return nil, err
	}
	defer w.Close()

	one := func(o Outcome, msg string, seconds float64) []TestResult {
		earned := 0.0
		if o == OutcomePassed {
			earned = t.Points
		}
		return []TestResult{result(t.Name, o, earned, t.Points, msg, seconds)}
	}
	// What the test files, and a junit test's report, will occupy is
	// left free: the student's version of a test file is never used.
	reserved := func(rel string) bool {
		if t.Type == TypeJUnit && rel == t.Report {
			return true
		}
		for _, b := range binds {
			if rel == b.Target || strings.HasPrefix(b.Target, rel+"/") || strings.HasPrefix(rel, b.Target+"/") {
				return true
			}
		}
		return false
	}
	if g.built != nil {
		err = copyTree(g.built.Path, w.Path, reserved)
	} else {
		err = writeFiles(w.Path, g.files, reserved)
	}
	if errors.Is(err, syscall.ENOSPC) {
		return one(OutcomeFailed, fmt.Sprintf("the submitted files and build outputs do not fit the disk limit of %d MiB", t.DiskBytes>>20), 0), nil
	}
	if err != nil {
		return nil, fmt.Errorf("grade: %s: prepare work dir: %w", what, err)
	}

	l := sandbox.Limits{WallTime: t.TimeLimit, MemoryBytes: t.MemoryBytes}
	s := sandbox.Spec{Command: t.CommandLine(), Dir: w.Path, ReadOnly: binds, Limits: l}
	if t.Stdin != "" {
		s.Stdin = []byte(t.Stdin)
	}
	res, err := g.run(ctx, what, s)
	if err != nil {
		return nil, err
	}
	dur := res.Duration.Seconds()
	if res.Inferred && t.ExitCode != nil && res.ExitCode == *t.ExitCode {
		// The program exited as the test expects; words in its stderr
		// that sound like a limit do not make it one.
		res.Limit, res.Reason = "", exitReason(res)
	}
	if reason := abnormalEnd(res, l); reason != "" {
		return one(OutcomeFailed, reason, dur), nil
	}

	switch t.Type {
	case TypeIO:
		ok, msg, err := compareOutput(t.Compare, t.Stdout, res.Stdout)
		if err != nil {
			return one(OutcomeError, "invalid test: "+err.Error(), dur), nil
		}
		switch {
		case t.ExitCode != nil && res.ExitCode != *t.ExitCode:
			m := fmt.Sprintf("exit code %d, expected %d", res.ExitCode, *t.ExitCode)
			if !ok {
				m = msg + "; " + m
			}
			return one(OutcomeFailed, withExcerpt(m, firstLines(res.Stderr)), dur), nil
		case !ok && res.ExitCode != 0:
			return one(OutcomeFailed, withExcerpt(msg+"; "+exitReason(res), firstLines(res.Stderr)), dur), nil
		case !ok:
			return one(OutcomeFailed, msg, dur), nil
		}
		return one(OutcomePassed, "", dur), nil
	case TypeCommand:
		want := 0
		if t.ExitCode != nil {
			want = *t.ExitCode
		}
		if res.ExitCode == want {
			return one(OutcomePassed, "", dur), nil
		}
		m := exitReason(res)
		if want != 0 {
			m += fmt.Sprintf(", expected %d", want)
		}
		return one(OutcomeFailed, withExcerpt(m, outputExcerpt(res.Stderr, res.Stdout)), dur), nil
	case TypeJUnit:
		return junitResults(t, res, w.Path), nil
	default:
		return one(OutcomeError, fmt.Sprintf("invalid test: unknown type %q", t.Type), dur), nil
	}
}

// junitResults judges a junit test from the report its command wrote in
// dir.
func junitResults(t *Test, res *sandbox.Result, dir string) []TestResult {
	cases, err := readReport(dir, t.Report)
	if err == nil && len(cases) == 0 {
		err = errors.New("has no test cases")
	}
	if err != nil {
		msg := fmt.Sprintf("junit report %s %v", t.Report, err)
		if res.ExitCode != 0 {
			msg = withExcerpt(msg+"; the command ended with "+exitReason(res), outputExcerpt(res.Stderr, res.Stdout))
		}
		return []TestResult{result(t.Name, OutcomeError, 0, t.Points, msg, res.Duration.Seconds())}
	}
	each := t.Points / float64(len(cases))
	seen := make(map[string]int, len(cases))
	out := make([]TestResult, 0, len(cases))
	for _, c := range cases {
		name := t.Name + "/" + c.Name
		if c.Classname != "" {
			name = t.Name + "/" + c.Classname + "." + c.Name
		}
		if n := seen[name]; n > 0 {
			seen[name] = n + 1
			name += " (" + strconv.Itoa(n+1) + ")"
		} else {
			seen[name] = 1
		}
		earned := 0.0
		if c.Outcome == OutcomePassed {
			earned = each
		}
		out = append(out, result(name, c.Outcome, earned, each, c.Message, c.Time))
	}
	return out
}

// readReport reads a JUnit report inside dir. Every directory on the way
// is opened with O_DIRECTORY and O_NOFOLLOW, and the report itself with
// O_NOFOLLOW and O_NONBLOCK: a symbolic link anywhere on the path is
// refused rather than followed, and a FIFO or device the run left there
// fails at once instead of hanging the grader. The report must be a
// regular file of at most ReportMaxBytes. Its errors read after "junit
// report <path>" and name no host path.
func readReport(dir, report string) ([]junitCase, error) {
	if !localPath(report) {
		return nil, errors.New("is not a relative path inside the work directory")
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, errors.New("could not be read: the work directory cannot be opened")
	}
	parts := strings.Split(path.Clean(report), "/")
	for _, p := range parts[:len(parts)-1] {
		next, err := syscall.Openat(fd, p, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		syscall.Close(fd)
		switch {
		case errors.Is(err, syscall.ENOENT):
			return nil, errors.New("was not written")
		case errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR):
			return nil, fmt.Errorf("could not be read: %s is not a directory", p)
		case err != nil:
			return nil, fmt.Errorf("could not be read: %w", err)
		}
		fd = next
	}
	rfd, err := syscall.Openat(fd, parts[len(parts)-1],
		syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
	syscall.Close(fd)
	switch {
	case errors.Is(err, syscall.ENOENT):
		return nil, errors.New("was not written")
	case errors.Is(err, syscall.ELOOP):
		return nil, errors.New("is a symbolic link, not a file")
	case err != nil:
		return nil, fmt.Errorf("could not be read: %w", err)
	}
	f := os.NewFile(uintptr(rfd), report)
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("could not be read: %w", pathErrorCause(err))
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("is not a regular file")
	} else if fi.Size() > ReportMaxBytes {
		return nil, fmt.Errorf("is larger than %d MiB", ReportMaxBytes>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, ReportMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("could not be read: %w", pathErrorCause(err))
	}
	if len(b) > ReportMaxBytes {
		return nil, fmt.Errorf("is larger than %d MiB", ReportMaxBytes>>20)
	}
	cases, err := parseJUnit(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("is not valid JUnit XML: %w", err)
	}
	return cases, nil
}

// pathErrorCause drops the operation and path of a *fs.PathError.
func pathErrorCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// result builds a TestResult with a message safe to show.
func result(name string, o Outcome, points, maxPoints float64, msg string, seconds float64) TestResult {
	return TestResult{
		Name:      name,
		Result:    o,
		Points:    points,
		MaxPoints: maxPoints,
		Message:   safeMessage(msg),
		Duration:  seconds,
	}
}

// abnormalEnd says why a run ended other than by the command exiting on its
// own (a sandbox limit, a missing command, a kill), or returns "".
func abnormalEnd(res *sandbox.Result, l sandbox.Limits) string {
	switch {
	case res.Limit != "":
		if res.Reason != "" {
			return res.Reason
		}
		return limitMessage(res.Limit, l)
	case res.ExitCode == 127:
		if res.Reason != "" {
			return res.Reason
		}
		return withExcerpt("command not found", firstLines(res.Stderr))
	case res.ExitCode < 0:
		if res.Reason != "" {
			return res.Reason
		}
		return "killed by the sandbox"
	}
	return ""
}

// exitReason describes an ordinary exit.
func exitReason(res *sandbox.Result) string {
	m := "exit code " + strconv.Itoa(res.ExitCode)
	if res.Reason != "" && res.Reason != m {
		m += " (" + res.Reason + ")"
	}
	return m
}

// limitMessage names a sandbox limit, for a runner that gave no reason.
func limitMessage(limit string, l sandbox.Limits) string {
	switch limit {
	case sandbox.LimitWallTime:
		if l.WallTime > 0 {
			return "time limit of " + seconds(l.WallTime) + " exceeded"
		}
		return "time limit exceeded"
	case sandbox.LimitCPUTime:
		if l.CPUTime > 0 {
			return "CPU time limit of " + seconds(l.CPUTime) + " exceeded"
		}
		return "CPU time limit exceeded"
	case sandbox.LimitMemory:
		if l.MemoryBytes > 0 {
			return fmt.Sprintf("memory limit of %d MiB exceeded", l.MemoryBytes>>20)
		}
		return "memory limit exceeded"
	case sandbox.LimitProcesses:
		return "process limit exceeded"
	case sandbox.LimitOutput:
		return "output limit exceeded"
	case sandbox.LimitFileSize:
		return "file size limit exceeded"
	case sandbox.LimitDisk:
		return "disk limit exceeded"
	default:
		return fmt.Sprintf("sandbox limit %q exceeded", limit)
	}
}

// seconds formats d as "5s" or "0.5s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

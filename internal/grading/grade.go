package grading

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/computor-org/computor-go/internal/sandbox"
)

// Grade grades the work laid out in dir (the student's files together with
// the test files kept back from students) with spec, running every command
// through r in dir.
//
// When spec has a build step it runs first, with its own limits; if it
// fails, every test fails with the message "build failed: " followed by the
// reason and the first lines of the build's output. Then each test runs in
// order with its own limits (see [Test]). Whatever the student's code does
// (wrong output, a crash, a limit hit, a missing runtime, a missing or
// malformed JUnit report) is recorded in the Summary.
//
// Grade returns an error only when the sandbox itself fails (r returns an
// error, which the error wraps, such as [sandbox.ErrUnavailable]), when ctx
// ends (the error wraps ctx.Err()), or when it is called without a runner,
// a spec or an existing directory. It then returns no Summary.
//
// Before a junit test runs, Grade removes its report file from dir, so that
// a report left in the work directory is never graded.
func Grade(ctx context.Context, r sandbox.Runner, spec *Spec, dir string) (*Summary, error) {
	if r == nil || spec == nil {
		return nil, errors.New("grade: runner and spec are required")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("grade: resolve work directory: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("grade: work directory: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("grade: work directory %s is not a directory", abs)
	}
	g := &grader{runner: r, dir: abs, scrub: newScrubber(abs)}

	results := make([]TestResult, 0, len(spec.Tests))
	if spec.Build != nil {
		reason, err := g.build(ctx, spec.Build)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			for i := range spec.Tests {
				t := &spec.Tests[i]
				results = append(results, g.result(t.Name, OutcomeFailed, 0, t.Points, "build failed: "+reason, 0))
			}
			return newSummary(results), nil
		}
	}
	for i := range spec.Tests {
		rs, err := g.test(ctx, &spec.Tests[i])
		if err != nil {
			return nil, err
		}
		results = append(results, rs...)
	}
	return newSummary(results), nil
}

// grader holds what every step of one Grade call shares.
type grader struct {
	runner sandbox.Runner
	// dir is the absolute host path of the work directory.
	dir   string
	scrub scrubber
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

// build runs the build step and returns why it failed, or "" when it
// succeeded.
func (g *grader) build(ctx context.Context, b *Build) (string, error) {
	l := sandbox.Limits{WallTime: b.TimeLimit, MemoryBytes: b.MemoryBytes}
	res, err := g.run(ctx, "build", sandbox.Spec{Command: b.Command, Dir: g.dir, Limits: l})
	if err != nil {
		return "", err
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

// test runs one test and judges it. A junit test may give several results.
func (g *grader) test(ctx context.Context, t *Test) ([]TestResult, error) {
	l := sandbox.Limits{WallTime: t.TimeLimit, MemoryBytes: t.MemoryBytes}
	s := sandbox.Spec{Command: t.CommandLine(), Dir: g.dir, Limits: l}
	if t.Stdin != "" {
		s.Stdin = []byte(t.Stdin)
	}
	if t.Type == TypeJUnit {
		g.removeReport(t.Report)
	}
	res, err := g.run(ctx, fmt.Sprintf("test %q", t.Name), s)
	if err != nil {
		return nil, err
	}
	dur := res.Duration.Seconds()
	one := func(o Outcome, msg string) []TestResult {
		earned := 0.0
		if o == OutcomePassed {
			earned = t.Points
		}
		return []TestResult{g.result(t.Name, o, earned, t.Points, msg, dur)}
	}
	if reason := abnormalEnd(res, l); reason != "" {
		return one(OutcomeFailed, reason), nil
	}

	switch t.Type {
	case TypeIO:
		ok, msg, err := compareOutput(t.Compare, t.Stdout, res.Stdout)
		if err != nil {
			return one(OutcomeError, "invalid test: "+err.Error()), nil
		}
		switch {
		case t.ExitCode != nil && res.ExitCode != *t.ExitCode:
			m := fmt.Sprintf("exit code %d, expected %d", res.ExitCode, *t.ExitCode)
			if !ok {
				m = msg + "; " + m
			}
			return one(OutcomeFailed, withExcerpt(m, firstLines(res.Stderr))), nil
		case !ok && res.ExitCode != 0:
			return one(OutcomeFailed, withExcerpt(msg+"; "+exitReason(res), firstLines(res.Stderr))), nil
		case !ok:
			return one(OutcomeFailed, msg), nil
		}
		return one(OutcomePassed, ""), nil
	case TypeCommand:
		want := 0
		if t.ExitCode != nil {
			want = *t.ExitCode
		}
		if res.ExitCode == want {
			return one(OutcomePassed, ""), nil
		}
		m := exitReason(res)
		if want != 0 {
			m += fmt.Sprintf(", expected %d", want)
		}
		return one(OutcomeFailed, withExcerpt(m, outputExcerpt(res.Stderr, res.Stdout))), nil
	case TypeJUnit:
		return g.junit(t, res), nil
	default:
		return one(OutcomeError, fmt.Sprintf("invalid test: unknown type %q", t.Type)), nil
	}
}

// junit judges a junit test from the report its command wrote.
func (g *grader) junit(t *Test, res *sandbox.Result) []TestResult {
	cases, err := g.readReport(t.Report)
	if err == nil && len(cases) == 0 {
		err = errors.New("has no test cases")
	}
	if err != nil {
		msg := fmt.Sprintf("junit report %s %v", t.Report, err)
		if res.ExitCode != 0 {
			msg = withExcerpt(msg+"; the command ended with "+exitReason(res), outputExcerpt(res.Stderr, res.Stdout))
		}
		return []TestResult{g.result(t.Name, OutcomeError, 0, t.Points, msg, res.Duration.Seconds())}
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
		out = append(out, g.result(name, c.Outcome, earned, each, c.Message, c.Time))
	}
	return out
}

// removeReport removes a report left in the work directory before its test
// runs. A report that cannot be removed is simply graded as found.
func (g *grader) removeReport(report string) {
	root, err := os.OpenRoot(g.dir)
	if err != nil {
		return
	}
	defer root.Close()
	_ = root.Remove(report)
}

// readReport reads a JUnit report inside the work directory. Its errors
// read after "junit report <path>" and name no host path.
func (g *grader) readReport(report string) ([]junitCase, error) {
	if !localPath(report) {
		return nil, errors.New("is not a relative path inside the work directory")
	}
	root, err := os.OpenRoot(g.dir)
	if err != nil {
		return nil, errors.New("could not be read: the work directory cannot be opened")
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(report))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("was not written")
		}
		return nil, fmt.Errorf("could not be read: %w", pathErrorCause(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("could not be read: %w", pathErrorCause(err))
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("is not a regular file")
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
func (g *grader) result(name string, o Outcome, points, maxPoints float64, msg string, seconds float64) TestResult {
	return TestResult{
		Name:      name,
		Result:    o,
		Points:    points,
		MaxPoints: maxPoints,
		Message:   g.scrub.message(msg),
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
	default:
		return fmt.Sprintf("sandbox limit %q exceeded", limit)
	}
}

// seconds formats d as "5s" or "0.5s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

package grading

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/sandbox"
)

// brief is what a test checks of one summary entry; msg is a substring of
// the message ("" means the message must be empty).
type brief struct {
	name   string
	result Outcome
	points float64
	msg    string
}

// checkSummary compares a summary's entries with want and its score with
// score, and checks the invariants every summary keeps: bounded UTF-8
// messages that show no host path.
func checkSummary(t *testing.T, s *Summary, score float64, want []brief) {
	t.Helper()
	if s.Score != score {
		t.Errorf("score = %v, want %v", s.Score, score)
	}
	if len(s.Tests) != len(want) {
		t.Fatalf("summary has %d entries, want %d: %+v", len(s.Tests), len(want), s.Tests)
	}
	counts := map[Outcome]int{}
	for i, w := range want {
		g := s.Tests[i]
		counts[g.Result]++
		if g.Name != w.name || g.Result != w.result || g.Points != w.points ||
			(w.msg == "") != (g.Message == "") || !strings.Contains(g.Message, w.msg) {
			t.Errorf("entry %d = %+v\nwant name %q, result %s, points %v, message containing %q", i, g, w.name, w.result, w.points, w.msg)
		}
		if len(g.Message) > MessageMaxBytes || !utf8.ValidString(g.Message) {
			t.Errorf("entry %d: message of %d bytes is too long or not UTF-8", i, len(g.Message))
		}
		for _, p := range hostPaths {
			if strings.Contains(g.Message, p) {
				t.Errorf("entry %d: message shows a host path: %q", i, g.Message)
			}
		}
	}
	if s.Total != len(want) || s.Passed != counts[OutcomePassed] || s.Skipped != counts[OutcomeSkipped] ||
		s.Failed != counts[OutcomeFailed]+counts[OutcomeError] {
		t.Errorf("counts total/passed/failed/skipped = %d/%d/%d/%d, entries say %v", s.Total, s.Passed, s.Failed, s.Skipped, counts)
	}
}

// sumInput is a solution of testdata/sum.
func sumInput(t *testing.T, solution string) Input {
	t.Helper()
	return Input{Files: files(map[string]string{"sum.py": readTestdata(t, "sum/"+solution+"/sum.py")})}
}

func TestGradeSum(t *testing.T) {
	t.Parallel()
	requirePython(t)
	spec := mustParse(t, readTestdata(t, "sum/test.yaml"))
	tests := []struct {
		solution string
		score    float64
		want     []brief
	}{
		{"correct", 1, []brief{
			{"small", OutcomePassed, 1, ""},
			{"negative", OutcomePassed, 1, ""},
			{"big", OutcomePassed, 2, ""},
		}},
		{"partial", 0.75, []brief{
			{"small", OutcomePassed, 1, ""},
			{"negative", OutcomeFailed, 0, `output does not match the expected pattern "-0*2"; got "8"`},
			{"big", OutcomePassed, 2, ""},
		}},
		{"crash", 0, []brief{
			{"small", OutcomeFailed, 0, "no output; expected \"3\"; exit code 1:\nTraceback (most recent call last):\n  File \"/work/sum.py\", line 1"},
			{"negative", OutcomeFailed, 0, "ValueError: invalid literal for int() with base 10: '-5 3'"},
			{"big", OutcomeFailed, 0, "exit code 1, expected 0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.solution, func(t *testing.T) {
			t.Parallel()
			s := grade(t, spec, sumInput(t, tt.solution))
			checkSummary(t, s, tt.score, tt.want)
			for _, r := range s.Tests {
				if r.Duration <= 0 || r.Duration > 10 {
					t.Errorf("%s: duration %v s is not the run's", r.Name, r.Duration)
				}
			}
		})
	}
}

func TestGradeBuild(t *testing.T) {
	t.Parallel()
	requirePython(t)
	const specYAML = `build: {command: "python3 -m py_compile sum.py", time_limit: 20}
tests:
  - {name: small, type: io, command: python3 sum.py, stdin: "1 2", stdout: "3"}
  - {name: suite, type: junit, command: "true", report: report.xml, points: 3}
`
	spec := mustParse(t, specYAML)

	t.Run("failed build fails every test", func(t *testing.T) {
		t.Parallel()
		s := grade(t, spec, sumInput(t, "syntax"))
		checkSummary(t, s, 0, []brief{
			{"small", OutcomeFailed, 0, "build failed: exit code 1:\n"},
			{"suite", OutcomeFailed, 0, "build failed: exit code 1:\n"},
		})
		if m := s.Tests[0].Message; !strings.Contains(m, "SyntaxError: '(' was never closed") {
			t.Errorf("build message does not show the compiler's error: %q", m)
		}
		if s.Tests[1].MaxPoints != 3 {
			t.Errorf("junit test worth %v after a failed build, want 3", s.Tests[1].MaxPoints)
		}
	})
	t.Run("successful build", func(t *testing.T) {
		t.Parallel()
		s := grade(t, spec, sumInput(t, "correct"))
		checkSummary(t, s, 0.25, []brief{
			{"small", OutcomePassed, 1, ""},
			{"suite", OutcomeError, 0, "junit report report.xml was not written"},
		})
	})

	// A build that ends abnormally, through a scripted sandbox.
	tests := []struct {
		name string
		res  sandbox.Result
		msg  string
	}{
		{"compiler missing", sandbox.Result{ExitCode: 127, Stderr: []byte("sh: 1: gcc: not found\n"), Reason: "command not found: gcc"}, "build failed: command not found: gcc"},
		{"compiler too slow", sandbox.Result{ExitCode: -1, Limit: sandbox.LimitWallTime, Stderr: []byte("compiling...\n"), Reason: "time limit of 20s exceeded"}, "build failed: time limit of 20s exceeded:\ncompiling..."},
		{"errors on stdout", sandbox.Result{ExitCode: 2, Stdout: []byte("\nMain.java:3: error: ';' expected\n"), Reason: "exit code 2"}, "build failed: exit code 2:\nMain.java:3: error: ';' expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var runs int
			r := scripted(func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
				runs++
				if s.Limits.WallTime != 20*time.Second || s.Limits.MemoryBytes != MemoryLimitDefault {
					t.Errorf("build ran with limits %+v", s.Limits)
				}
				res := tt.res
				return &res, nil
			})
			s, err := Grade(context.Background(), r, spec, Input{})
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			if runs != 1 {
				t.Errorf("the sandbox ran %d commands, want only the build", runs)
			}
			checkSummary(t, s, 0, []brief{{"small", OutcomeFailed, 0, tt.msg}, {"suite", OutcomeFailed, 0, tt.msg}})
			if s.Tests[0].Message != tt.msg {
				t.Errorf("message = %q, want %q", s.Tests[0].Message, tt.msg)
			}
		})
	}
}

func TestGradeJUnit(t *testing.T) {
	t.Parallel()
	three := readTestdata(t, "junit/three.xml")
	tests := []struct {
		name    string
		command string
		report  string
		points  float64
		files   map[string]string
		score   float64
		want    []brief
	}{
		{
			name:    "two of three cases pass",
			command: "cp cases.xml report.xml",
			points:  3,
			files:   map[string]string{"cases.xml": three},
			score:   2.0 / 3.0,
			want: []brief{
				{"suite/test_sum.test_small", OutcomePassed, 1, ""},
				{"suite/test_sum.test_negative", OutcomeFailed, 0, "assert 8 == -2\ntest_sum.py:7: AssertionError"},
				{"suite/test_sum.test_big", OutcomePassed, 1, ""},
			},
		},
		{
			name:    "report in a subdirectory, failing exit code ignored",
			command: "mkdir -p out/junit && cp cases.xml out/junit/r.xml && exit 1",
			report:  "out/junit/r.xml",
			points:  1.5,
			files:   map[string]string{"cases.xml": three},
			score:   2.0 / 3.0,
			want: []brief{
				{"suite/test_sum.test_small", OutcomePassed, 0.5, ""},
				{"suite/test_sum.test_negative", OutcomeFailed, 0, "assert 8 == -2"},
				{"suite/test_sum.test_big", OutcomePassed, 0.5, ""},
			},
		},
		{
			name:    "pytest report with skipped and errored cases",
			command: "cp cases.xml report.xml",
			points:  5,
			files:   map[string]string{"cases.xml": readTestdata(t, "junit/pytest.xml")},
			score:   0.4,
			want: []brief{
				{"suite/test_sum.test_small", OutcomePassed, 1, ""},
				{"suite/test_sum.test_negative", OutcomeFailed, 0, "assert 8 == -2"},
				{"suite/test_sum.test_later", OutcomeSkipped, 0, "not graded yet"},
				{"suite/test_sum.test_fixture", OutcomeFailed, 0, "error: failed on setup"},
				{"suite/test_sum.TestBig.test_big[1-2]", OutcomePassed, 1, ""},
			},
		},
		{
			name:    "repeated case names are told apart",
			command: `printf '<testsuite><testcase name="t"/><testcase name="t"/><testcase classname="c" name="t"/></testsuite>' > report.xml`,
			points:  3,
			score:   1,
			want: []brief{
				{"suite/t", OutcomePassed, 1, ""},
				{"suite/t (2)", OutcomePassed, 1, ""},
				{"suite/c.t", OutcomePassed, 1, ""},
			},
		},
		{
			name:    "missing report",
			command: "true",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml was not written"}},
		},
		{
			name:    "missing report after the command failed",
			command: "echo 'run-tests.sh: no tests collected' >&2; exit 5",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml was not written; the command ended with exit code 5:\nrun-tests.sh: no tests collected"}},
		},
		{
			name:    "a report left in the work directory is not graded",
			command: "true",
			files:   map[string]string{"report.xml": three},
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml was not written"}},
		},
		{
			name:    "malformed report",
			command: "echo '<testsuite><testcase name=\"a\">' > report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is not valid JUnit XML: XML syntax error on line 2: unexpected EOF"}},
		},
		{
			name:    "report without cases",
			command: "echo '<testsuites/>' > report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml has no test cases"}},
		},
		{
			name:    "report is a directory",
			command: "mkdir report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is not a regular file"}},
		},
		{
			name:    "report is a symbolic link to a host file",
			command: "ln -s /etc/shadow report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is a symbolic link, not a file"}},
		},
		{
			name:    "report is a symbolic link to a good report",
			command: "cp cases.xml real.xml && ln -s real.xml report.xml",
			files:   map[string]string{"cases.xml": three},
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is a symbolic link, not a file"}},
		},
		{
			name:    "report directory leads out of the work directory",
			command: "ln -s / out",
			report:  "out/etc/passwd",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report out/etc/passwd could not be read: out is not a directory"}},
		},
		{
			name:    "report directory is a link inside the work directory",
			command: "mkdir real && cp cases.xml real/r.xml && ln -s real out",
			files:   map[string]string{"cases.xml": three},
			report:  "out/r.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report out/r.xml could not be read: out is not a directory"}},
		},
		{
			name:    "report directory is a FIFO, which must not hang the grader",
			command: "mkdir out && mkfifo out/junit",
			report:  "out/junit/r.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report out/junit/r.xml could not be read: junit is not a directory"}},
		},
		{
			name:    "report is a FIFO, which must not hang the grader",
			command: "mkfifo report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is not a regular file"}},
		},
		{
			name:    "report is a FIFO a process left behind holds open",
			command: "mkfifo report.xml && (sleep 60 > report.xml &) ; true",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is not a regular file"}},
		},
		{
			name:    "report is too large",
			command: "head -c 11000000 /dev/zero > report.xml",
			points:  3,
			want:    []brief{{"suite", OutcomeError, 0, "junit report report.xml is larger than 10 MiB"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			report := tt.report
			if report == "" {
				report = "report.xml"
			}
			spec := &Spec{Tests: []Test{{Name: "suite", Type: TypeJUnit, Points: tt.points, Command: tt.command, Report: report,
				TimeLimit: 5 * time.Second, DiskBytes: DiskLimitDefault}}}
			start := time.Now()
			s := grade(t, spec, Input{Files: files(tt.files)})
			checkSummary(t, s, tt.score, tt.want)
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("grading took %v", d)
			}
		})
	}
}

func TestGradeRunEndings(t *testing.T) {
	t.Parallel()
	const specYAML = `tests:
  - {name: io, type: io, command: python3 sum.py, stdin: "1 2", stdout: "3", time_limit: 5, memory_limit: 256}
  - {name: unit, type: command, command: python3 -m unittest, time_limit: 5, memory_limit: 256}
  - {name: suite, type: junit, command: ./run.sh, report: r.xml, time_limit: 5, memory_limit: 256}
`
	spec := mustParse(t, specYAML)
	tests := []struct {
		name string
		res  sandbox.Result
		msg  string
	}{
		{"wall time", sandbox.Result{ExitCode: -1, Limit: sandbox.LimitWallTime, Reason: "time limit of 5s exceeded"}, "time limit of 5s exceeded"},
		{"wall time without a reason", sandbox.Result{ExitCode: -1, Limit: sandbox.LimitWallTime}, "time limit of 5s exceeded"},
		{"memory without a reason", sandbox.Result{ExitCode: 1, Limit: sandbox.LimitMemory, Stdout: []byte("3\n")}, "memory limit of 256 MiB exceeded"},
		{"output", sandbox.Result{ExitCode: -1, Limit: sandbox.LimitOutput, Stdout: []byte("3\n"), Reason: "output limit of 1 MiB exceeded"}, "output limit of 1 MiB exceeded"},
		{"missing runtime", sandbox.Result{ExitCode: 127, Stderr: []byte("sh: 1: python3: not found\n"), Reason: "command not found: python3"}, "command not found: python3"},
		{"missing runtime without a reason", sandbox.Result{ExitCode: 127, Stderr: []byte("sh: 1: python3: not found\n")}, "command not found:\nsh: 1: python3: not found"},
		{"killed", sandbox.Result{ExitCode: -1, Reason: "killed by signal SIGSEGV"}, "killed by signal SIGSEGV"},
		{"disk without a reason", sandbox.Result{ExitCode: 1, Limit: sandbox.LimitDisk}, "disk limit exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scripted(func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
				res := tt.res
				res.Duration = 1500 * time.Millisecond
				return &res, nil
			})
			s, err := Grade(context.Background(), r, spec, Input{})
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			checkSummary(t, s, 0, []brief{{"io", OutcomeFailed, 0, tt.msg}, {"unit", OutcomeFailed, 0, tt.msg}, {"suite", OutcomeFailed, 0, tt.msg}})
			for _, e := range s.Tests {
				if e.Message != tt.msg || e.Duration != 1.5 {
					t.Errorf("%s: message %q after %v s, want %q after 1.5 s", e.Name, e.Message, e.Duration, tt.msg)
				}
			}
		})
	}
}

func TestGradeExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		test string // one test of test.yaml, as a flow mapping
		want brief
	}{
		{"command passes on 0", `{name: t, type: command, command: "exit 0"}`, brief{"t", OutcomePassed, 1, ""}},
		{"command fails otherwise", `{name: t, type: command, command: "echo 'FAILED (failures=1)' >&2; exit 1"}`, brief{"t", OutcomeFailed, 0, "exit code 1:\nFAILED (failures=1)"}},
		{"command output falls back to stdout", `{name: t, type: command, command: "echo 'Tests run: 3, Failures: 1'; exit 1"}`, brief{"t", OutcomeFailed, 0, "exit code 1:\nTests run: 3, Failures: 1"}},
		{"command expected exit code", `{name: t, type: command, command: "exit 3", exit_code: 3}`, brief{"t", OutcomePassed, 1, ""}},
		{"command wrong expected exit code", `{name: t, type: command, command: "exit 0", exit_code: 3}`, brief{"t", OutcomeFailed, 0, "exit code 0, expected 3"}},
		{"io ignores the exit code by default", `{name: t, type: io, command: "echo 3; exit 4", stdout: "3"}`, brief{"t", OutcomePassed, 1, ""}},
		{"io checks a given exit code", `{name: t, type: io, command: "echo 3; echo oops >&2; exit 4", stdout: "3", exit_code: 0}`, brief{"t", OutcomeFailed, 0, "exit code 4, expected 0:\noops"}},
		{"io reports output and exit code", `{name: t, type: io, command: "echo 4; exit 4", stdout: "3", exit_code: 0}`, brief{"t", OutcomeFailed, 0, `wrong output: expected "3", got "4"; exit code 4, expected 0`}},
		{"an expected exit code is not a limit", `{name: t, type: io, command: "echo 3; echo MemoryError >&2; exit 1", stdout: "3", exit_code: 1}`, brief{"t", OutcomePassed, 1, ""}},
		{"io gets stdin and args", `{name: t, type: io, command: "cat; printf '%s|' \"$@\"", args: ["a b", "it's"], stdin: "in\n", stdout: "in\na b|it's|", compare: exact}`, brief{"t", OutcomePassed, 1, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := mustParse(t, "tests:\n  - "+tt.test+"\n")
			s := grade(t, spec, Input{})
			checkSummary(t, s, tt.want.points, []brief{tt.want})
		})
	}
}

func TestGradeSandboxSpec(t *testing.T) {
	t.Parallel()
	const specYAML = `build: {command: make, time_limit: 30, memory_limit: 1024, disk_limit: 200}
tests:
  - {name: a, type: io, command: ./prog, args: ["two words", "x"], stdin: "1 2\n", stdout: "3", time_limit: 2.5, memory_limit: 64}
  - {name: b, type: command, command: make test, disk_limit: 10}
`
	spec := mustParse(t, specYAML)
	var got []sandbox.Spec
	var sizes []int64
	r := scriptedWithSizes(&sizes, func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
		got = append(got, s)
		return &sandbox.Result{Stdout: []byte("3\n"), Reason: "exit code 0"}, nil
	})
	in := Input{Files: files(map[string]string{"prog.c": "int main(){}"}), TestFiles: files(map[string]string{"t/test.c": "test"})}
	s, err := Grade(context.Background(), r, spec, in)
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	if s.Score != 1 {
		t.Errorf("score = %v, want 1", s.Score)
	}
	want := []sandbox.Spec{
		{Command: "make", Limits: sandbox.Limits{WallTime: 30 * time.Second, MemoryBytes: 1024 << 20}},
		{Command: "./prog 'two words' x", Stdin: []byte("1 2\n"), Limits: sandbox.Limits{WallTime: 2500 * time.Millisecond, MemoryBytes: 64 << 20}},
		{Command: "make test", Limits: sandbox.Limits{WallTime: TimeLimitDefault, MemoryBytes: MemoryLimitDefault}},
	}
	if len(got) != len(want) {
		t.Fatalf("sandbox ran %d commands, want %d", len(got), len(want))
	}
	dirs := map[string]bool{}
	for i := range want {
		g, w := got[i], want[i]
		if g.Command != w.Command || string(g.Stdin) != string(w.Stdin) || g.Limits != w.Limits || g.Env != nil {
			t.Errorf("run %d = %+v\nwant %+v", i, g, w)
		}
		if dirs[g.Dir] {
			t.Errorf("run %d reuses the work directory %s", i, g.Dir)
		}
		dirs[g.Dir] = true
	}
	// The build and the io test see no test file; the command test sees
	// it read-only.
	if len(got[0].ReadOnly) != 0 || len(got[1].ReadOnly) != 0 {
		t.Errorf("the build or an io test was shown test files: %+v, %+v", got[0].ReadOnly, got[1].ReadOnly)
	}
	if b := got[2].ReadOnly; len(b) != 1 || b[0].Target != "t/test.c" {
		t.Errorf("command test binds %+v, want t/test.c", b)
	}
	// Work dirs: the build's 200 MiB, the io test's, the test files'
	// (staged when first needed), the command test's.
	if len(sizes) != 4 || sizes[0] != 200<<20 || sizes[1] != DiskLimitDefault || sizes[3] != 10<<20 {
		t.Errorf("work dir sizes %v, want build 200 MiB, io test 64 MiB, test files, command test 10 MiB", sizes)
	}
}

// scriptedWithSizes is scripted, noting the size of each work directory
// asked for.
func scriptedWithSizes(sizes *[]int64, f scripted) sandbox.Runner {
	return sizeNoter{f, sizes}
}

type sizeNoter struct {
	scripted
	sizes *[]int64
}

func (n sizeNoter) NewWorkDir(size int64) (*sandbox.WorkDir, error) {
	*n.sizes = append(*n.sizes, size)
	return n.scripted.NewWorkDir(size)
}

func TestGradeRealRunner(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, `tests:
  - {name: slow, type: command, command: "sleep 10", time_limit: 0.3}
  - {name: runtime, type: io, command: no-such-runtime-4711 sum.py, stdout: "3"}
  - {name: path, type: command, command: 'pwd; exit 1'}
  - {name: disk, type: command, command: 'for i in 1 2 3 4; do head -c 1048576 /dev/zero > f$i || exit 1; done', disk_limit: 2}
`)
	start := time.Now()
	s := grade(t, spec, Input{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("grading took %v; the time limit did not stop the test", d)
	}
	checkSummary(t, s, 0, []brief{
		{"slow", OutcomeFailed, 0, "time limit of 300ms exceeded"},
		{"runtime", OutcomeFailed, 0, "command not found: no-such-runtime-4711"},
		{"path", OutcomeFailed, 0, "exit code 1:\n/work"},
		{"disk", OutcomeFailed, 0, "disk limit of 2 MiB exceeded"},
	})
}

func TestGradeMessagesAreBounded(t *testing.T) {
	t.Parallel()
	noise := strings.Repeat("error in /work/main.py \xff\n", 100000)
	r := scripted(func(context.Context, sandbox.Spec) (*sandbox.Result, error) {
		return &sandbox.Result{ExitCode: 1, Stderr: []byte(noise), Stdout: []byte(noise), Reason: "exit code 1"}, nil
	})
	spec := mustParse(t, "tests:\n  - {name: a, type: command, command: x}\n  - {name: b, type: io, command: x, stdout: '3'}\n")
	s, err := Grade(context.Background(), r, spec, Input{})
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	checkSummary(t, s, 0, []brief{{"a", OutcomeFailed, 0, "exit code 1:\nerror in /work/main.py"}, {"b", OutcomeFailed, 0, "wrong output"}})
	for _, e := range s.Tests {
		if !strings.HasSuffix(e.Message, "…") {
			t.Errorf("%s: a long message is not cut: %d bytes", e.Name, len(e.Message))
		}
	}
}

// failingWorkDirs is a Runner that cannot make work directories.
type failingWorkDirs struct{ scripted }

func (failingWorkDirs) NewWorkDir(int64) (*sandbox.WorkDir, error) {
	return nil, fmt.Errorf("%w: mount tmpfs: no space left", derrors.Unavailable)
}

func TestGradeErrors(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, "build: {command: make}\ntests:\n  - {name: a, type: command, command: x}\n")
	errSandbox := errors.New("bwrap: setting up uid map: permission denied")
	ok := scripted(func(context.Context, sandbox.Spec) (*sandbox.Result, error) {
		return &sandbox.Result{Reason: "exit code 0"}, nil
	})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name   string
		ctx    context.Context
		runner sandbox.Runner
		spec   *Spec
		is     error
		msg    string
	}{
		{"sandbox fails", context.Background(), scripted(func(context.Context, sandbox.Spec) (*sandbox.Result, error) {
			return nil, errSandbox
		}), spec, errSandbox, "grade: build: sandbox: bwrap"},
		{"sandbox fails on a test", context.Background(), scripted(func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
			if s.Command == "make" {
				return &sandbox.Result{}, nil
			}
			return nil, errSandbox
		}), spec, errSandbox, `grade: test "a": sandbox: bwrap`},
		{"sandbox returns nothing", context.Background(), scripted(func(context.Context, sandbox.Spec) (*sandbox.Result, error) {
			return nil, nil
		}), spec, nil, "grade: build: sandbox returned no result"},
		{"no work directory", context.Background(), failingWorkDirs{ok}, spec, derrors.Unavailable, "grade: build: sandbox: unavailable: mount tmpfs"},
		{"context ended before", canceled, ok, spec, context.Canceled, "grade: build: context canceled"},
		{"context ends during a test", context.Background(), nil, spec, context.Canceled, `grade: test "a": context canceled`},
		{"context deadline", context.Background(), scripted(func(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error) {
			<-ctx.Done()
			return &sandbox.Result{ExitCode: -1, Reason: "canceled"}, ctx.Err()
		}), spec, context.DeadlineExceeded, "grade: build: context deadline exceeded"},
		{"no runner", context.Background(), nil, spec, nil, "grade: runner and spec are required"},
		{"no spec", context.Background(), ok, nil, nil, "grade: runner and spec are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, runner := tt.ctx, tt.runner
			switch tt.name {
			case "context ends during a test":
				c, cancel := context.WithCancel(context.Background())
				ctx = c
				runner = scripted(func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
					if s.Command != "make" {
						cancel() // the run is killed because ctx ended
						return &sandbox.Result{ExitCode: -1, Reason: "canceled"}, nil
					}
					return &sandbox.Result{}, nil
				})
			case "context deadline":
				c, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				ctx = c
			}
			s, err := Grade(ctx, runner, tt.spec, Input{})
			if err == nil {
				t.Fatalf("Grade succeeded with %+v", s)
			}
			if s != nil {
				t.Errorf("Grade returned a summary with error %v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("error %q, want it to start with %q", err, tt.msg)
			}
		})
	}
}

func TestSummaryJSON(t *testing.T) {
	t.Parallel()
	spec := &Spec{Tests: []Test{
		{Name: "small", Type: TypeIO, Points: 1, Command: "x", Stdout: "3", Compare: CompareTrimmed},
		{Name: "big", Type: TypeIO, Points: 2, Command: "y", Stdout: "3", Compare: CompareTrimmed},
	}}
	r := scripted(func(_ context.Context, s sandbox.Spec) (*sandbox.Result, error) {
		out := "3\n"
		if s.Command == "y" {
			out = "4\n"
		}
		return &sandbox.Result{Stdout: []byte(out), Duration: 250 * time.Millisecond, Reason: "exit code 0"}, nil
	})
	s, err := Grade(context.Background(), r, spec, Input{})
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	got, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"total":2,"passed":1,"failed":1,"skipped":0,"score":0.3333333333333333,"tests":[` +
		`{"name":"small","result":"passed","points":1,"max_points":1,"message":"","duration":0.25},` +
		`{"name":"big","result":"failed","points":0,"max_points":2,"message":"wrong output: expected \"3\", got \"4\"","duration":0.25}]}`
	if string(got) != want {
		t.Errorf("summary JSON\n got %s\nwant %s", got, want)
	}

	empty, _ := json.Marshal(newSummary(nil))
	if string(empty) != `{"total":0,"passed":0,"failed":0,"skipped":0,"score":0,"tests":[]}` {
		t.Errorf("empty summary JSON = %s", empty)
	}
}

func TestSummaryScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		results []TestResult
		score   float64
	}{
		{"nothing possible", []TestResult{{Result: OutcomePassed, Points: 0, MaxPoints: 0}}, 0},
		{"skipped counts as possible", []TestResult{{Result: OutcomePassed, Points: 1, MaxPoints: 1}, {Result: OutcomeSkipped, MaxPoints: 1}}, 0.5},
		{"thirds add up to one", []TestResult{{Result: OutcomePassed, Points: 1.0 / 3, MaxPoints: 1.0 / 3}, {Result: OutcomePassed, Points: 1.0 / 3, MaxPoints: 1.0 / 3}, {Result: OutcomePassed, Points: 1.0 / 3, MaxPoints: 1.0 / 3}}, 1},
		{"tenths stay within 0..1", []TestResult{{Result: OutcomePassed, Points: 0.1, MaxPoints: 0.1}, {Result: OutcomePassed, Points: 0.2, MaxPoints: 0.2}, {Result: OutcomeError, MaxPoints: 0.7}}, 0.3},
	}
	for _, tt := range tests {
		s := newSummary(tt.results)
		if math.Abs(s.Score-tt.score) > 1e-12 || s.Score < 0 || s.Score > 1 {
			t.Errorf("%s: score = %v, want %v", tt.name, s.Score, tt.score)
		}
	}
}

// Package grading reads an assignment's test.yaml and grades a student's
// work with it, running every command through a [sandbox.Runner].
//
// # test.yaml
//
// The format knows no language: each test is a shell command.
//
//	build: {command: "gcc -O2 -o prog prog.c", time_limit: 30}   # optional
//	tests:
//	  - name: small
//	    points: 1               # default 1; junit: spread over its cases
//	    type: io                # io | command | junit
//	    command: python3 sum.py
//	    args: []                # appended to command, each quoted for sh
//	    stdin: "1 2\n"
//	    stdout: "3"             # io only, required there
//	    compare: trimmed        # io only: exact | trimmed | regex (default trimmed)
//	    exit_code: 0            # io and command; io checks it only when set
//	    time_limit: 5           # seconds, default 10 (build 60), at most 300
//	    memory_limit: 256       # MiB, default 512: the whole run, with what it writes
//	    disk_limit: 64          # MiB the run may write in its work dir, default 64
//	  - {name: unit, points: 2, type: command, command: "python3 -m unittest test_sum.py"}
//	  - {name: suite, type: junit, command: "./run-tests.sh", report: report.xml}
//
// [ParseSpec] reads it strictly and names the line of every mistake, as in
// "test.yaml: line 7: tests[1].type must be io, command or junit".
//
// # Grading
//
// [Grade] runs the build, then every test, each with its own limits, and
// returns a [Summary], whose JSON is the contract with the rest of the
// system. What the student's code does never makes Grade fail: a wrong
// output, a crash, a limit hit or a missing runtime is a failed test with a
// message saying so. Only a failing sandbox or the end of the context is an
// error.
//
// # What a run gets
//
// Grade takes the student's files and the assignment's test files (meta.yaml's
// test_files) in an [Input], and nothing else of the assignment: its
// solution, its test.yaml and any other kept-back file never reach a
// sandbox. Each step runs in a fresh work directory of the runner's:
//
//   - the build gets the student's files alone, never a test file, so no
//     build output can embed one; its work directory is then frozen, and
//     its regular files and directories are the build's outputs (links,
//     FIFOs and the like are dropped);
//   - an io test gets the student's files (or the build's outputs) and no
//     test file: what it prints is compared, outside the sandbox, with
//     expectations that never enter it;
//   - a command or junit test gets the same, plus the test files, read-only
//     and owned by the grader, in place of any student file of the same
//     path.
//
// Nothing a test writes survives into the next test. A junit report is
// opened without following a symbolic link and without blocking, so a
// FIFO or a link planted at its path fails the test with a clear reason.
// Messages are built from the test spec and the run's own output (for
// junit, the report it wrote), capped at [MessageMaxBytes].
//
// A junit test runs its command, then reads the JUnit XML report it wrote
// (pytest's --junitxml, Maven Surefire, Gradle, ...). Each <testcase>
// becomes an entry of its own, named "<test>/<classname>.<case>", worth the
// test's points divided by the number of cases.
package grading

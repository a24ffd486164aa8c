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
//	    memory_limit: 256       # MiB, default 512
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
// A junit test runs its command, then reads the JUnit XML report it wrote
// (pytest's --junitxml, Maven Surefire, Gradle, ...). Each <testcase>
// becomes an entry of its own, named "<test>/<classname>.<case>", worth the
// test's points divided by the number of cases.
package grading

package grading

import (
	"strings"
	"testing"
)

// The tests here grade as a hostile student would, in the real sandbox:
// each test's work directory is fresh, test files are present only where
// tests need them and cannot be changed, and the build sees the
// student's files alone.

func TestGradeTestFilesOnlyWhereNeeded(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, `build: {command: "ls -A > build-saw.txt; cat data/in.txt > leaked.txt 2>&1; true"}
tests:
  - {name: io, type: io, command: "cat data/in.txt 2>&1; cat test_x.py", compare: exact,
     stdout: "cat: data/in.txt: No such file or directory\nthe student's own test\n"}
  - {name: unit, type: command, command: "cat test_x.py data/in.txt && echo; cat build-saw.txt leaked.txt; exit 3"}
`)
	in := Input{
		Files:     files(map[string]string{"main.py": "print(1)\n", "test_x.py": "the student's own test\n"}),
		TestFiles: files(map[string]string{"test_x.py": "KEPT-BACK-TEST\n", "data/in.txt": "KEPT-BACK-DATA\n"}),
	}
	s := grade(t, spec, in)
	// The io test sees the student's files and the build's outputs, and
	// no test file.
	if s.Tests[0].Result != OutcomePassed {
		t.Errorf("the io test saw test files: %+v", s.Tests[0])
	}
	// The command test sees the test files in place of the student's
	// own; the build saw the student's files only.
	want := "exit code 3:\nKEPT-BACK-TEST\nKEPT-BACK-DATA\n\nbuild-saw.txt\nmain.py\ntest_x.py\ncat: data/in.txt: No such file or directory"
	if m := s.Tests[1].Message; m != want {
		t.Errorf("the command test saw:\n%s\nwant:\n%s", m, want)
	}
}

func TestGradeTestFilesCannotBeChanged(t *testing.T) {
	t.Parallel()
	attempts := []string{
		"echo 'import unittest' > test_x.py", "rm -f test_x.py", "mv test_x.py gone.py",
		"chmod 666 test_x.py", "ln -sf /dev/null test_x.py", "mv data elsewhere", "rm -rf data",
		"echo fake > data/in.txt",
	}
	cmd := ""
	for _, a := range attempts {
		cmd += a + " 2>/dev/null && echo 'CHANGED: " + a + "'; "
	}
	spec := mustParse(t, "tests:\n  - {name: attack, type: command, command: \""+cmd+"\"}\n"+
		"  - {name: check, type: command, command: \"cat test_x.py data/in.txt; exit 1\"}\n")
	in := Input{TestFiles: files(map[string]string{"test_x.py": "KEPT\n", "data/in.txt": "DATA\n"})}
	s := grade(t, spec, in)
	for _, e := range s.Tests {
		if strings.Contains(e.Message, "CHANGED") {
			t.Errorf("%s: a test file could be changed: %q", e.Name, e.Message)
		}
	}
	if m := s.Tests[1].Message; !strings.Contains(m, "KEPT\nDATA") {
		t.Errorf("the next test does not see the test files as they were: %q", m)
	}
}

func TestGradeFreshStatePerTest(t *testing.T) {
	t.Parallel()
	// The first test plants files, changes the build's output and leaves
	// a process behind that keeps writing; the second must see none of
	// it. The build output must be there, unchanged, in every test.
	spec := mustParse(t, `build: {command: "echo built > prog.txt && mkdir -p out && echo lib > out/lib.txt"}
tests:
  - {name: plant, type: command, command: "echo planted > marker; echo tampered > prog.txt; rm out/lib.txt; (while true; do echo again > marker2; sleep 0.05; done) & sleep 0.2; exit 0"}
  - {name: look, type: command, command: "sleep 0.3; cat prog.txt out/lib.txt; ls -A; ps -e -o comm= | grep -c sleep; exit 1"}
`)
	s := grade(t, spec, Input{Files: files(map[string]string{"src.txt": "source\n"})})
	look := s.Tests[1].Message
	want := "exit code 1:\nbuilt\nlib\nout\nprog.txt\nsrc.txt\n0"
	if look != want {
		t.Errorf("the second test saw:\n%s\nwant:\n%s", look, want)
	}
}

func TestGradeBuildOutputsAreFilesOnly(t *testing.T) {
	t.Parallel()
	spec := mustParse(t, `build: {command: "ln -s /etc/passwd passwd-link; ln -s .. up; mkfifo pipe; echo ok > real.txt"}
tests:
  - {name: look, type: command, command: "ls -A; exit 1"}
`)
	s := grade(t, spec, Input{})
	if m := s.Tests[0].Message; m != "exit code 1:\nreal.txt" {
		t.Errorf("the test saw %q; want only the build's regular file", m)
	}
}

func TestGradeSubmittedFilesTooLarge(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 3<<20)
	spec := mustParse(t, "tests:\n  - {name: a, type: command, command: \"true\", disk_limit: 2}\n")
	s := grade(t, spec, Input{Files: files(map[string]string{"big.txt": big})})
	checkSummary(t, s, 0, []brief{{"a", OutcomeFailed, 0, "do not fit the disk limit of 2 MiB"}})
}

package course_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/sandbox/sandboxtest"
)

// readCounter is the real git service, counting reads by repository.
type readCounter struct {
	git.Service
	mu    sync.Mutex
	reads map[string]int
}

func (c *readCounter) count(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads[path]++
}

func (c *readCounter) n(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[path]
}

func (c *readCounter) ReadFile(ctx context.Context, path, commit, file string) ([]byte, error) {
	c.count(path)
	return c.Service.ReadFile(ctx, path, commit, file)
}

func (c *readCounter) ReadFiles(ctx context.Context, path, commit, dir string, keep func(string) bool, maxBytes int64) ([]git.File, error) {
	c.count(path)
	return c.Service.ReadFiles(ctx, path, commit, dir, keep, maxBytes)
}

// A worker reads an assignment's tests once per tests commit, and a new
// tests commit is read, never served from what an earlier one held.
func TestGradeCommitReadsTestsOncePerCommit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sb := sandboxtest.Real(t)
	local, err := git.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	repos := &readCounter{Service: local, reads: map[string]int{}}
	// A content path of its own: the cache is the worker's.
	content := "cache-" + filepath.Base(t.TempDir())
	sample := filepath.Join("..", "..", "testdata", "course", "assignments", "sum")
	files := map[string][]byte{}
	for _, name := range []string{"meta.yaml", "test.yaml", "test_sum.py", "sum.py"} {
		b, err := os.ReadFile(filepath.Join(sample, name))
		if err != nil {
			t.Fatal(err)
		}
		files[content+"/"+name] = b
	}
	const assignments, student = "c/assignments", "c/students/s1"
	if _, err := local.EnsureRepo(ctx, assignments, files, "tests"); err != nil {
		t.Fatal(err)
	}
	correct, err := os.ReadFile(filepath.Join("..", "..", "testdata", "course", "solutions", "sum", "correct.py"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := local.EnsureRepo(ctx, student, map[string][]byte{content + "/sum.py": correct}, "solution"); err != nil {
		t.Fatal(err)
	}
	head := func(path string) string {
		c, err := local.Resolve(ctx, path, "main")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	testsA, commit := head(assignments), head(student)
	grade := func(tests string) float64 {
		t.Helper()
		sum, err := course.GradeCommit(ctx, repos, sb, course.GradedCommit{
			AssignmentRepo: assignments, TestsCommit: tests, ContentPath: content, StudentRepo: student, Commit: commit,
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum.Score
	}
	if score := grade(testsA); score != 1 {
		t.Fatalf("correct solution scored %v", score)
	}
	first := repos.n(assignments)
	if first == 0 {
		t.Fatal("the first run read nothing of the assignment")
	}
	if score := grade(testsA); score != 1 || repos.n(assignments) != first {
		t.Fatalf("second run at the same tests commit: score %v, assignment reads %d -> %d", score, first, repos.n(assignments))
	}
	if repos.n(student) != 2 {
		t.Fatalf("the student's files were read %d times in two runs, want 2", repos.n(student))
	}
	// New tests: the small case now expects 4, which the solution fails.
	spec := bytes.Replace(files[content+"/test.yaml"], []byte(`stdout: "3"`), []byte(`stdout: "4"`), 1)
	testsB, _, err := local.Commit(ctx, assignments, git.CommitParams{Parent: testsA, Write: map[string][]byte{content + "/test.yaml": spec}, Message: "harder"})
	if err != nil {
		t.Fatal(err)
	}
	if score := grade(testsB); score >= 1 || repos.n(assignments) == first {
		t.Fatalf("run at new tests commit %s: score %v, assignment reads %d -> %d", testsB, score, first, repos.n(assignments))
	}
}

package course

import (
	"context"
	"errors"
	"fmt"
	"path"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/grading/codeability"
	"github.com/computor-org/computor-go/internal/sandbox"
)

// GradedCommit names what a test run grades: a commit of a student's
// repository, against an assignment's tests at a commit of the assignments
// repository (the content's tests version).
type GradedCommit struct {
	AssignmentRepo string
	// TestsCommit is the assignments commit the tests are read at.
	TestsCommit string
	ContentPath string
	StudentRepo string
	Commit      string
}

// SpecError is an assignment's meta.yaml or test.yaml that cannot be read:
// the lecturer's error, not the student's nor the platform's. Its message
// names the line to fix, and students may read it.
type SpecError struct{ Msg string }

func (e *SpecError) Error() string { return e.Msg }

// GradeCommit grades the student's commit in the sandbox: the student's
// submission files at the commit and the assignment's declared test files
// at the tests commit are all that enter it (see grading.Grade). It has no
// outside effect, so running it again is safe.
//
// What the student's code does is in the summary. An error is never the
// student's: a *SpecError, or the platform's (git, the sandbox, ctx), which
// a retry may cure.
func GradeCommit(ctx context.Context, repos git.Service, runner sandbox.Runner, g GradedCommit) (*grading.Summary, error) {
	if runner == nil {
		return nil, errors.New("this worker has no sandbox")
	}
	key := testsKey{repo: g.AssignmentRepo, commit: g.TestsCommit, content: g.ContentPath}
	cached, _ := testsCache.Get(key)
	rawMeta := cached.meta
	if rawMeta == nil {
		var err error
		if rawMeta, err = repos.ReadFile(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath+"/"+MetaFile); err != nil {
			return nil, fmt.Errorf("read meta.yaml: %w", err)
		}
	}
	meta, err := ParseMeta(rawMeta)
	if err != nil {
		return nil, &SpecError{Msg: err.Error()}
	}
	rawSpec := cached.spec
	if rawSpec == nil {
		if rawSpec, err = repos.ReadFile(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath+"/"+TestSpecFile); err != nil {
			return nil, fmt.Errorf("%s of %s: %w", TestSpecFile, g.ContentPath, err)
		}
	}
	if codeability.Is(rawSpec) {
		return gradeCodeAbility(ctx, repos, runner, g, meta, rawSpec)
	}
	spec, err := grading.ParseSpec(rawSpec)
	if err != nil {
		return nil, &SpecError{Msg: err.Error()}
	}
	limit := spec.MaxDiskBytes()
	submitted, err := repos.ReadFiles(ctx, g.StudentRepo, g.Commit, g.ContentPath, meta.SubmissionFile, limit)
	switch {
	case errors.Is(err, derrors.TooLarge):
		return grading.FailAll(spec, fmt.Sprintf("the submitted files are larger than %d MiB", limit>>20)), nil
	case errors.Is(err, derrors.NotFound):
		submitted = nil // nothing of the assignment in the repository at that commit
	case err != nil:
		return nil, fmt.Errorf("read the submission: %w", err)
	}
	tests := cached.tests
	if cached.meta == nil {
		if tests, err = repos.ReadFiles(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath, meta.TestFile, grading.DiskLimitMax); err != nil {
			return nil, fmt.Errorf("read the test files: %w", err)
		}
		if size(tests) <= testsCacheMaxFiles {
			testsCache.Add(key, testsEntry{meta: rawMeta, spec: rawSpec, tests: tests})
		}
	}
	sum, err := grading.Grade(ctx, runner, spec, grading.Input{Files: gradingFiles(submitted), TestFiles: gradingFiles(tests)})
	if err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	return sum, nil
}

// testsCache keeps what this worker read of assignments at their tests
// commits: meta.yaml, test.yaml and the test files. A commit never
// changes, and every run of a deadline rush reads the same ones (three
// git processes, about 16 ms of a run here, see docs/PERFORMANCE.md).
// Only what is graded natively is kept, and only when the test files of
// the commit hold at most testsCacheMaxFiles bytes in all: 64 MiB at most.
var testsCache, _ = lru.New[testsKey, testsEntry](64)

const testsCacheMaxFiles = 1 << 20

type testsKey struct{ repo, commit, content string }

type testsEntry struct {
	meta, spec []byte
	tests      []git.File
}

// size is the bytes of files.
func size(files []git.File) int {
	n := 0
	for _, f := range files {
		n += len(f.Data)
	}
	return n
}

// gradingFiles converts files read from git.
func gradingFiles(in []git.File) []grading.File {
	out := make([]grading.File, len(in))
	for i, f := range in {
		out[i] = grading.File{Path: f.Path, Data: f.Data, Executable: f.Executable}
	}
	return out
}

// referenceCache keeps the worker's CodeAbility reference runs: the
// reference of a tests version gives the same values for every student.
var referenceCache = codeability.NewReferenceCache(32)

// gradeCodeAbility grades with a CodeAbility test.yaml: the reference
// solution (the example's own copies of the submission files) in one
// sandbox, the student's submission files in another, the test files
// read-only in both; the values are compared outside both.
func gradeCodeAbility(ctx context.Context, repos git.Service, runner sandbox.Runner, g GradedCommit, meta *Meta, rawSpec []byte) (*grading.Summary, error) {
	suite, err := codeability.Parse(rawSpec)
	if err != nil {
		return nil, &SpecError{Msg: err.Error()}
	}
	limit := grading.DiskLimitDefault
	submitted, err := repos.ReadFiles(ctx, g.StudentRepo, g.Commit, g.ContentPath, meta.SubmissionFile, limit)
	switch {
	case errors.Is(err, derrors.TooLarge):
		return codeability.FailAll(suite, fmt.Sprintf("the submitted files are larger than %d MiB", limit>>20)), nil
	case errors.Is(err, derrors.NotFound):
		submitted = nil
	case err != nil:
		return nil, fmt.Errorf("read the submission: %w", err)
	}
	isReference := func(rel string) bool {
		return rel != MetaFile && rel != TestSpecFile && !meta.TestFile(rel) && meta.SubmissionFile(rel)
	}
	reference, err := repos.ReadFiles(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath, isReference, grading.DiskLimitMax)
	if err != nil {
		return nil, fmt.Errorf("read the reference solution: %w", err)
	}
	tests, err := repos.ReadFiles(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath, meta.TestFile, grading.DiskLimitMax)
	if err != nil {
		return nil, fmt.Errorf("read the test files: %w", err)
	}
	// The additional files (data the program reads) are the students'
	// too: both runs get them, read-only, where the release puts them.
	if meta.CodeAbility != nil && len(meta.CodeAbility.AdditionalFiles) > 0 {
		extra, err := repos.ReadFiles(ctx, g.AssignmentRepo, g.TestsCommit, g.ContentPath, func(rel string) bool {
			return matchAny(meta.CodeAbility.AdditionalFiles, rel)
		}, grading.DiskLimitMax)
		if err != nil {
			return nil, fmt.Errorf("read the additional files: %w", err)
		}
		for _, f := range extra {
			f.Path = path.Base(f.Path)
			tests = append(tests, f)
		}
	}
	gr := &codeability.Grader{Runner: runner, Cache: referenceCache}
	sum, err := gr.Grade(ctx, suite, codeability.Input{
		Student: gradingFiles(submitted), Reference: gradingFiles(reference), TestFiles: gradingFiles(tests),
	})
	var refErr *codeability.ReferenceError
	if errors.As(err, &refErr) {
		// The assignment is broken, not the submission: the lecturer's,
		// and its message quotes no reference value.
		return nil, &SpecError{Msg: refErr.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	return sum, nil
}

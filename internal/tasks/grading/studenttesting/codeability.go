package studenttesting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/grading/codeability"
	"github.com/computor-org/computor-go/internal/tasks"
)

// referenceCacheSize bounds the reference runs a worker keeps.
const referenceCacheSize = 32

// runCodeAbility grades a CodeAbility test.yaml: the reference solution
// (the example's own copies of the submission files, at the released
// commit) in one sandbox, the student's submission files in another,
// the test files read-only in both.
func (a *Activities) runCodeAbility(ctx context.Context, r Run, meta *course.Meta, rawSpec []byte) (*grading.Summary, error) {
	suite, err := codeability.Parse(rawSpec)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeTestSpec, err)
	}
	limit := grading.DiskLimitDefault
	submitted, err := a.deps.Repos.ReadFiles(ctx, r.StudentRepo, r.Commit, r.ContentPath, meta.SubmissionFile, limit)
	switch {
	case errors.Is(err, derrors.TooLarge):
		return failAllCodeAbility(suite, fmt.Sprintf("the submitted files are larger than %d MiB", limit>>20)), nil
	case errors.Is(err, derrors.NotFound):
		submitted = nil
	case err != nil:
		return nil, tasks.ActivityError(fmt.Errorf("read the submission: %w", err))
	}
	isReference := func(rel string) bool {
		return rel != course.MetaFile && rel != course.TestSpecFile && !meta.TestFile(rel) && meta.SubmissionFile(rel)
	}
	reference, err := a.deps.Repos.ReadFiles(ctx, r.AssignmentRepo, r.ReleasedCommit, r.ContentPath, isReference, grading.DiskLimitMax)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("read the reference solution: %w", err))
	}
	tests, err := a.deps.Repos.ReadFiles(ctx, r.AssignmentRepo, r.ReleasedCommit, r.ContentPath, meta.TestFile, grading.DiskLimitMax)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("read the test files: %w", err))
	}

	hbCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, tasks.Progress{Percent: 50, Message: "running tests of " + r.ContentPath})
			}
		}
	}()
	activity.RecordHeartbeat(ctx, tasks.Progress{Percent: 10, Message: "running tests of " + r.ContentPath})
	g := &codeability.Grader{Runner: a.deps.Sandbox, Cache: a.referenceCache()}
	sum, err := g.Grade(ctx, suite, codeability.Input{
		Student: gradingFiles(submitted), Reference: gradingFiles(reference), TestFiles: gradingFiles(tests),
	})
	var refErr *codeability.ReferenceError
	if errors.As(err, &refErr) {
		// The assignment is broken, not the submission: not retried, and
		// the message (which quotes no reference value) is stored.
		return nil, temporal.NewNonRetryableApplicationError(refErr.Error(), ErrTypeTestSpec, err)
	}
	if err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	return sum, nil
}

// referenceCache is the worker's cache of reference runs, made on first
// use.
func (a *Activities) referenceCache() *codeability.ReferenceCache {
	a.refOnce.Do(func() { a.refCache = codeability.NewReferenceCache(referenceCacheSize) })
	return a.refCache
}

func failAllCodeAbility(s *codeability.Suite, msg string) *grading.Summary {
	return codeability.FailAll(s, msg)
}

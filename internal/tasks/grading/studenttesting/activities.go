package studenttesting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/grading/codeability"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
	// refCache keeps reference runs of CodeAbility tests (codeability.go).
	refOnce  sync.Once
	refCache *codeability.ReferenceCache
}

// Run is a started test run: what the run activity needs.
type Run struct {
	ResultID       string `json:"result_id"`
	TaskID         string `json:"task_id"`
	Username       string `json:"username"`
	ContentPath    string `json:"content_path"`
	StudentRepo    string `json:"student_repo"`
	AssignmentRepo string `json:"assignment_repo"`
	Commit         string `json:"commit"`
	ReleasedCommit string `json:"released_commit"`
}

// Start resolves the target and stores a running result, once per task:
// retried, it finds the same row. max_test_runs is enforced here.
func (a *Activities) Start(ctx context.Context, in Input) (*Run, error) {
	t, err := course.ResolveTarget(ctx, a.deps.Store, a.deps.Repos, in.CourseMember, in.Content, in.Commit)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	perHour := t.Content.TestRunsPerHour
	if in.Submission {
		perHour = 0
	}
	// Checked again here, under the member's lock: the API's check counts
	// only runs that have started, so runs submitted together pass it.
	r, err := a.deps.Store.TestResultStart(ctx, store.TestResultStartParams{
		CourseMemberID: t.Member.ID, CourseContentID: t.Content.ID, Commit: t.Commit,
		TaskID: in.TaskID, MaxRuns: t.Content.MaxTestRuns, PerHour: perHour, CreatedBy: in.Submitter,
	})
	if errors.Is(err, derrors.RateLimited) {
		return nil, tasks.ActivityError(fmt.Errorf("%s: %w", t.Content.Path, err))
	}
	if errors.Is(err, derrors.LimitReached) {
		return nil, tasks.ActivityError(fmt.Errorf("%w: %s has used all %d test runs of %s",
			derrors.LimitReached, t.Member.Username, t.Content.MaxTestRuns, t.Content.Path))
	}
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("store result: %w", err))
	}
	return &Run{
		ResultID: r.ID, TaskID: in.TaskID, Username: t.Member.Username, ContentPath: t.Content.Path,
		StudentRepo:    course.StudentRepoPath(t.Course, t.Member.Username),
		AssignmentRepo: course.RepoPath(t.Course, course.AssignmentsRepo),
		Commit:         t.Commit, ReleasedCommit: t.Content.ReleasedCommit,
	}, nil
}

// Run grades the student's commit in the sandbox: the student's
// submission files at the commit, and the assignment's declared test files
// at its released version, are all that enter it (see grading.Grade). It
// has no outside effect, so a retry is safe.
func (a *Activities) Run(ctx context.Context, r Run) (*grading.Summary, error) {
	if a.deps.Sandbox == nil {
		return nil, errors.New("this worker has no sandbox")
	}
	rawMeta, err := a.deps.Repos.ReadFile(ctx, r.AssignmentRepo, r.ReleasedCommit, r.ContentPath+"/"+course.MetaFile)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("read meta.yaml: %w", err))
	}
	meta, err := course.ParseMeta(rawMeta)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeTestSpec, err)
	}
	rawSpec, err := a.deps.Repos.ReadFile(ctx, r.AssignmentRepo, r.ReleasedCommit, r.ContentPath+"/"+course.TestSpecFile)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("%s of %s: %w", course.TestSpecFile, r.ContentPath, err))
	}
	if codeability.Is(rawSpec) {
		return a.runCodeAbility(ctx, r, meta, rawSpec)
	}
	spec, err := grading.ParseSpec(rawSpec)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeTestSpec, err)
	}

	limit := spec.MaxDiskBytes()
	submitted, err := a.deps.Repos.ReadFiles(ctx, r.StudentRepo, r.Commit, r.ContentPath, meta.SubmissionFile, limit)
	switch {
	case errors.Is(err, derrors.TooLarge):
		return grading.FailAll(spec, fmt.Sprintf("the submitted files are larger than %d MiB", limit>>20)), nil
	case errors.Is(err, derrors.NotFound):
		submitted = nil // nothing of the assignment in the repository at that commit
	case err != nil:
		return nil, tasks.ActivityError(fmt.Errorf("read the submission: %w", err))
	}
	tests, err := a.deps.Repos.ReadFiles(ctx, r.AssignmentRepo, r.ReleasedCommit, r.ContentPath, meta.TestFile, grading.DiskLimitMax)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("read the test files: %w", err))
	}

	// Heartbeat while the tests run, so a dead worker is noticed and a
	// cancel reaches the run.
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
	sum, err := grading.Grade(ctx, a.deps.Sandbox, spec, grading.Input{Files: gradingFiles(submitted), TestFiles: gradingFiles(tests)})
	if err != nil {
		return nil, fmt.Errorf("grade: %w", err)
	}
	return sum, nil
}

// gradingFiles converts files read from git.
func gradingFiles(in []git.File) []grading.File {
	out := make([]grading.File, len(in))
	for i, f := range in {
		out[i] = grading.File{Path: f.Path, Data: f.Data, Executable: f.Executable}
	}
	return out
}

// FinishInput ends a stored result.
type FinishInput struct {
	TaskID  string           `json:"task_id"`
	Status  string           `json:"status"`
	Score   float64          `json:"score"`
	Summary *grading.Summary `json:"summary,omitempty"`
	Error   string           `json:"error,omitempty"`
}

// Finish records the outcome; finishing again is harmless.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	var summary json.RawMessage
	if in.Summary != nil {
		b, err := json.Marshal(in.Summary)
		if err != nil {
			return err
		}
		summary = b
	} else if in.Error != "" {
		b, _ := json.Marshal(map[string]string{"error": in.Error})
		summary = b
	}
	_, err := a.deps.Store.TestResultFinish(ctx, store.TestResultFinishParams{
		TaskID: in.TaskID, Status: in.Status, Score: in.Score, Summary: summary,
	})
	return tasks.ActivityError(err)
}

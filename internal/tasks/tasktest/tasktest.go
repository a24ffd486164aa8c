// Package tasktest is the test kit of task types: fresh, real
// dependencies: a SQLite store and a git root of their own per test.
package tasktest

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/computor-org/computor-go/internal/engine"

	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Bundle is the fresh state of one test.
type Bundle struct {
	Ctx   context.Context
	Store store.Store
	Git   *git.Local
	Deps  tasks.Deps
}

// Setup opens a store and a git root in the test's temporary directories,
// closed when the test ends.
func Setup(t testing.TB) *Bundle {
	t.Helper()
	ctx := t.Context()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	g, err := git.NewLocal(t.TempDir())
	if err != nil {
		t.Fatalf("git: %v", err)
	}
	return &Bundle{Ctx: ctx, Store: s, Git: g, Deps: tasks.Deps{Store: s, Repos: g}}
}

// WantAppError requires a non-retryable activity error of that type.
func WantAppError(t testing.TB, err error, typ string) {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		t.Fatalf("error %v (%T) is not a *temporal.ApplicationError", err, err)
	}
	if app.Type() != typ || !app.NonRetryable() {
		t.Fatalf("error %v: type %q, non-retryable %v; want %q, non-retryable", err, app.Type(), app.NonRetryable(), typ)
	}
}

// NewWorkflowEnv returns a test workflow environment with the task type
// registered on its real activities, started as task id by submitter.
func NewWorkflowEnv(t testing.TB, typ *tasks.Type, id, submitter string) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	// A loaded CI machine may hold a workflow goroutine past the 1 s
	// deadlock detector; these tests are about results, not speed.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(engine.SubmitterKey.ValueSet(submitter))); err != nil {
		t.Fatal(err)
	}
	typ.Register(env)
	return env
}

// WantIdempotent checks the contract of a find-or-create activity: run
// again by the same task (a retry) it returns the same row, and run by
// another task for the same key it fails with a non-retryable Conflict.
// create runs the activity as taskID and returns the row's id; the first
// call, as "task-1", must already have succeeded.
func WantIdempotent(t testing.TB, create func(taskID string) (id string, err error)) {
	t.Helper()
	first, err := create("task-1")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	again, err := create("task-1")
	if err != nil {
		t.Fatalf("create again (a retry): %v", err)
	}
	if again != first {
		t.Errorf("a retry returned id %s, want %s", again, first)
	}
	_, err = create("task-2")
	WantAppError(t, err, tasks.ErrTypeConflict)
}

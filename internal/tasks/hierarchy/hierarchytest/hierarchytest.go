// Package hierarchytest gives the tests of the course tasks fresh, real
// dependencies: a SQLite store and a git root of their own per test.
package hierarchytest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/temporal"

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

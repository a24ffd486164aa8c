package createorganization

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy"
)

// bundle is the fresh state of one test: a SQLite store and a git root.
type bundle struct {
	ctx   context.Context
	store store.Store
	git   *git.Local
	deps  hierarchy.Deps
}

func setup(t *testing.T) *bundle {
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
	return &bundle{ctx: ctx, store: s, git: g, deps: hierarchy.Deps{Store: s, Repos: g}}
}

// wantAppError requires a non-retryable activity error of that type.
func wantAppError(t *testing.T, err error, typ string) {
	t.Helper()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		t.Fatalf("error %v (%T) is not a *temporal.ApplicationError", err, err)
	}
	if app.Type() != typ || !app.NonRetryable() {
		t.Fatalf("error %v: type %q, non-retryable %v; want %q, non-retryable", err, app.Type(), app.NonRetryable(), typ)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := &Activities{deps: b.deps}
	in := Input{
		Params: Params{Path: "tugraz", Title: "TU Graz", Description: "Styria"},
		Origin: hierarchy.Origin{TaskID: "task-1", Submitter: "root"},
	}
	org, err := a.Create(b.ctx, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	row, err := b.store.OrganizationGet(b.ctx, "tugraz")
	if err != nil {
		t.Fatalf("OrganizationGet: %v", err)
	}
	if row.ID != org.ID || row.Title != "TU Graz" || row.Description != "Styria" || row.CreatedBy != "root" || row.CreatedByTask != "task-1" {
		t.Errorf("row %+v, returned %+v", row, org)
	}
	if fi, err := os.Stat(filepath.Join(b.git.Root(), "tugraz")); err != nil || !fi.IsDir() {
		t.Errorf("git group tugraz: %v", err)
	}

	// The same task again (a retry) returns the same row and makes nothing.
	again, err := a.Create(b.ctx, in)
	if err != nil {
		t.Fatalf("Create again: %v", err)
	}
	if again.ID != org.ID {
		t.Errorf("retry returned id %s, want %s", again.ID, org.ID)
	}
	if list, err := b.store.OrganizationList(b.ctx); err != nil || len(list) != 1 {
		t.Errorf("organizations after a retry: %v, %v", list, err)
	}

	// Another task of the same path is a conflict that no retry fixes.
	other := in
	other.TaskID = "task-2"
	_, err = a.Create(b.ctx, other)
	wantAppError(t, err, hierarchy.ErrTypeConflict)

	// A bad path that got past validation is invalid, not retried.
	bad := in
	bad.Path = "Bad Path"
	_, err = a.Create(b.ctx, bad)
	wantAppError(t, err, hierarchy.ErrTypeInvalid)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	typ := Task(b.deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	if err := typ.Admit(b.ctx, admin, Params{Path: "tugraz", Title: "TU Graz"}); err != nil {
		t.Fatalf("Admit of a free path: %v", err)
	}
	if _, err := b.store.OrganizationCreate(b.ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "x", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	err := typ.Admit(b.ctx, admin, Params{Path: "tugraz", Title: "TU Graz"})
	var ve *tasks.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "path" {
		t.Fatalf("Admit of a taken path = %v, want a validation error on path", err)
	}
}

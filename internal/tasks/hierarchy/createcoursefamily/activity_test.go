package createcoursefamily

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
	org, err := b.store.OrganizationCreate(b.ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{deps: b.deps}
	in := Input{
		Params: Params{Organization: "tugraz", Path: "progphys", Title: "Programming", Description: "d"},
		Origin: hierarchy.Origin{TaskID: "task-1", Submitter: "root"},
	}
	f, err := a.Create(b.ctx, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	row, err := b.store.CourseFamilyGet(b.ctx, "tugraz.progphys")
	if err != nil {
		t.Fatalf("CourseFamilyGet: %v", err)
	}
	if row.ID != f.ID || row.OrganizationID != org.ID || row.FullPath != "tugraz.progphys" || row.Title != "Programming" ||
		row.CreatedBy != "root" || row.CreatedByTask != "task-1" {
		t.Errorf("row %+v, returned %+v", row, f)
	}
	if fi, err := os.Stat(filepath.Join(b.git.Root(), "tugraz", "progphys")); err != nil || !fi.IsDir() {
		t.Errorf("git group tugraz/progphys: %v", err)
	}

	// A retry returns the same family; the organization may be given by id.
	retry := in
	retry.Organization = org.ID
	again, err := a.Create(b.ctx, retry)
	if err != nil {
		t.Fatalf("Create again: %v", err)
	}
	if again.ID != f.ID {
		t.Errorf("retry returned id %s, want %s", again.ID, f.ID)
	}
	if list, err := b.store.CourseFamilyList(b.ctx); err != nil || len(list) != 1 {
		t.Errorf("families after a retry: %v, %v", list, err)
	}

	other := in
	other.TaskID = "task-2"
	_, err = a.Create(b.ctx, other)
	wantAppError(t, err, hierarchy.ErrTypeConflict)

	nowhere := in
	nowhere.Organization = "nowhere"
	_, err = a.Create(b.ctx, nowhere)
	wantAppError(t, err, hierarchy.ErrTypeNotFound)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := b.store.OrganizationCreate(b.ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	typ := Task(b.deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	check := func(p Params) error { return typ.Admit(b.ctx, admin, p) }
	if err := check(Params{Organization: "tugraz", Path: "progphys", Title: "P"}); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if _, err := (&Activities{deps: b.deps}).Create(b.ctx, Input{Params: Params{Organization: "tugraz", Path: "progphys", Title: "P"},
		Origin: hierarchy.Origin{TaskID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p     Params
		field string
	}{
		{Params{Organization: "nowhere", Path: "x", Title: "X"}, "organization"},
		{Params{Organization: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Path: "x", Title: "X"}, "organization"},
		{Params{Organization: "tugraz", Path: "progphys", Title: "P"}, "path"},
	} {
		err := check(tt.p)
		var ve *tasks.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field {
			t.Errorf("Admit(%+v) = %v, want a validation error on %s", tt.p, err, tt.field)
		}
	}
}

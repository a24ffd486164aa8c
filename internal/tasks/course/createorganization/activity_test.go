package createorganization

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// bundle is the fresh state of one test, with this package's helpers.
type bundle struct{ *tasktest.Bundle }

func setup(t *testing.T) *bundle { return &bundle{tasktest.Setup(t)} }

var wantAppError = tasktest.WantAppError

func TestCreate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := &Activities{deps: b.Deps}
	in := Input{
		Params: Params{Path: "tugraz", Title: "TU Graz", Description: "Styria"},
		Origin: tasks.Origin{TaskID: "task-1", Submitter: "root"},
	}
	org, err := a.Create(b.Ctx, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	row, err := b.Store.OrganizationGet(b.Ctx, "tugraz")
	if err != nil {
		t.Fatalf("OrganizationGet: %v", err)
	}
	if row.ID != org.ID || row.Title != "TU Graz" || row.Description != "Styria" || row.CreatedBy != "root" || row.CreatedByTask != "task-1" {
		t.Errorf("row %+v, returned %+v", row, org)
	}
	if fi, err := os.Stat(filepath.Join(b.Git.Root(), "tugraz")); err != nil || !fi.IsDir() {
		t.Errorf("git group tugraz: %v", err)
	}

	// The same task again (a retry) returns the same row and makes nothing.
	again, err := a.Create(b.Ctx, in)
	if err != nil {
		t.Fatalf("Create again: %v", err)
	}
	if again.ID != org.ID {
		t.Errorf("retry returned id %s, want %s", again.ID, org.ID)
	}
	if list, err := b.Store.OrganizationList(b.Ctx); err != nil || len(list) != 1 {
		t.Errorf("organizations after a retry: %v, %v", list, err)
	}

	// Another task of the same path is a conflict that no retry fixes.
	other := in
	other.TaskID = "task-2"
	_, err = a.Create(b.Ctx, other)
	wantAppError(t, err, tasks.ErrTypeConflict)

	// A bad path that got past validation is invalid, not retried.
	bad := in
	bad.Path = "Bad Path"
	_, err = a.Create(b.Ctx, bad)
	wantAppError(t, err, tasks.ErrTypeInvalid)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	typ := Task(b.Deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	if err := typ.Admit(b.Ctx, admin, Params{Path: "tugraz", Title: "TU Graz"}); err != nil {
		t.Fatalf("Admit of a free path: %v", err)
	}
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "x", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	err := typ.Admit(b.Ctx, admin, Params{Path: "tugraz", Title: "TU Graz"})
	var ve *derrors.InvalidError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "path" {
		t.Fatalf("Admit of a taken path = %v, want a validation error on path", err)
	}
}

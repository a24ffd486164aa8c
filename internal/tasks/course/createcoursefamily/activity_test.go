package createcoursefamily

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
	org, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{deps: b.Deps}
	in := Input{
		Params: Params{Organization: "tugraz", Path: "progphys", Title: "Programming", Description: "d"},
		Origin: tasks.Origin{TaskID: "task-1", Submitter: "root"},
	}
	f, err := a.Create(b.Ctx, in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	row, err := b.Store.CourseFamilyGet(b.Ctx, "tugraz.progphys")
	if err != nil {
		t.Fatalf("CourseFamilyGet: %v", err)
	}
	if row.ID != f.ID || row.OrganizationID != org.ID || row.FullPath != "tugraz.progphys" || row.Title != "Programming" ||
		row.CreatedBy != "root" || row.CreatedByTask != "task-1" {
		t.Errorf("row %+v, returned %+v", row, f)
	}
	if fi, err := os.Stat(filepath.Join(b.Git.Root(), "tugraz", "progphys")); err != nil || !fi.IsDir() {
		t.Errorf("git group tugraz/progphys: %v", err)
	}

	// A retry returns the same family; the organization may be given by id.
	retry := in
	retry.Organization = org.ID
	again, err := a.Create(b.Ctx, retry)
	if err != nil {
		t.Fatalf("Create again: %v", err)
	}
	if again.ID != f.ID {
		t.Errorf("retry returned id %s, want %s", again.ID, f.ID)
	}
	if list, err := b.Store.CourseFamilyList(b.Ctx); err != nil || len(list) != 1 {
		t.Errorf("families after a retry: %v, %v", list, err)
	}

	other := in
	other.TaskID = "task-2"
	_, err = a.Create(b.Ctx, other)
	wantAppError(t, err, tasks.ErrTypeConflict)

	nowhere := in
	nowhere.Organization = "nowhere"
	_, err = a.Create(b.Ctx, nowhere)
	wantAppError(t, err, tasks.ErrTypeNotFound)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	typ := Task(b.Deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	check := func(p Params) error { return typ.Admit(b.Ctx, admin, p) }
	if err := check(Params{Organization: "tugraz", Path: "progphys", Title: "P"}); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if _, err := (&Activities{deps: b.Deps}).Create(b.Ctx, Input{Params: Params{Organization: "tugraz", Path: "progphys", Title: "P"},
		Origin: tasks.Origin{TaskID: "t1"}}); err != nil {
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
		var ve *derrors.InvalidError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field {
			t.Errorf("Admit(%+v) = %v, want a validation error on %s", tt.p, err, tt.field)
		}
	}
}

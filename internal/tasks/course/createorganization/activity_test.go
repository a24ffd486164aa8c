package createorganization

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	b := tasktest.Setup(t)
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

	// A retry makes nothing; another task of the same path is a conflict
	// that no retry fixes.
	tasktest.WantIdempotent(t, func(task string) (string, error) {
		in := in
		in.TaskID = task
		org, err := a.Create(b.Ctx, in)
		if err != nil {
			return "", err
		}
		return org.ID, nil
	})
	if list, err := b.Store.OrganizationList(b.Ctx); err != nil || len(list) != 1 {
		t.Errorf("organizations after a retry: %v, %v", list, err)
	}

	// A bad path that got past validation is invalid, not retried.
	bad := in
	bad.Path = "Bad Path"
	_, err = a.Create(b.Ctx, bad)
	tasktest.WantAppError(t, err, tasks.ErrTypeInvalid)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := tasktest.Setup(t)
	typ := Task(b.Deps)
	tasktest.Admit(t, typ, []tasktest.AdmitCase{{Params: Params{Path: "tugraz", Title: "TU Graz"}}})
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "x", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	tasktest.Admit(t, typ, []tasktest.AdmitCase{{Params: Params{Path: "tugraz", Title: "TU Graz"}, Field: "path"}})
}

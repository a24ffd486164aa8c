package createcoursefamily

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

	// A retry, the organization given by id, makes nothing new; another
	// task of the same path is a conflict.
	tasktest.WantIdempotent(t, func(task string) (string, error) {
		retry := in
		retry.TaskID, retry.Organization = task, org.ID
		f, err := a.Create(b.Ctx, retry)
		if err != nil {
			return "", err
		}
		return f.ID, nil
	})
	if list, err := b.Store.CourseFamilyList(b.Ctx); err != nil || len(list) != 1 {
		t.Errorf("families after a retry: %v, %v", list, err)
	}

	nowhere := in
	nowhere.Organization = "nowhere"
	_, err = a.Create(b.Ctx, nowhere)
	tasktest.WantAppError(t, err, tasks.ErrTypeNotFound)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := tasktest.Setup(t)
	if _, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	typ := Task(b.Deps)
	tasktest.Admit(t, typ, []tasktest.AdmitCase{{Params: Params{Organization: "tugraz", Path: "progphys", Title: "P"}}})
	if _, err := (&Activities{deps: b.Deps}).Create(b.Ctx, Input{Params: Params{Organization: "tugraz", Path: "progphys", Title: "P"},
		Origin: tasks.Origin{TaskID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	tasktest.Admit(t, typ, []tasktest.AdmitCase{
		{Params: Params{Organization: "nowhere", Path: "x", Title: "X"}, Field: "organization"},
		{Params: Params{Organization: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", Path: "x", Title: "X"}, Field: "organization"},
		{Params: Params{Organization: "tugraz", Path: "progphys", Title: "P"}, Field: "path"},
	})
}

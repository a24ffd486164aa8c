package createcourse

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
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

// family makes an organization and a course family.
func (b *bundle) family(t *testing.T) *store.CourseFamily {
	t.Helper()
	org, err := b.store.OrganizationCreate(b.ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.store.CourseFamilyCreate(b.ctx, store.CourseFamilyCreateParams{OrganizationID: org.ID, Path: "progphys", Title: "P", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCreateRow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.family(t)
	a := &Activities{deps: b.deps}
	in := Input{
		Params: Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "Programming 2026", Description: "Winter"},
		Origin: hierarchy.Origin{TaskID: "task-1", Submitter: "root"},
	}
	res, err := a.CreateRow(b.ctx, in)
	if err != nil {
		t.Fatalf("CreateRow: %v", err)
	}
	c := res.Course
	if c.FullPath != "tugraz.progphys.2026" || c.CourseFamilyID != f.ID || c.OrganizationID != f.OrganizationID ||
		c.Title != "Programming 2026" || c.CreatedBy != "root" || c.CreatedByTask != "task-1" {
		t.Errorf("course %+v", c)
	}
	if len(res.Groups) != 1 || res.Groups[0].Title != DefaultGroup || res.Groups[0].CourseID != c.ID {
		t.Errorf("groups %+v", res.Groups)
	}
	row, err := b.store.CourseGet(b.ctx, "tugraz.progphys.2026")
	if err != nil || row.ID != c.ID {
		t.Fatalf("CourseGet = %+v, %v", row, err)
	}

	// A retry, the family given by id, makes nothing new.
	retry := in
	retry.CourseFamily = f.ID
	again, err := a.CreateRow(b.ctx, retry)
	if err != nil {
		t.Fatalf("CreateRow again: %v", err)
	}
	if again.Course.ID != c.ID || len(again.Groups) != 1 || again.Groups[0].ID != res.Groups[0].ID {
		t.Errorf("retry returned %+v, want %+v", again, res)
	}
	groups, err := b.store.CourseGroupList(b.ctx, c.ID)
	if err != nil || len(groups) != 1 {
		t.Errorf("groups after a retry: %+v, %v", groups, err)
	}
	if list, err := b.store.CourseList(b.ctx); err != nil || len(list) != 1 {
		t.Errorf("courses after a retry: %+v, %v", list, err)
	}

	other := in
	other.TaskID = "task-2"
	_, err = a.CreateRow(b.ctx, other)
	wantAppError(t, err, hierarchy.ErrTypeConflict)

	nowhere := in
	nowhere.CourseFamily = "tugraz.nowhere"
	_, err = a.CreateRow(b.ctx, nowhere)
	wantAppError(t, err, hierarchy.ErrTypeNotFound)
}

func TestCreateRepos(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.family(t)
	a := &Activities{deps: b.deps}
	res, err := a.CreateRow(b.ctx, Input{
		Params: Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "Programming 2026", Description: "Winter"},
		Origin: hierarchy.Origin{TaskID: "task-1", Submitter: "root"},
	})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := a.CreateRepos(b.ctx, res.Course)
	if err != nil {
		t.Fatalf("CreateRepos: %v", err)
	}
	want := map[string]string{
		"assignments":      "tugraz/progphys/2026/assignments.git",
		"student-template": "tugraz/progphys/2026/student-template.git",
	}
	if len(repos) != len(want) || repos["assignments"] != want["assignments"] || repos["student-template"] != want["student-template"] {
		t.Fatalf("CreateRepos = %v, want %v", repos, want)
	}
	heads := map[string]string{}
	for _, name := range []string{hierarchy.AssignmentsRepo, hierarchy.StudentTemplateRepo} {
		path := "tugraz/progphys/2026/" + name
		if ok, err := b.git.Exists(b.ctx, path); err != nil || !ok {
			t.Fatalf("repository %s exists: %v, %v", path, ok, err)
		}
		head, err := b.git.Resolve(b.ctx, path, "main")
		if err != nil {
			t.Fatalf("resolve main of %s: %v", path, err)
		}
		heads[path] = head
		files, err := b.git.ListFiles(b.ctx, path, head, "")
		if err != nil || !slices.Equal(files, []string{"README.md"}) {
			t.Errorf("files of %s: %v, %v", path, files, err)
		}
		readme, err := b.git.ReadFile(b.ctx, path, head, "README.md")
		if err != nil || !strings.HasPrefix(string(readme), "# Programming 2026: ") || !strings.Contains(string(readme), "Winter") {
			t.Errorf("README of %s: %q, %v", path, readme, err)
		}
	}

	// Again: the same answer, and the repositories are left as they are.
	again, err := a.CreateRepos(b.ctx, res.Course)
	if err != nil {
		t.Fatalf("CreateRepos again: %v", err)
	}
	if again["assignments"] != want["assignments"] || again["student-template"] != want["student-template"] {
		t.Errorf("CreateRepos again = %v", again)
	}
	for path, head := range heads {
		if now, err := b.git.Resolve(b.ctx, path, "main"); err != nil || now != head {
			t.Errorf("main of %s moved from %s to %s (%v)", path, head, now, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.family(t)
	typ := Task(b.deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	check := func(p Params) error { return typ.Admit(b.ctx, admin, p) }
	p := Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "T"}
	if err := check(p); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if _, err := (&Activities{deps: b.deps}).CreateRow(b.ctx, Input{Params: p, Origin: hierarchy.Origin{TaskID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		p     Params
		field string
	}{
		{Params{CourseFamily: "tugraz.nowhere", Path: "x", Title: "X"}, "course_family"},
		{Params{CourseFamily: "progphys", Path: "x", Title: "X"}, "course_family"},
		{Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "X"}, "path"},
	} {
		err := check(tt.p)
		var ve *tasks.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field {
			t.Errorf("Admit(%+v) = %v, want a validation error on %s", tt.p, err, tt.field)
		}
	}
}

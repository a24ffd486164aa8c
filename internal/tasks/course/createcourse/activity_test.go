package createcourse

import (
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// bundle is the fresh state of one test, with this package's helpers.
type bundle struct{ *tasktest.Bundle }

func setup(t *testing.T) *bundle { return &bundle{tasktest.Setup(t)} }

var wantAppError = tasktest.WantAppError

// family makes an organization and a course family.
func (b *bundle) family(t *testing.T) *store.CourseFamily {
	t.Helper()
	org, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.Store.CourseFamilyCreate(b.Ctx, store.CourseFamilyCreateParams{OrganizationID: org.ID, Path: "progphys", Title: "P", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCreateRow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := b.family(t)
	a := &Activities{deps: b.Deps}
	in := Input{
		Params: Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "Programming 2026", Description: "Winter"},
		Origin: tasks.Origin{TaskID: "task-1", Submitter: "root"},
	}
	res, err := a.CreateRow(b.Ctx, in)
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
	row, err := b.Store.CourseGet(b.Ctx, "tugraz.progphys.2026")
	if err != nil || row.ID != c.ID {
		t.Fatalf("CourseGet = %+v, %v", row, err)
	}

	// A retry, the family given by id, makes nothing new.
	retry := in
	retry.CourseFamily = f.ID
	again, err := a.CreateRow(b.Ctx, retry)
	if err != nil {
		t.Fatalf("CreateRow again: %v", err)
	}
	if again.Course.ID != c.ID || len(again.Groups) != 1 || again.Groups[0].ID != res.Groups[0].ID {
		t.Errorf("retry returned %+v, want %+v", again, res)
	}
	groups, err := b.Store.CourseGroupList(b.Ctx, c.ID)
	if err != nil || len(groups) != 1 {
		t.Errorf("groups after a retry: %+v, %v", groups, err)
	}
	if list, err := b.Store.CourseList(b.Ctx); err != nil || len(list) != 1 {
		t.Errorf("courses after a retry: %+v, %v", list, err)
	}

	other := in
	other.TaskID = "task-2"
	_, err = a.CreateRow(b.Ctx, other)
	wantAppError(t, err, tasks.ErrTypeConflict)

	nowhere := in
	nowhere.CourseFamily = "tugraz.nowhere"
	_, err = a.CreateRow(b.Ctx, nowhere)
	wantAppError(t, err, tasks.ErrTypeNotFound)
}

func TestCreateRepos(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.family(t)
	a := &Activities{deps: b.Deps}
	res, err := a.CreateRow(b.Ctx, Input{
		Params: Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "Programming 2026", Description: "Winter"},
		Origin: tasks.Origin{TaskID: "task-1", Submitter: "root"},
	})
	if err != nil {
		t.Fatal(err)
	}
	repos, err := a.CreateRepos(b.Ctx, res.Course)
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
	for _, name := range []string{course.AssignmentsRepo, course.StudentTemplateRepo} {
		path := "tugraz/progphys/2026/" + name
		if ok, err := b.Git.Exists(b.Ctx, path); err != nil || !ok {
			t.Fatalf("repository %s exists: %v, %v", path, ok, err)
		}
		head, err := b.Git.Resolve(b.Ctx, path, "main")
		if err != nil {
			t.Fatalf("resolve main of %s: %v", path, err)
		}
		heads[path] = head
		files, err := b.Git.ListFiles(b.Ctx, path, head, "")
		if err != nil || !slices.Equal(files, []string{"README.md"}) {
			t.Errorf("files of %s: %v, %v", path, files, err)
		}
		readme, err := b.Git.ReadFile(b.Ctx, path, head, "README.md")
		if err != nil || !strings.HasPrefix(string(readme), "# Programming 2026: ") || !strings.Contains(string(readme), "Winter") {
			t.Errorf("README of %s: %q, %v", path, readme, err)
		}
	}

	// Again: the same answer, and the repositories are left as they are.
	again, err := a.CreateRepos(b.Ctx, res.Course)
	if err != nil {
		t.Fatalf("CreateRepos again: %v", err)
	}
	if again["assignments"] != want["assignments"] || again["student-template"] != want["student-template"] {
		t.Errorf("CreateRepos again = %v", again)
	}
	for path, head := range heads {
		if now, err := b.Git.Resolve(b.Ctx, path, "main"); err != nil || now != head {
			t.Errorf("main of %s moved from %s to %s (%v)", path, head, now, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.family(t)
	typ := Task(b.Deps)
	p := Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "T"}
	tasktest.Admit(t, typ, []tasktest.AdmitCase{{Params: p}})
	if _, err := (&Activities{deps: b.Deps}).CreateRow(b.Ctx, Input{Params: p, Origin: tasks.Origin{TaskID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	tasktest.Admit(t, typ, []tasktest.AdmitCase{
		{Params: Params{CourseFamily: "tugraz.nowhere", Path: "x", Title: "X"}, Field: "course_family"},
		{Params: Params{CourseFamily: "progphys", Path: "x", Title: "X"}, Field: "course_family"},
		{Params: Params{CourseFamily: "tugraz.progphys", Path: "2026", Title: "X"}, Field: "path"},
	})
}

package releasestudents

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// bundle is the fresh state of one test, with this package's helpers.
type bundle struct{ *tasktest.Bundle }

func setup(t *testing.T) *bundle { return &bundle{tasktest.Setup(t)} }

var wantAppError = tasktest.WantAppError

const coursePath = "tugraz.progphys.2026"

// newCourse makes a course; with a template, its student-template
// repository too, holding a README.md and one released file.
func (b *bundle) newCourse(t *testing.T, withTemplate bool) *store.Course {
	t.Helper()
	org, err := b.Store.OrganizationCreate(b.Ctx, store.OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := b.Store.CourseFamilyCreate(b.Ctx, store.CourseFamilyCreateParams{OrganizationID: org.ID, Path: "progphys", Title: "P", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Store.CourseCreate(b.Ctx, store.CourseCreateParams{CourseFamilyID: f.ID, Path: "2026", Title: "P 2026", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	if withTemplate {
		if _, err := b.Git.EnsureRepo(b.Ctx, course.RepoPath(c, course.StudentTemplateRepo), map[string][]byte{
			"README.md":      []byte("# template\n"),
			"hello/hello.py": []byte("print('TODO')\n"),
		}, "init"); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestReleaseStudent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t, true)
	a := &Activities{deps: b.Deps}
	in := Input{
		Course:  coursePath,
		Student: Student{Username: "s001", Email: "s001@example.org", GivenName: "Stu", FamilyName: "Dent", Group: " g1 "},
		Origin:  tasks.Origin{TaskID: "task-1", Submitter: "lect"},
	}
	out, err := a.ReleaseStudent(b.Ctx, in)
	if err != nil {
		t.Fatalf("ReleaseStudent: %v", err)
	}
	const repo = "tugraz/progphys/2026/students/s001"
	if out.Username != "s001" || out.Status != OutcomeReleased || out.Repository != repo+".git" || out.MemberID == "" || out.Error != "" {
		t.Errorf("outcome %+v", out)
	}
	user, err := b.Store.UserGetByUsername(b.Ctx, "s001")
	if err != nil || user.Email != "s001@example.org" || user.GivenName != "Stu" || user.FamilyName != "Dent" || user.CreatedByTask != "task-1" {
		t.Errorf("user %+v, %v", user, err)
	}
	m, err := b.Store.CourseMemberGetByUser(b.Ctx, crs.ID, "s001")
	if err != nil || m.ID != out.MemberID || m.Role != store.RoleStudent || m.CourseGroupID == "" {
		t.Fatalf("membership %+v, %v", m, err)
	}
	groups, err := b.Store.CourseGroupList(b.Ctx, crs.ID)
	if err != nil || len(groups) != 1 || groups[0].Title != "g1" || groups[0].ID != m.CourseGroupID {
		t.Errorf("groups %+v, %v", groups, err)
	}
	head, err := b.Git.Resolve(b.Ctx, repo, "main")
	if err != nil {
		t.Fatalf("student repository: %v", err)
	}
	if files, err := b.Git.ListFiles(b.Ctx, repo, head, ""); err != nil || !slices.Equal(files, []string{"README.md", "hello/hello.py"}) {
		t.Errorf("student repository holds %v, %v", files, err)
	}

	// A retry makes nothing twice.
	again, err := a.ReleaseStudent(b.Ctx, in)
	if err != nil {
		t.Fatalf("ReleaseStudent again: %v", err)
	}
	if *again != *out {
		t.Errorf("retry = %+v, want %+v", again, out)
	}
	if members, err := b.Store.CourseMemberList(b.Ctx, crs.ID); err != nil || len(members) != 1 {
		t.Errorf("members after a retry: %+v, %v", members, err)
	}
	if groups, err := b.Store.CourseGroupList(b.Ctx, crs.ID); err != nil || len(groups) != 1 {
		t.Errorf("groups after a retry: %+v, %v", groups, err)
	}
	if now, err := b.Git.Resolve(b.Ctx, repo, "main"); err != nil || now != head {
		t.Errorf("student repository main moved from %s to %s (%v)", head, now, err)
	}

	// Without a group: a member of no group, by the course's id.
	out2, err := a.ReleaseStudent(b.Ctx, Input{Course: crs.ID, Student: Student{Username: "s002"}, Origin: in.Origin})
	if err != nil || out2.Status != OutcomeReleased {
		t.Fatalf("ReleaseStudent s002 = %+v, %v", out2, err)
	}
	if m, err := b.Store.CourseMemberGetByUser(b.Ctx, crs.ID, "s002"); err != nil || m.CourseGroupID != "" {
		t.Errorf("s002 membership %+v, %v", m, err)
	}
}

func TestReleaseStudentSkipsStaff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t, true)
	lect, err := b.Store.UserFindOrCreate(b.Ctx, store.UserCreateParams{Username: "lect", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Store.CourseMemberFindOrCreate(b.Ctx, store.CourseMemberCreateParams{CourseID: crs.ID, UserID: lect.ID, Role: store.RoleLecturer, CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{deps: b.Deps}
	out, err := a.ReleaseStudent(b.Ctx, Input{Course: coursePath, Student: Student{Username: "lect"}, Origin: tasks.Origin{TaskID: "task-1"}})
	if err != nil {
		t.Fatalf("ReleaseStudent: %v", err)
	}
	if out.Status != OutcomeSkipped || out.MemberID != m.ID || !strings.Contains(out.Error, store.RoleLecturer) || out.Repository != "" {
		t.Errorf("outcome %+v", out)
	}
	if got, err := b.Store.CourseMemberGetByUser(b.Ctx, crs.ID, "lect"); err != nil || got.Role != store.RoleLecturer {
		t.Errorf("the lecturer's membership became %+v, %v", got, err)
	}
	if ok, err := b.Git.Exists(b.Ctx, course.StudentRepoPath(crs, "lect")); err != nil || ok {
		t.Errorf("the lecturer got a student repository: %v, %v", ok, err)
	}
}

func TestReleaseStudentErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t, false)
	a := &Activities{deps: b.Deps}
	origin := tasks.Origin{TaskID: "task-1"}
	_, err := a.ReleaseStudent(b.Ctx, Input{Course: "tugraz.progphys.1999", Student: Student{Username: "s001"}, Origin: origin})
	wantAppError(t, err, tasks.ErrTypeNotFound)
	// The course has no student template to copy.
	_, err = a.ReleaseStudent(b.Ctx, Input{Course: coursePath, Student: Student{Username: "s001"}, Origin: origin})
	wantAppError(t, err, tasks.ErrTypeNotFound)
	// A username that got past validation.
	_, err = a.ReleaseStudent(b.Ctx, Input{Course: coursePath, Student: Student{Username: "Bad Name"}, Origin: origin})
	wantAppError(t, err, tasks.ErrTypeInvalid)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t, false)
	typ := Task(b.Deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	students := []Student{{Username: "s001"}}
	for _, crs := range []string{"tugraz.progphys.1999", "nonsense", coursePath} {
		err := typ.Admit(b.Ctx, admin, Params{Course: crs, Students: students})
		var ve *derrors.InvalidError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "course" {
			t.Errorf("Admit(course %q) = %v, want a validation error on course", crs, err)
		}
	}
	if _, err := b.Git.EnsureRepo(b.Ctx, "tugraz/progphys/2026/student-template", map[string][]byte{"README.md": []byte("x")}, "init"); err != nil {
		t.Fatal(err)
	}
	if err := typ.Admit(b.Ctx, admin, Params{Course: coursePath, Students: students}); err != nil {
		t.Errorf("Admit with a template: %v", err)
	}
}

// TestReleaseBatch: a batch makes every student's user, membership and
// repository; a staff member is skipped, a refused username or repository
// path fails only that student; a retry (a worker killed mid-batch) makes
// nothing twice and answers the same.
func TestReleaseBatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t, true)
	lect, err := b.Store.UserFindOrCreate(b.Ctx, store.UserCreateParams{Username: "lect", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store.CourseMemberFindOrCreate(b.Ctx, store.CourseMemberCreateParams{CourseID: crs.ID, UserID: lect.ID, Role: store.RoleLecturer, CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}
	// s003's repository exists already: a retry after the worker died
	// past its fork.
	if _, err := b.Git.ForkRepo(b.Ctx, course.RepoPath(crs, course.StudentTemplateRepo), course.StudentRepoPath(crs, "s003")); err != nil {
		t.Fatal(err)
	}
	in := BatchInput{Course: coursePath, Origin: tasks.Origin{TaskID: "task-1", Submitter: "lect"}, Students: []Student{
		{Username: "s001", Email: "s001@example.org", Group: " g1 "},
		{Username: "lect"},
		{Username: "../../../escape"},
		{Username: "s002"},
		{Username: "sneaky.git"},
		{Username: "s003", Group: "g2"},
	}}
	a := &Activities{deps: b.Deps}
	outs, err := a.ReleaseBatch(b.Ctx, in)
	if err != nil {
		t.Fatalf("ReleaseBatch: %v", err)
	}
	want := []struct{ user, status string }{
		{"s001", OutcomeReleased}, {"lect", OutcomeSkipped}, {"../../../escape", OutcomeFailed},
		{"s002", OutcomeReleased}, {"sneaky.git", OutcomeFailed}, {"s003", OutcomeReleased},
	}
	if len(outs) != len(want) {
		t.Fatalf("%d outcomes, want %d", len(outs), len(want))
	}
	template, err := b.Git.Resolve(b.Ctx, course.RepoPath(crs, course.StudentTemplateRepo), "main")
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		o := outs[i]
		if o.Username != w.user || o.Status != w.status {
			t.Errorf("outcomes[%d] = %+v, want %s %s", i, o, w.user, w.status)
			continue
		}
		switch w.status {
		case OutcomeReleased:
			repo := course.StudentRepoPath(crs, w.user)
			if o.Repository != repo+".git" || o.MemberID == "" || o.Error != "" {
				t.Errorf("outcomes[%d] = %+v", i, o)
			}
			head, err := b.Git.Resolve(b.Ctx, repo, "main")
			if err != nil || head != template {
				t.Errorf("%s's repository is at %s (%v), want the template's %s", w.user, head, err, template)
			}
			if files, err := b.Git.ListFiles(b.Ctx, repo, head, ""); err != nil || !slices.Equal(files, []string{"README.md", "hello/hello.py"}) {
				t.Errorf("%s's repository holds %v, %v", w.user, files, err)
			}
		case OutcomeFailed:
			if o.Error == "" || o.Repository != "" {
				t.Errorf("outcomes[%d] = %+v, want a reason and no repository", i, o)
			}
		}
	}
	if m, err := b.Store.CourseMemberGetByUser(b.Ctx, crs.ID, "s001"); err != nil || m.ID != outs[0].MemberID || m.CourseGroupID == "" {
		t.Errorf("s001's membership %+v, %v", m, err)
	}
	// Nothing was made outside the course's students group.
	entries, err := os.ReadDir(filepath.Join(b.Git.Root(), "tugraz", "progphys", "2026", "students"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"s001.git", "s002.git", "s003.git"}) {
		t.Errorf("students group holds %v", names)
	}
	if _, err := os.Stat(filepath.Join(b.Git.Root(), "escape.git")); err == nil {
		t.Error("a username escaped the students group")
	}

	again, err := a.ReleaseBatch(b.Ctx, in)
	if err != nil {
		t.Fatalf("ReleaseBatch again: %v", err)
	}
	if !slices.Equal(again, outs) {
		t.Errorf("retry = %+v, want %+v", again, outs)
	}
	members, err := b.Store.CourseMemberList(b.Ctx, crs.ID)
	if err != nil || len(members) != 5 { // lect, s001, s002, s003, sneaky.git
		t.Errorf("members after a retry: %d, %v", len(members), err)
	}
}

// TestReleaseBatchWithoutTemplate fails the batch for good: every student
// would fail alike.
func TestReleaseBatchWithoutTemplate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t, false)
	a := &Activities{deps: b.Deps}
	_, err := a.ReleaseBatch(b.Ctx, BatchInput{Course: coursePath, Students: []Student{{Username: "s001"}}, Origin: tasks.Origin{TaskID: "t"}})
	wantAppError(t, err, tasks.ErrTypeNotFound)
	_, err = a.ReleaseBatch(b.Ctx, BatchInput{Course: "tugraz.progphys.1999", Students: []Student{{Username: "s001"}}, Origin: tasks.Origin{TaskID: "t"}})
	wantAppError(t, err, tasks.ErrTypeNotFound)
}

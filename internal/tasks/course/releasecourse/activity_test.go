package releasecourse

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/tasktest"
)

// bundle is the fresh state of one test, with this package's helpers.
type bundle struct{ *tasktest.Bundle }

func setup(t *testing.T) *bundle { return &bundle{tasktest.Setup(t)} }

var wantAppError = tasktest.WantAppError

// Paths of the course that newCourse makes.
const (
	coursePath  = "tugraz.progphys.2026"
	assignments = "tugraz/progphys/2026/assignments"
	template    = "tugraz/progphys/2026/student-template"
)

// newCourse makes a course with its two repositories, each holding a
// README.md, as create_course leaves them.
func (b *bundle) newCourse(t *testing.T) *store.Course {
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
	for _, name := range []string{course.AssignmentsRepo, course.StudentTemplateRepo} {
		if _, err := b.Git.EnsureRepo(b.Ctx, course.RepoPath(c, name), map[string][]byte{"README.md": []byte("# " + name + "\n")}, "init"); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// commit writes and deletes files on main of a repository and returns the
// new head.
func (b *bundle) commit(t *testing.T, repo string, write map[string]string, del ...string) string {
	t.Helper()
	head, err := b.Git.Resolve(b.Ctx, repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	cp := git.CommitParams{Parent: head, Write: map[string][]byte{}, Delete: del, Message: "edit", AuthorName: "Lecturer", AuthorEmail: "lect@example.org"}
	for name, body := range write {
		cp.Write[name] = []byte(body)
	}
	commit, changed, err := b.Git.Commit(b.Ctx, repo, cp)
	if err != nil || !changed {
		t.Fatalf("commit to %s: changed %v, %v", repo, changed, err)
	}
	return commit
}

// tree returns every file of main of a repository with its content.
func (b *bundle) tree(t *testing.T, repo string) map[string]string {
	t.Helper()
	head, err := b.Git.Resolve(b.Ctx, repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	files, err := b.Git.ListFiles(b.Ctx, repo, head, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		body, err := b.Git.ReadFile(b.Ctx, repo, head, f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(body)
	}
	return out
}

func wantTree(t *testing.T, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("template holds %v,\nwant %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		for name, body := range want {
			if got[name] != body && got[name] != "" {
				t.Errorf("%s = %q, want %q", name, got[name], body)
			}
		}
	}
}

// twoAssignments is an assignments repository as staff author it: two
// assignments whose solutions and tests stay back, and a directory that is
// not an assignment.
var twoAssignments = map[string]string{
	"hello/meta.yaml":     "title: Hello\nstudent_files: [hello.py, README.md]\nsubmission_files: [hello.py]\nmax_test_runs: 20\nmax_submissions: 3\n",
	"hello/hello.py":      "print('TODO')\n",
	"hello/README.md":     "Say hello.\n",
	"hello/solution.py":   "print('Hello')\n",
	"hello/test_hello.py": "import hello\n",
	"hello/test.yaml":     "tests:\n  - {name: unit, type: command, command: python3 -m unittest test_hello.py}\n",
	"sum/meta.yaml":       "title: Sum\nstudent_files: ['src/*.c']\n",
	"sum/src/sum.c":       "int main(void) { return 0; }\n",
	"sum/solution/sum.c":  "int main(void) { return 42; }\n",
	"notes/ideas/more.md": "not an assignment\n",
}

func TestRelease(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t)
	a := &Activities{deps: b.Deps}
	first := b.commit(t, assignments, twoAssignments)
	in := Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-1", Submitter: "lect"}}

	res, err := a.Release(b.Ctx, in)
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	if !res.Changed || res.Commit != first || res.Course != coursePath || res.Ref != "main" {
		t.Errorf("Release = %+v, want changed at %s", res, first)
	}
	wantContents := []Released{
		{Path: "hello", Title: "Hello", Files: []string{"hello/README.md", "hello/hello.py"}},
		{Path: "sum", Title: "Sum", Files: []string{"sum/src/sum.c"}},
	}
	if !slices.EqualFunc(res.Contents, wantContents, func(a, b Released) bool {
		return a.Path == b.Path && a.Title == b.Title && slices.Equal(a.Files, b.Files)
	}) {
		t.Errorf("released %+v, want %+v", res.Contents, wantContents)
	}
	// Exactly the student files, nothing kept back.
	wantTree(t, b.tree(t, template), map[string]string{
		"README.md":       "# student-template\n",
		"hello/README.md": twoAssignments["hello/README.md"],
		"hello/hello.py":  twoAssignments["hello/hello.py"],
		"sum/src/sum.c":   twoAssignments["sum/src/sum.c"],
	})
	if head, err := b.Git.Resolve(b.Ctx, template, "main"); err != nil || head != res.TemplateCommit {
		t.Errorf("template main %s, result says %s (%v)", head, res.TemplateCommit, err)
	}
	contents, err := b.Store.CourseContentList(b.Ctx, crs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(contents) != 2 ||
		contents[0].Path != "hello" || contents[0].Title != "Hello" || contents[0].MaxTestRuns != 20 || contents[0].MaxSubmissions != 3 ||
		contents[0].ReleasedCommit != first || contents[0].ReleasedAt == nil ||
		contents[1].Path != "sum" || contents[1].ReleasedCommit != first || contents[1].MaxTestRuns != 0 {
		t.Fatalf("contents %+v", contents)
	}
	releasedAt := *contents[0].ReleasedAt

	// Releasing again changes nothing, by another task too.
	again := in
	again.TaskID = "task-2"
	res2, err := a.Release(b.Ctx, again)
	if err != nil {
		t.Fatalf("Release again: %v", err)
	}
	if res2.Changed || res2.TemplateCommit != res.TemplateCommit {
		t.Errorf("Release again = %+v, want unchanged at %s", res2, res.TemplateCommit)
	}
	if c, err := b.Store.CourseContentGet(b.Ctx, crs.ID, "hello"); err != nil || !c.ReleasedAt.Equal(releasedAt) {
		t.Errorf("releasing the same commit again moved released_at: %+v, %v", c, err)
	}

	// Staff change a student file and stop releasing the README.
	second := b.commit(t, assignments, map[string]string{
		"hello/hello.py":  "print('TODO: greet')\n",
		"hello/meta.yaml": "title: Hello!\nstudent_files: [hello.py]\nmax_test_runs: 10\nmax_submissions: 5\n",
	})
	res3, err := a.Release(b.Ctx, Input{Params: Params{Course: crs.ID, Ref: second[:12]}, Origin: tasks.Origin{TaskID: "task-3", Submitter: "lect"}})
	if err != nil {
		t.Fatalf("Release of the change: %v", err)
	}
	if !res3.Changed || res3.Commit != second {
		t.Errorf("Release of the change = %+v, want changed at %s", res3, second)
	}
	wantTree(t, b.tree(t, template), map[string]string{
		"README.md":      "# student-template\n",
		"hello/hello.py": "print('TODO: greet')\n",
		"sum/src/sum.c":  twoAssignments["sum/src/sum.c"],
	})
	contents, err = b.Store.CourseContentList(b.Ctx, crs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(contents) != 2 || contents[0].Title != "Hello!" || contents[0].MaxTestRuns != 10 || contents[0].MaxSubmissions != 5 ||
		contents[0].ReleasedCommit != second || contents[1].ReleasedCommit != second {
		t.Errorf("contents after the change %+v", contents)
	}

	// Releasing one assignment leaves the other's files and row alone.
	b.commit(t, assignments, map[string]string{"sum/src/sum.c": "int main(void) { return 1; }\n", "hello/hello.py": "print(1)\n"})
	res4, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Contents: Contents{"sum"}, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-4"}})
	if err != nil {
		t.Fatalf("Release of sum: %v", err)
	}
	if len(res4.Contents) != 1 || res4.Contents[0].Path != "sum" {
		t.Errorf("Release of sum released %+v", res4.Contents)
	}
	wantTree(t, b.tree(t, template), map[string]string{
		"README.md":      "# student-template\n",
		"hello/hello.py": "print('TODO: greet')\n",
		"sum/src/sum.c":  "int main(void) { return 1; }\n",
	})
	if c, err := b.Store.CourseContentGet(b.Ctx, crs.ID, "hello"); err != nil || c.ReleasedCommit != second {
		t.Errorf("hello after releasing sum: %+v, %v", c, err)
	}
}

func TestReleaseErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	a := &Activities{deps: b.Deps}
	origin := tasks.Origin{TaskID: "task-1", Submitter: "lect"}

	// Nothing to release yet.
	_, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: origin})
	wantAppError(t, err, tasks.ErrTypeInvalid)

	b.commit(t, assignments, twoAssignments)
	for _, tt := range []struct {
		name  string
		p     Params
		types []string
	}{
		{"missing ref", Params{Course: coursePath, Ref: "nope"}, []string{tasks.ErrTypeNotFound, tasks.ErrTypeInvalid}},
		{"missing course", Params{Course: "tugraz.progphys.1999", Ref: "main"}, []string{tasks.ErrTypeNotFound, tasks.ErrTypeInvalid}},
		{"not an assignment", Params{Course: coursePath, Contents: Contents{"notes"}, Ref: "main"}, []string{tasks.ErrTypeInvalid}},
	} {
		_, err := a.Release(b.Ctx, Input{Params: tt.p, Origin: origin})
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() || !slices.Contains(tt.types, app.Type()) {
			t.Errorf("%s: Release = %v, want a non-retryable %v", tt.name, err, tt.types)
		}
	}
	// Nothing was released by the failures.
	wantTree(t, b.tree(t, template), map[string]string{"README.md": "# student-template\n"})
}

func TestCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	b.commit(t, assignments, twoAssignments)
	b.commit(t, assignments, map[string]string{
		"broken/meta.yaml":  "title: Broken\nstudnet_files: [x.py]\n",
		"broken/x.py":       "x\n",
		"badspec/meta.yaml": "title: Bad spec\nstudent_files: [x.py]\n",
		"badspec/test.yaml": "tests:\n  - {name: small, type: io, command: python3 x.py}\n",
	})
	typ := Task(b.Deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	for _, tt := range []struct {
		name    string
		p       Params
		field   string
		message string
	}{
		{"good", Params{Course: coursePath, Contents: Contents{"hello", "sum"}, Ref: "main"}, "", ""},
		{"no meta.yaml", Params{Course: coursePath, Contents: Contents{"notes"}, Ref: "main"}, "contents[0]", "meta.yaml"},
		{"no such directory", Params{Course: coursePath, Contents: Contents{"hello", "nope"}, Ref: "main"}, "contents[1]", "nope"},
		{"solution directory", Params{Course: coursePath, Contents: Contents{"sum/solution"}, Ref: "main"}, "contents[0]", "meta.yaml"},
		{"malformed meta.yaml", Params{Course: coursePath, Contents: Contents{"broken"}, Ref: "main"}, "contents[0]", "line 2"},
		{"malformed meta.yaml in all", Params{Course: coursePath, Ref: "main"}, "contents", "line 2"},
		{"malformed test.yaml", Params{Course: coursePath, Contents: Contents{"hello", "badspec"}, Ref: "main"}, "contents[1]", "test.yaml: line 2"},
		{"unknown course", Params{Course: "tugraz.progphys.1999", Ref: "main"}, "course", ""},
		{"unknown ref", Params{Course: coursePath, Ref: "v9"}, "ref", ""},
	} {
		err := typ.Admit(b.Ctx, admin, tt.p)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: Admit = %v", tt.name, err)
			}
			continue
		}
		var ve *derrors.InvalidError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field || !strings.Contains(ve.Fields[0].Message, tt.message) {
			t.Errorf("%s: Admit = %v, want a validation error on %s mentioning %q", tt.name, err, tt.field, tt.message)
		}
	}
}

// nested is an assignment with another assignment below it. The inner
// one's meta.yaml sorts after the outer one's.
var nested = map[string]string{
	"nest/meta.yaml":       "title: Outer\nstudent_files: ['*.md']\n",
	"nest/README.md":       "outer\n",
	"nest/part2/meta.yaml": "title: Inner\nstudent_files: [task.txt]\n",
	"nest/part2/README.md": "inner, not released: it is the inner assignment's and its globs do not take it\n",
	"nest/part2/task.txt":  "task\n",
}

func TestReleaseNested(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	a := &Activities{deps: b.Deps}
	b.commit(t, assignments, nested)
	res, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-1"}})
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	files := map[string][]string{}
	for _, c := range res.Contents {
		files[c.Path] = c.Files
	}
	if len(files) != 2 || !slices.Equal(files["nest"], []string{"nest/README.md"}) ||
		!slices.Equal(files["nest/part2"], []string{"nest/part2/task.txt"}) {
		t.Errorf("released %+v", res.Contents)
	}
	wantTree(t, b.tree(t, template), map[string]string{
		"README.md":           "# student-template\n",
		"nest/README.md":      "outer\n",
		"nest/part2/task.txt": "task\n",
	})
}

// TestReleaseNestedAgain releases nested assignments a second time: the
// outer assignment's cleanup must not take the inner one's files.
func TestReleaseNestedAgain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	a := &Activities{deps: b.Deps}
	b.commit(t, assignments, nested)
	in := Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-1"}}
	if _, err := a.Release(b.Ctx, in); err != nil {
		t.Fatalf("Release: %v", err)
	}
	want := b.tree(t, template)
	// Everything again: nothing to change.
	res, err := a.Release(b.Ctx, in)
	if err != nil {
		t.Fatalf("Release again: %v", err)
	}
	if res.Changed {
		t.Errorf("Release again changed the template")
	}
	// The outer one alone keeps the inner one's files.
	in.Contents = Contents{"nest"}
	if _, err := a.Release(b.Ctx, in); err != nil {
		t.Fatalf("Release of the outer assignment: %v", err)
	}
	wantTree(t, b.tree(t, template), want)
}

// TestAdmitAuthorizes: a non-admin passes to Check only as releasing staff
// of the course, and learns nothing about courses they are not in.
func TestAdmitAuthorizes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t)
	b.commit(t, assignments, twoAssignments)
	for username, role := range map[string]string{"lect": store.RoleLecturer, "tut": store.RoleTutor} {
		u, err := b.Store.UserFindOrCreate(b.Ctx, store.UserCreateParams{Username: username, CreatedByTask: "t0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Store.CourseMemberFindOrCreate(b.Ctx, store.CourseMemberCreateParams{CourseID: crs.ID, UserID: u.ID, Role: role, CreatedByTask: "t0"}); err != nil {
			t.Fatal(err)
		}
	}
	typ := Task(b.Deps)
	lect := tasks.Caller{Subject: "lect", Roles: []string{"lecturer"}}
	if err := typ.Admit(b.Ctx, lect, Params{Course: coursePath, Ref: "main"}); err != nil {
		t.Errorf("Admit(lecturer) = %v", err)
	}
	// Authorized first, then checked.
	var ve *derrors.InvalidError
	if err := typ.Admit(b.Ctx, lect, Params{Course: coursePath, Contents: Contents{"notes"}, Ref: "main"}); !errors.As(err, &ve) {
		t.Errorf("Admit(lecturer, bad contents) = %v, want a validation error", err)
	}
	for _, tt := range []struct {
		who    string
		course string
	}{
		{"tut", coursePath},
		{"stranger", coursePath},
		{"lect", "tugraz.progphys.1999"},
	} {
		err := typ.Admit(b.Ctx, tasks.Caller{Subject: tt.who}, Params{Course: tt.course, Contents: Contents{"notes"}, Ref: "main"})
		if !errors.Is(err, derrors.Forbidden) || errors.As(err, &ve) {
			t.Errorf("Admit(%s, %s) = %v, want ErrForbidden", tt.who, tt.course, err)
		}
	}
}

// readExample reads an assignment of testdata/course/assignments, by path
// within the assignments repository.
func readExample(t *testing.T, name string) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..", "..", "..", "testdata", "course", "assignments")
	files := map[string]string{}
	err := filepath.WalkDir(filepath.Join(root, name), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestReleaseCodeAbility: the sample CodeAbility example's student
// template holds its student template as the submission file, its
// additional file and its README, and nothing kept back: not the reference
// solution's content, test.yaml, meta.yaml nor the test file.
func TestReleaseCodeAbility(t *testing.T) {
	t.Parallel()
	b := setup(t)
	crs := b.newCourse(t)
	a := &Activities{deps: b.Deps}
	example := readExample(t, "temperatures")
	b.commit(t, assignments, example)

	res, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-1", Submitter: "lect"}})
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	got := b.tree(t, template)
	wantTree(t, got, map[string]string{
		"README.md":                    "# student-template\n",
		"temperatures/temperatures.py": example["temperatures/studentTemplates/temperatures.py"],
		"temperatures/data.csv":        example["temperatures/data.csv"],
		"temperatures/README.md":       example["temperatures/content/index.md"],
	})
	if len(res.Contents) != 1 || res.Contents[0].Title != "Temperatures of a week" ||
		!slices.Equal(res.Contents[0].Files, []string{"temperatures/README.md", "temperatures/data.csv", "temperatures/temperatures.py"}) {
		t.Errorf("released %+v", res.Contents)
	}
	// Nothing kept back, under any name.
	for name, body := range got {
		for _, kept := range []string{"Reference solution of temperatures", "Tests of temperatures, kept back", "computor.samples.py.temperatures", example["temperatures/test_days.csv"]} {
			if strings.Contains(body, kept) {
				t.Errorf("%s holds kept-back text %q", name, kept)
			}
		}
	}
	c, err := b.Store.CourseContentGet(b.Ctx, crs.ID, "temperatures")
	if err != nil || c.Title != "Temperatures of a week" || c.MaxTestRuns != 100 || c.MaxSubmissions != 3 {
		t.Errorf("content %+v, %v", c, err)
	}

	// Without a template, the submission file is released empty; the
	// next release removes what the example no longer releases.
	b.commit(t, assignments, map[string]string{
		"temperatures/meta.yaml": "title: Temperatures\nproperties:\n  studentSubmissionFiles: [temperatures.py]\n  testFiles: [test_days.csv]\n",
	})
	if _, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-2", Submitter: "lect"}}); err != nil {
		t.Fatalf("Release without a template: %v", err)
	}
	wantTree(t, b.tree(t, template), map[string]string{
		"README.md":                    "# student-template\n",
		"temperatures/temperatures.py": "",
		"temperatures/README.md":       example["temperatures/content/index.md"],
	})
}

// A CodeAbility example that would release something kept back, or is
// incomplete, is refused at submit, naming the line of its meta.yaml.
func TestCheckCodeAbility(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	b.commit(t, assignments, map[string]string{
		"leak/meta.yaml":       "title: Leak\nproperties:\n  studentSubmissionFiles: [sum.py]\n  testFiles: [check.py]\n  additionalFiles: ['*.py']\n",
		"leak/sum.py":          "# reference\n",
		"leak/check.py":        "# test\n",
		"missing/meta.yaml":    "title: Missing\nproperties:\n  additionalFiles: [data.csv]\n",
		"ontotest/meta.yaml":   "title: Onto\nproperties:\n  studentTemplates: ['t/*']\n",
		"ontotest/t/test.yaml": "x\n",
		"reference/meta.yaml":  "title: Ref\nproperties:\n  studentSubmissionFiles: [sum.py]\n\n  additionalFiles: ['*.py']\n",
		"reference/sum.py":     "# reference\n",
		"dup/meta.yaml":        "title: Dup\nproperties:\n  additionalFiles: [a/x.txt, b/x.txt]\n",
		"dup/a/x.txt":          "a\n",
		"dup/b/x.txt":          "b\n",
		"good/meta.yaml":       "title: Good\nproperties:\n  studentSubmissionFiles: [sum.py]\n",
		"good/sum.py":          "# reference\n",
		"good/test.yaml":       "type: python\nproperties:\n  tests: []\n",
		"nativespec/meta.yaml": "title: Native\nstudent_files: [x.py]\n",
		"nativespec/x.py":      "x\n",
		"nativespec/test.yaml": "type: python\nproperties:\n  tests: []\n",
	})
	typ := Task(b.Deps)
	admin := tasks.Caller{Subject: "root", Admin: true}
	for _, tt := range []struct {
		content, message string
	}{
		{"good", ""},
		{"leak", "line 5: additionalFiles: \"*.py\" takes"},
		{"missing", "line 3: additionalFiles: \"data.csv\" matches no file"},
		{"ontotest", "test.yaml"},
		{"reference", "line 5"},
		{"dup", "both"},
		// A CodeAbility test.yaml is read by its engine, whatever the
		// meta.yaml's format: an empty list of tests is refused.
		{"nativespec", "properties.tests must be a list"},
	} {
		err := typ.Admit(b.Ctx, admin, Params{Course: coursePath, Contents: Contents{tt.content}, Ref: "main"})
		if tt.message == "" {
			if err != nil {
				t.Errorf("%s: Admit = %v", tt.content, err)
			}
			continue
		}
		var ve *derrors.InvalidError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "contents[0]" || !strings.Contains(ve.Fields[0].Message, tt.message) ||
			!strings.Contains(ve.Fields[0].Message, tt.content+"/") {
			t.Errorf("%s: Admit = %v, want a validation error on contents[0] mentioning %q", tt.content, err, tt.message)
		}
	}
}

// A symbolic link is never a source of the student template, whatever
// the format: its target's text is not released, and the release fails
// with the file named.
func TestReleaseSymlink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.newCourse(t)
	a := &Activities{deps: b.Deps}
	b.commit(t, assignments, map[string]string{
		"ln/meta.yaml": "title: Link\nproperties:\n  additionalFiles: [data.csv]\n",
	})
	b.commitSymlink(t, assignments, "ln/data.csv", "../../secret/solution.py")
	_, err := a.Release(b.Ctx, Input{Params: Params{Course: coursePath, Ref: "main"}, Origin: tasks.Origin{TaskID: "task-1", Submitter: "lect"}})
	wantAppError(t, err, tasks.ErrTypeInvalid)
	if err == nil || !strings.Contains(err.Error(), "ln/data.csv is a symbolic link") {
		t.Errorf("Release = %v, want the link named", err)
	}
	wantTree(t, b.tree(t, template), map[string]string{"README.md": "# student-template\n"})
}

// commitSymlink commits, with the git command, a symbolic link at file of
// a repository's main, which the git service's Commit never makes.
func (b *bundle) commitSymlink(t *testing.T, repo, file, target string) {
	t.Helper()
	work := filepath.Join(t.TempDir(), "w")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=L", "-c", "user.email=l@example.org"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run(filepath.Dir(work), "clone", "-q", filepath.Join(b.Git.Root(), filepath.FromSlash(repo)+".git"), work)
	if err := os.MkdirAll(filepath.Dir(filepath.Join(work, file)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(work, filepath.FromSlash(file))); err != nil {
		t.Fatal(err)
	}
	run(work, "add", "-A")
	run(work, "commit", "-qm", "link")
	run(work, "push", "-q", "origin", "HEAD:main")
}

package course_test

import (
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		role         string
		staff, leads bool
	}{
		{store.RoleOwner, true, true},
		{store.RoleMaintainer, true, true},
		{store.RoleLecturer, true, true},
		{store.RoleTutor, true, false},
		{store.RoleStudent, false, false},
		{"", false, false},
		{"admin", false, false},
		{"_OWNER", false, false},
		{"lecturer", false, false},
	} {
		if got := course.IsStaff(tt.role); got != tt.staff {
			t.Errorf("IsStaff(%q) = %v, want %v", tt.role, got, tt.staff)
		}
		if got := course.MayRelease(tt.role); got != tt.leads {
			t.Errorf("MayRelease(%q) = %v, want %v", tt.role, got, tt.leads)
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	c := &store.Course{FullPath: "a.b.c"}
	for _, tt := range []struct{ got, want string }{
		{course.GroupPath(c), "a/b/c"},
		{course.RepoPath(c, course.AssignmentsRepo), "a/b/c/assignments"},
		{course.RepoPath(c, course.StudentTemplateRepo), "a/b/c/student-template"},
		{course.StudentRepoPath(c, "s001"), "a/b/c/students/s001"},
		{course.StudentRepoPath(c, "first.last"), "a/b/c/students/first.last"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestAuthorizeRelease(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	org, err := s.OrganizationCreate(ctx, store.OrganizationCreateParams{Path: "uni", Title: "U", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.CourseFamilyCreate(ctx, store.CourseFamilyCreateParams{OrganizationID: org.ID, Path: "fam", Title: "F", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	crs, err := s.CourseCreate(ctx, store.CourseCreateParams{CourseFamilyID: f.ID, Path: "c", Title: "C", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CourseCreate(ctx, store.CourseCreateParams{CourseFamilyID: f.ID, Path: "other", Title: "O", CreatedByTask: "t0"})
	if err != nil {
		t.Fatal(err)
	}
	member := func(courseID, username, role string) {
		t.Helper()
		u, err := s.UserFindOrCreate(ctx, store.UserCreateParams{Username: username, CreatedByTask: "t0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CourseMemberFindOrCreate(ctx, store.CourseMemberCreateParams{CourseID: courseID, UserID: u.ID, Role: role, CreatedByTask: "t0"}); err != nil {
			t.Fatal(err)
		}
	}
	member(crs.ID, "own", store.RoleOwner)
	member(crs.ID, "maint", store.RoleMaintainer)
	member(crs.ID, "lect", store.RoleLecturer)
	member(crs.ID, "tut", store.RoleTutor)
	member(crs.ID, "stud", store.RoleStudent)
	member(other.ID, "elsewhere", store.RoleLecturer)
	if _, err := s.UserFindOrCreate(ctx, store.UserCreateParams{Username: "stranger", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		subject string
		course  string
		ok      bool
	}{
		{"own", "uni.fam.c", true},
		{"maint", "uni.fam.c", true},
		{"lect", "uni.fam.c", true},
		{"lect", crs.ID, true},
		{"tut", "uni.fam.c", false},
		{"stud", "uni.fam.c", false},
		{"stranger", "uni.fam.c", false},
		{"nobody", "uni.fam.c", false},
		{"elsewhere", "uni.fam.c", false},
		{"elsewhere", "uni.fam.other", true},
		{"lect", "uni.fam.nope", false},
		{"lect", "", false},
		// The platform role plays no part here: tasks.Type.Admit lets an
		// admin through before Authorize runs.
		{"root", "uni.fam.c", false},
		{"stud", "uni.fam.c", false},
	} {
		err := course.AuthorizeRelease(ctx, s, tt.subject, tt.course)
		switch {
		case tt.ok && err != nil:
			t.Errorf("AuthorizeRelease(%s, %q) = %v, want allowed", tt.subject, tt.course, err)
		case !tt.ok && !errors.Is(err, derrors.Forbidden):
			t.Errorf("AuthorizeRelease(%s, %q) = %v, want ErrForbidden", tt.subject, tt.course, err)
		}
	}
}

// The penalty arithmetic: late, beyond the free submissions
// (compounding), both, and never below 0.
func TestPenaltyFactor(t *testing.T) {
	t.Parallel()
	cc := &store.CourseContent{LatePenalty: 0.2, FreeSubmissions: 2, SubmissionPenalty: 0.1}
	for _, tc := range []struct {
		ordinal int
		late    bool
		want    float64
	}{
		{1, false, 1}, {2, false, 1}, {3, false, 0.9}, {4, false, 0.81},
		{1, true, 0.8}, {4, true, 0.648},
	} {
		if got := course.PenaltyFactor(cc, tc.ordinal, tc.late); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("submission %d, late %v: %v, want %v", tc.ordinal, tc.late, got, tc.want)
		}
	}
	if got := course.PenaltyFactor(&store.CourseContent{SubmissionPenalty: 1}, 3, true); got != 0 {
		t.Errorf("a full penalty: %v", got)
	}
	if got := course.PenaltyFactor(&store.CourseContent{}, 99, true); got != 1 {
		t.Errorf("no penalties: %v", got)
	}
	d := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	late := d.Add(48 * time.Hour)
	if c := course.Cutoff(&store.CourseContent{LateDeadline: &late}, &d); !c.Equal(late) {
		t.Errorf("cutoff with a late deadline: %v", c)
	}
	ext := d.Add(72 * time.Hour)
	if c := course.Cutoff(&store.CourseContent{LateDeadline: &late}, &ext); !c.Equal(ext) {
		t.Errorf("cutoff with an extension past the late deadline: %v", c)
	}
	if c := course.Cutoff(&store.CourseContent{LateDeadline: &late}, nil); c != nil {
		t.Errorf("cutoff without a deadline: %v", c)
	}
}

package hierarchy_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy"
)

func TestActivityError(t *testing.T) {
	t.Parallel()
	plain := errors.New("disk hiccup")
	for _, tt := range []struct {
		name string
		err  error
		// typ is the ApplicationError type; "" when the error stays as is.
		typ string
	}{
		{"store not found", fmt.Errorf("course %q: %w", "x", store.ErrNotFound), hierarchy.ErrTypeNotFound},
		{"git not found", fmt.Errorf("repository a/b: %w", git.ErrNotFound), hierarchy.ErrTypeNotFound},
		{"store conflict", fmt.Errorf("organization %q: %w", "x", store.ErrConflict), hierarchy.ErrTypeConflict},
		{"store invalid", fmt.Errorf("path segment %q: %w", "X", store.ErrInvalid), hierarchy.ErrTypeInvalid},
		{"git invalid", fmt.Errorf("commit: %w", git.ErrInvalid), hierarchy.ErrTypeInvalid},
		{"doubly wrapped", fmt.Errorf("create: %w", fmt.Errorf("inner: %w", store.ErrConflict)), hierarchy.ErrTypeConflict},
		{"plain", plain, ""},
		{"git conflict is retried", fmt.Errorf("commit: %w", git.ErrConflict), ""},
		{"deadline", context.DeadlineExceeded, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := hierarchy.ActivityError(tt.err)
			var app *temporal.ApplicationError
			if tt.typ == "" {
				if got != tt.err || errors.As(got, &app) {
					t.Fatalf("ActivityError(%v) = %v (%T), want it unchanged", tt.err, got, got)
				}
				return
			}
			if !errors.As(got, &app) {
				t.Fatalf("ActivityError(%v) = %v (%T), want an application error", tt.err, got, got)
			}
			if app.Type() != tt.typ || !app.NonRetryable() || app.Message() != tt.err.Error() {
				t.Errorf("ActivityError(%v): type %q, non-retryable %v, message %q", tt.err, app.Type(), app.NonRetryable(), app.Message())
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("ActivityError(%v) lost its cause", tt.err)
			}
		})
	}
	if err := hierarchy.ActivityError(nil); err != nil {
		t.Errorf("ActivityError(nil) = %v", err)
	}
}

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
		if got := hierarchy.IsStaff(tt.role); got != tt.staff {
			t.Errorf("IsStaff(%q) = %v, want %v", tt.role, got, tt.staff)
		}
		if got := hierarchy.MayRelease(tt.role); got != tt.leads {
			t.Errorf("MayRelease(%q) = %v, want %v", tt.role, got, tt.leads)
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	c := &store.Course{FullPath: "a.b.c"}
	for _, tt := range []struct{ got, want string }{
		{hierarchy.CourseGroupPath(c), "a/b/c"},
		{hierarchy.RepoPath(c, hierarchy.AssignmentsRepo), "a/b/c/assignments"},
		{hierarchy.RepoPath(c, hierarchy.StudentTemplateRepo), "a/b/c/student-template"},
		{hierarchy.StudentRepoPath(c, "s001"), "a/b/c/students/s001"},
		{hierarchy.StudentRepoPath(c, "first.last"), "a/b/c/students/first.last"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestCheckLookup(t *testing.T) {
	t.Parallel()
	for _, err := range []error{fmt.Errorf("course: %w", store.ErrNotFound), fmt.Errorf("id: %w", store.ErrInvalid)} {
		got := hierarchy.CheckLookup("course", err)
		var ve *tasks.ValidationError
		if !errors.As(got, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "course" || ve.Fields[0].Message != err.Error() {
			t.Errorf("CheckLookup(%v) = %v, want a validation error on course", err, got)
		}
	}
	plain := errors.New("database down")
	if got := hierarchy.CheckLookup("course", plain); got != plain {
		t.Errorf("CheckLookup(plain) = %v, want it unchanged", got)
	}
}

func TestActivityOptions(t *testing.T) {
	t.Parallel()
	o := hierarchy.ActivityOptions()
	if o.StartToCloseTimeout <= 0 || o.RetryPolicy == nil || o.RetryPolicy.MaximumAttempts <= 1 ||
		o.RetryPolicy.InitialInterval <= 0 || o.RetryPolicy.MaximumInterval < o.RetryPolicy.InitialInterval {
		t.Errorf("ActivityOptions = %+v, retry %+v", o, o.RetryPolicy)
	}
	// Each call is a fresh value: a task that tunes its copy changes no other.
	o.RetryPolicy.MaximumAttempts = 1
	if hierarchy.ActivityOptions().RetryPolicy.MaximumAttempts == 1 {
		t.Error("ActivityOptions share their retry policy")
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
	course, err := s.CourseCreate(ctx, store.CourseCreateParams{CourseFamilyID: f.ID, Path: "c", Title: "C", CreatedByTask: "t0"})
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
	member(course.ID, "own", store.RoleOwner)
	member(course.ID, "maint", store.RoleMaintainer)
	member(course.ID, "lect", store.RoleLecturer)
	member(course.ID, "tut", store.RoleTutor)
	member(course.ID, "stud", store.RoleStudent)
	member(other.ID, "elsewhere", store.RoleLecturer)
	if _, err := s.UserFindOrCreate(ctx, store.UserCreateParams{Username: "stranger", CreatedByTask: "t0"}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		caller tasks.Caller
		course string
		ok     bool
	}{
		{tasks.Caller{Subject: "own"}, "uni.fam.c", true},
		{tasks.Caller{Subject: "maint"}, "uni.fam.c", true},
		{tasks.Caller{Subject: "lect"}, "uni.fam.c", true},
		{tasks.Caller{Subject: "lect"}, course.ID, true},
		{tasks.Caller{Subject: "tut"}, "uni.fam.c", false},
		{tasks.Caller{Subject: "stud"}, "uni.fam.c", false},
		{tasks.Caller{Subject: "stranger"}, "uni.fam.c", false},
		{tasks.Caller{Subject: "nobody"}, "uni.fam.c", false},
		{tasks.Caller{Subject: "elsewhere"}, "uni.fam.c", false},
		{tasks.Caller{Subject: "elsewhere"}, "uni.fam.other", true},
		{tasks.Caller{Subject: "lect"}, "uni.fam.nope", false},
		{tasks.Caller{Subject: "lect"}, "", false},
		// The platform role plays no part here: tasks.Type.Admit lets an
		// admin through before Authorize runs.
		{tasks.Caller{Subject: "root", Roles: []string{"admin"}, Admin: true}, "uni.fam.c", false},
		{tasks.Caller{Subject: "stud", Roles: []string{"admin", "lecturer"}}, "uni.fam.c", false},
	} {
		err := hierarchy.AuthorizeRelease(ctx, s, tt.caller, tt.course)
		switch {
		case tt.ok && err != nil:
			t.Errorf("AuthorizeRelease(%s, %q) = %v, want allowed", tt.caller.Subject, tt.course, err)
		case !tt.ok && !errors.Is(err, tasks.ErrForbidden):
			t.Errorf("AuthorizeRelease(%s, %q) = %v, want ErrForbidden", tt.caller.Subject, tt.course, err)
		}
	}
}

func TestCheckFree(t *testing.T) {
	t.Parallel()
	err := hierarchy.CheckFree(nil, `organization "tugraz"`)
	var ve *tasks.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "path" || ve.Fields[0].Message != `organization "tugraz" exists already` {
		t.Errorf("CheckFree(nil) = %v, want a validation error on path", err)
	}
	if err := hierarchy.CheckFree(fmt.Errorf("organization: %w", store.ErrNotFound), "x"); err != nil {
		t.Errorf("CheckFree(not found) = %v, want nil", err)
	}
	plain := errors.New("database down")
	if err := hierarchy.CheckFree(plain, "x"); err != plain {
		t.Errorf("CheckFree(plain) = %v, want it unchanged", err)
	}
}

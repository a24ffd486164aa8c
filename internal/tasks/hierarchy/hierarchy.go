// Package hierarchy holds what the course-building task types share: their
// dependencies, the layout of a course's repositories, who may release, and
// how store and git errors become activity errors. The task types are the
// packages below it.
package hierarchy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Deps are the outside systems the course tasks act on.
type Deps = tasks.Deps

// Repository names of a course, below its group.
const (
	AssignmentsRepo     = "assignments"
	StudentTemplateRepo = "student-template"
	StudentsGroup       = "students"
)

// CourseGroupPath is the git group of a course: org/family/course.
func CourseGroupPath(c *store.Course) string {
	return strings.ReplaceAll(c.FullPath, ".", "/")
}

// RepoPath returns the path of one of a course's repositories.
func RepoPath(c *store.Course, name string) string {
	return CourseGroupPath(c) + "/" + name
}

// StudentRepoPath returns the path of a student's repository.
func StudentRepoPath(c *store.Course, username string) string {
	return CourseGroupPath(c) + "/" + StudentsGroup + "/" + username
}

// ReleaseRoles may release a course's assignments and students.
var releaseRoles = []string{store.RoleOwner, store.RoleMaintainer, store.RoleLecturer}

// StaffRoles are the course roles that see all of a course.
var staffRoles = []string{store.RoleOwner, store.RoleMaintainer, store.RoleLecturer, store.RoleTutor}

// IsStaff reports whether a course role is staff.
func IsStaff(role string) bool { return slices.Contains(staffRoles, role) }

// MayRelease reports whether a course role may release.
func MayRelease(role string) bool { return slices.Contains(releaseRoles, role) }

// ReleaseAccess says in words who may submit the release tasks.
const ReleaseAccess = "admin, or an _owner, _maintainer or _lecturer of the course"

// AuthorizeRelease lets the caller release when they hold a releasing role
// in the course.
func AuthorizeRelease(ctx context.Context, s store.Store, c tasks.Caller, course string) error {
	crs, err := s.CourseGet(ctx, course)
	if err != nil {
		return fmt.Errorf("%w: course %q: %v", tasks.ErrForbidden, course, err)
	}
	m, err := s.CourseMemberGetByUser(ctx, crs.ID, c.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: you are not a member of course %s", tasks.ErrForbidden, crs.FullPath)
	}
	if err != nil {
		return err
	}
	if !MayRelease(m.Role) {
		return fmt.Errorf("%w: your role %s in course %s may not release", tasks.ErrForbidden, m.Role, crs.FullPath)
	}
	return nil
}

// Error types of non-retryable activity failures.
const (
	ErrTypeNotFound = "NotFound"
	ErrTypeConflict = "Conflict"
	ErrTypeInvalid  = "Invalid"
)

// ActivityError marks store and git errors that a retry cannot fix as
// non-retryable, and leaves the rest (a database or disk hiccup) retryable.
func ActivityError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, git.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeConflict, err)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, git.ErrInvalid):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, err)
	}
	return err
}

// ActivityOptions are the defaults of the course activities: short, and
// retried with backoff while the database or the disk hiccups.
func ActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
			MaximumAttempts:    10,
		},
	}
}

// Origin says on whose behalf and by which task an activity acts; it makes
// creates idempotent (store rows remember their task).
type Origin struct {
	TaskID    string `json:"task_id"`
	Submitter string `json:"submitter"`
}

// OriginOf returns the origin of the running task.
func OriginOf(ctx workflow.Context) Origin {
	sub, _ := workflow.GetTypedSearchAttributes(ctx).GetKeyword(engine.SubmitterKey)
	return Origin{TaskID: workflow.GetInfo(ctx).WorkflowExecution.ID, Submitter: sub}
}

// Invalid returns a validation error for one field, for Check functions.
func Invalid(field string, err error) error {
	return tasks.Invalid(field, "%s", err.Error())
}

// CheckLookup turns a store lookup error into a 422 on the field, or
// passes other errors through.
func CheckLookup(field string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return Invalid(field, err)
	}
	return err
}

// CheckFree turns the lookup of a path that a create would take into a
// 422 when it exists: err is the lookup's error, what names the taken row.
func CheckFree(err error, what string) error {
	switch {
	case err == nil:
		return tasks.Invalid("path", "%s exists already", what)
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}

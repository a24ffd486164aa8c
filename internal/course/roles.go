package course

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
)

// releaseRoles may release a course's assignments and students.
var releaseRoles = []string{store.RoleOwner, store.RoleMaintainer, store.RoleLecturer}

// staffRoles see all of a course: every member, repository and result.
var staffRoles = []string{store.RoleOwner, store.RoleMaintainer, store.RoleLecturer, store.RoleTutor}

// IsStaff reports whether a course role is staff.
func IsStaff(role string) bool { return slices.Contains(staffRoles, role) }

// MayRelease reports whether a course role may release.
func MayRelease(role string) bool { return slices.Contains(releaseRoles, role) }

// ReleaseAccess says in words who may submit the release tasks.
const ReleaseAccess = "admin, or an _owner, _maintainer or _lecturer of the course"

// AuthorizeRelease lets subject release in a course (id or path) when
// they hold a releasing role there. A course that does not exist is
// refused in the same words as one the subject is not in, so that course
// names cannot be probed.
func AuthorizeRelease(ctx context.Context, s store.Store, subject, course string) error {
	crs, err := s.CourseGet(ctx, course)
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return fmt.Errorf("%w: you are not a member of course %s", derrors.Forbidden, course)
	}
	if err != nil {
		return err
	}
	m, err := s.CourseMemberGetByUser(ctx, crs.ID, subject)
	if errors.Is(err, derrors.NotFound) {
		return fmt.Errorf("%w: you are not a member of course %s", derrors.Forbidden, course)
	}
	if err != nil {
		return err
	}
	if !MayRelease(m.Role) {
		return fmt.Errorf("%w: your role %s in course %s may not release", derrors.Forbidden, m.Role, crs.FullPath)
	}
	return nil
}

// AuthorizeMember lets subject act on a member's repository: the member
// themself, or staff of the member's course.
func AuthorizeMember(ctx context.Context, s store.Store, subject, member string) error {
	m, err := s.CourseMemberGet(ctx, member)
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return fmt.Errorf("%w: you may test only your own repository", derrors.Forbidden)
	}
	if err != nil {
		return err
	}
	if m.Username == subject {
		return nil
	}
	mine, err := s.CourseMemberGetByUser(ctx, m.CourseID, subject)
	if err == nil && IsStaff(mine.Role) {
		return nil
	}
	if err != nil && !errors.Is(err, derrors.NotFound) {
		return err
	}
	return fmt.Errorf("%w: you may test only your own repository", derrors.Forbidden)
}

// LecturerOfAccess says who may act on a member's rules, such as an extension.
const LecturerOfAccess = "admin, or an _owner, _maintainer or _lecturer of the member's course"

// AuthorizeLecturerOf lets subject act on a member's rules: those who may
// release the member's course (not tutors). Anyone else, the member
// included, is refused alike, whether the member exists or not.
func AuthorizeLecturerOf(ctx context.Context, s store.Store, subject, member string) error {
	refused := fmt.Errorf("%w: only an owner, maintainer or lecturer of the member's course may do this", derrors.Forbidden)
	m, err := s.CourseMemberGet(ctx, member)
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return refused
	}
	if err != nil {
		return err
	}
	mine, err := s.CourseMemberGetByUser(ctx, m.CourseID, subject)
	if errors.Is(err, derrors.NotFound) {
		return refused
	}
	if err != nil {
		return err
	}
	if !MayRelease(mine.Role) {
		return refused
	}
	return nil
}

package course

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
)

// Repository names of a course, below its group.
const (
	AssignmentsRepo     = "assignments"
	StudentTemplateRepo = "student-template"
	StudentsGroup       = "students"
)

// GroupPath is the git group of a course: org/family/course.
func GroupPath(c *store.Course) string {
	return strings.ReplaceAll(c.FullPath, ".", "/")
}

// RepoPath returns the path of one of a course's repositories.
func RepoPath(c *store.Course, name string) string {
	return GroupPath(c) + "/" + name
}

// StudentRepoPath returns the path of a student's repository.
func StudentRepoPath(c *store.Course, username string) string {
	return GroupPath(c) + "/" + StudentsGroup + "/" + username
}

// AuthorizeRepo decides whether subject, who is not an admin, may read
// (or, with write, push to) the repository at repoPath: staff of the course
// read every repository and push to assignments; a student reads and
// pushes their own repository and reads the student template; nobody else
// sees anything. Every refusal wraps derrors.Forbidden.
func AuthorizeRepo(ctx context.Context, s store.Store, subject, repoPath string, write bool) error {
	parts := strings.Split(repoPath, "/")
	if len(parts) < 4 {
		return fmt.Errorf("%w: %s is not a course repository", derrors.Forbidden, repoPath)
	}
	crs, err := s.CourseGet(ctx, strings.Join(parts[:3], "."))
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return fmt.Errorf("%w: no course for %s", derrors.Forbidden, repoPath)
	}
	if err != nil {
		return err
	}
	m, err := s.CourseMemberGetByUser(ctx, crs.ID, subject)
	if errors.Is(err, derrors.NotFound) {
		return fmt.Errorf("%w: %s is not a member of %s", derrors.Forbidden, subject, crs.FullPath)
	}
	if err != nil {
		return err
	}
	rest := strings.Join(parts[3:], "/")
	staff := IsStaff(m.Role)
	switch {
	case rest == AssignmentsRepo && staff:
		return nil
	case rest == StudentTemplateRepo && !write:
		return nil
	case strings.HasPrefix(rest, StudentsGroup+"/") && staff && !write:
		return nil
	case rest == StudentsGroup+"/"+subject && m.Role == store.RoleStudent:
		return nil
	}
	verb := "read"
	if write {
		verb = "push to"
	}
	return fmt.Errorf("%w: %s (%s) may not %s %s", derrors.Forbidden, subject, m.Role, verb, repoPath)
}

package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy"
)

// GitServer serves repositories over git's smart HTTP protocol; *git.Local
// is one.
type GitServer interface {
	Handler(prefix string, authorize func(r *http.Request, repoPath string, write bool) error) http.Handler
}

// authorizeGit decides who may read and push which repository. The token is
// the API's, as a Bearer header or as the password of basic auth (any user
// name). An admin may do anything. In a course, staff read every
// repository and push to assignments; a student reads and pushes their own
// repository and reads the student template; nobody else sees anything.
func (s *Server) authorizeGit(r *http.Request, repoPath string, write bool) error {
	token := auth.TokenFromRequest(r)
	if token == "" {
		return fmt.Errorf("%w: send your token as the password", git.ErrUnauthenticated)
	}
	claims, err := s.verifier.Verify(r.Context(), token)
	if err != nil {
		return fmt.Errorf("%w: %v", git.ErrUnauthenticated, err)
	}
	if claims.IsAdmin() {
		return nil
	}
	parts := strings.Split(repoPath, "/")
	if len(parts) < 4 {
		return fmt.Errorf("%w: %s is not a course repository", git.ErrForbidden, repoPath)
	}
	course, err := s.store.CourseGet(r.Context(), strings.Join(parts[:3], "."))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return fmt.Errorf("%w: no course for %s", git.ErrForbidden, repoPath)
	}
	if err != nil {
		return err
	}
	m, err := s.store.CourseMemberGetByUser(r.Context(), course.ID, claims.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s is not a member of %s", git.ErrForbidden, claims.Subject, course.FullPath)
	}
	if err != nil {
		return err
	}
	rest := strings.Join(parts[3:], "/")
	staff := hierarchy.IsStaff(m.Role)
	switch {
	case rest == hierarchy.AssignmentsRepo && staff:
		return nil
	case rest == hierarchy.StudentTemplateRepo && !write:
		return nil
	case strings.HasPrefix(rest, hierarchy.StudentsGroup+"/") && staff && !write:
		return nil
	case rest == hierarchy.StudentsGroup+"/"+claims.Subject && m.Role == store.RoleStudent:
		return nil
	}
	verb := "read"
	if write {
		verb = "push to"
	}
	return fmt.Errorf("%w: %s (%s) may not %s %s", git.ErrForbidden, claims.Subject, m.Role, verb, repoPath)
}

package api

import (
	"fmt"
	"net/http"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
)

// GitServer serves repositories over git's smart HTTP protocol; *git.Local
// is one.
type GitServer interface {
	Handler(prefix string, authorize func(r *http.Request, repoPath string, write bool) error,
		fail func(w http.ResponseWriter, r *http.Request, err error)) http.Handler
}

// authorizeGit decides who may read and push which repository. The token is
// the API's, as a Bearer header or as the password of basic auth (any user
// name). An admin may do anything. In a course, staff read every
// repository and push to assignments; a student reads and pushes their own
// repository and reads the student template; nobody else sees anything.
func (s *Server) authorizeGit(r *http.Request, repoPath string, write bool) error {
	token := auth.TokenFromRequest(r)
	if token == "" {
		return fmt.Errorf("%w: send your token as the password", derrors.Unauthenticated)
	}
	claims, err := s.verify(r, token)
	if err != nil {
		return fmt.Errorf("%w: %v", derrors.Unauthenticated, err)
	}
	if claims.IsAdmin() {
		return nil
	}
	return course.AuthorizeRepo(r.Context(), s.store, claims.Subject, repoPath, write)
}

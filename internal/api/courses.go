package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
)

// The read API shows what the course tasks made, filtered to what the
// caller may see: an admin sees everything, anyone else the courses they
// are a member of (and their families and organizations).

// visibleCourses returns the ids of the courses the caller is a member of,
// with their role; nil for an admin, who sees all.
func (s *Server) visibleCourses(ctx context.Context, c *auth.Claims) (map[string]string, error) {
	if c.IsAdmin() {
		return nil, nil
	}
	ms, err := s.store.MembershipsOf(ctx, c.Subject)
	if err != nil {
		return nil, fmt.Errorf("memberships of %s: %w", c.Subject, err)
	}
	roles := make(map[string]string, len(ms))
	for _, m := range ms {
		roles[m.CourseID] = m.Role
	}
	return roles, nil
}

func (s *Server) serveCourses(w http.ResponseWriter, r *http.Request) error {
	roles, err := s.visibleCourses(r.Context(), claimsOf(r))
	if err != nil {
		return err
	}
	all, err := s.store.CourseList(r.Context())
	if err != nil {
		return err
	}
	out := []store.Course{}
	for _, c := range all {
		if _, ok := roles[c.ID]; roles == nil || ok {
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) serveCourseFamilies(w http.ResponseWriter, r *http.Request) error {
	seen, err := s.visibleParents(r)
	if err != nil {
		return err
	}
	all, err := s.store.CourseFamilyList(r.Context())
	if err != nil {
		return err
	}
	out := []store.CourseFamily{}
	for _, f := range all {
		if seen == nil || seen[f.ID] {
			out = append(out, f)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) serveOrganizations(w http.ResponseWriter, r *http.Request) error {
	seen, err := s.visibleParents(r)
	if err != nil {
		return err
	}
	all, err := s.store.OrganizationList(r.Context())
	if err != nil {
		return err
	}
	out := []store.Organization{}
	for _, o := range all {
		if seen == nil || seen[o.ID] {
			out = append(out, o)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// visibleParents returns the ids of the families and organizations of the
// caller's courses; nil for an admin.
func (s *Server) visibleParents(r *http.Request) (map[string]bool, error) {
	roles, err := s.visibleCourses(r.Context(), claimsOf(r))
	if err != nil || roles == nil {
		return nil, err
	}
	seen := map[string]bool{}
	for id := range roles {
		c, err := s.store.CourseGet(r.Context(), id)
		if err != nil {
			return nil, err
		}
		seen[c.CourseFamilyID] = true
		seen[c.OrganizationID] = true
	}
	return seen, nil
}

// courseFor resolves {id} (id or path) to a course the caller may see, with
// the caller's role ("" for an admin who is not a member).
func (s *Server) courseFor(r *http.Request) (*store.Course, string, error) {
	claims := claimsOf(r)
	id := r.PathValue("id")
	notFound := fmt.Errorf("no course %q: %w", id, derrors.NotFound)
	c, err := s.store.CourseGet(r.Context(), id)
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return nil, "", notFound
	}
	if err != nil {
		return nil, "", err
	}
	m, err := s.store.CourseMemberGetByUser(r.Context(), c.ID, claims.Subject)
	switch {
	case err == nil:
		return c, m.Role, nil
	case !errors.Is(err, derrors.NotFound):
		return nil, "", err
	case claims.IsAdmin():
		return c, "", nil
	}
	return nil, "", notFound
}

func (s *Server) serveCourseMembers(w http.ResponseWriter, r *http.Request) error {
	c, role, err := s.courseFor(r)
	if err != nil {
		return err
	}
	all, err := s.store.CourseMemberList(r.Context(), c.ID)
	if err != nil {
		return err
	}
	// Staff see every member; a student sees their own membership.
	out := []store.CourseMember{}
	for _, m := range all {
		if claimsOf(r).IsAdmin() || course.IsStaff(role) || m.Username == claimsOf(r).Subject {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) serveCourseContents(w http.ResponseWriter, r *http.Request) error {
	c, role, err := s.courseFor(r)
	if err != nil {
		return err
	}
	out, err := s.store.CourseContentList(r.Context(), c.ID)
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.CourseContent{}
	}
	// A student sees their own deadline: an extension's where staff
	// granted one.
	if claims := claimsOf(r); !claims.IsAdmin() && !course.IsStaff(role) {
		m, err := s.store.CourseMemberGetByUser(r.Context(), c.ID, claims.Subject)
		if err != nil {
			return err
		}
		for i := range out {
			if out[i].Deadline, err = course.EffectiveDeadline(r.Context(), s.store, m.ID, &out[i]); err != nil {
				return err
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

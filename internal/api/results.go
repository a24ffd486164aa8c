package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
)

// serveResults lists stored test results: GET /results?course=&member=&content=&limit=.
// An admin sees all; course staff see their course's; a student sees their
// own, in their view (gradeView): before the deadline only the visible
// tests. Newest first.
func (s *Server) serveResults(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	claims := claimsOf(r)
	q := r.URL.Query()
	f := store.TestResultFilter{CourseMemberID: q.Get("member"), Limit: 100}
	if _, err := wantComputor(r); err != nil {
		return err
	}
	if f.CourseMemberID != "" && store.ValidID(f.CourseMemberID) != nil {
		return invalidField("member", "must be a course member's id (a UUID)")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return invalidField("limit", "must be an integer from 1 to 1000")
		}
		f.Limit = n
	}
	var crs *store.Course
	if v := q.Get("course"); v != "" {
		c, err := s.store.CourseGet(ctx, v)
		if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
			return invalidField("course", "no course %q", v)
		}
		if err != nil {
			return err
		}
		crs, f.CourseID = c, c.ID
	}
	if v := q.Get("content"); v != "" {
		if crs == nil {
			return invalidField("content", "needs course as well")
		}
		cc, err := s.store.CourseContentGet(ctx, crs.ID, v)
		if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
			return invalidField("content", "no assignment %q in %s", v, crs.FullPath)
		}
		if err != nil {
			return err
		}
		f.CourseContentID = cc.ID
	}
	if claims.IsAdmin() {
		return s.writeResults(w, r, []store.TestResultFilter{f}, f.Limit)
	}

	// Everyone else: one filter per course they may see into.
	ms, err := s.store.MembershipsOf(ctx, claims.Subject)
	if err != nil {
		return err
	}
	var filters []store.TestResultFilter
	for _, m := range ms {
		if f.CourseID != "" && m.CourseID != f.CourseID {
			continue
		}
		mf := f
		mf.CourseID = m.CourseID
		if !course.IsStaff(m.Role) {
			if f.CourseMemberID != "" && f.CourseMemberID != m.ID {
				continue // another student's results: none
			}
			mf.CourseMemberID = m.ID
		}
		filters = append(filters, mf)
	}
	if crs != nil && len(filters) == 0 {
		return invalid(derrors.FieldError{Field: "course", Message: "you are not a member of " + crs.FullPath})
	}
	return s.writeResults(w, r, filters, f.Limit)
}

func (s *Server) writeResults(w http.ResponseWriter, r *http.Request, filters []store.TestResultFilter, limit int) error {
	out := []store.TestResult{}
	claims := claimsOf(r)
	views := map[[2]string]gradeView{} // by content and member
	for _, f := range filters {
		rs, err := s.store.TestResultList(r.Context(), f)
		if err != nil {
			return err
		}
		for i := range rs {
			res := &rs[i]
			if res.Status == store.ResultError {
				continue // its summary is only the platform's message
			}
			key := [2]string{res.CourseContentID, res.CourseMemberID}
			v, ok := views[key]
			if !ok {
				if v, err = s.viewOf(r.Context(), claims, res.CourseID, res.CourseContentID, res.CourseMemberID); err != nil {
					return err
				}
				views[key] = v
			}
			if res.Summary, res.Score, err = v.summary(res.Summary, res.Score); err != nil {
				return fmt.Errorf("result %s: %w", res.ID, err)
			}
		}
		out = append(out, rs...)
	}
	slices.SortStableFunc(out, func(a, b store.TestResult) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	if computor, _ := wantComputor(r); computor {
		for i := range out {
			out[i].Summary = computorSummary(out[i].Summary)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

package api

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/store"
)

// Gradebook is the answer to GET /courses/{id}/grades: one row per
// student, one cell per released assignment, in the order of Contents.
type Gradebook struct {
	Course   string            `json:"course"`
	Contents []GradebookColumn `json:"contents"`
	Rows     []GradebookRow    `json:"rows"`
}

// GradebookColumn is one released assignment, and which of a student's
// graded submissions counts: the last or the best.
type GradebookColumn struct {
	ID      string `json:"id"`
	Path    string `json:"path"`
	Title   string `json:"title"`
	Grading string `json:"grading"`
}

// GradebookRow is one student's grades.
type GradebookRow struct {
	CourseMemberID string      `json:"course_member_id"`
	Username       string      `json:"username"`
	Cells          []GradeCell `json:"cells"`
}

// GradeCell is one student's grade of one assignment: the score, after
// penalties, of the graded submission that counts (the last or the best,
// as the column says), null without one; whether that one was late; and
// how many submissions they made.
type GradeCell struct {
	Score       *float64 `json:"score"`
	Late        bool     `json:"late"`
	Submissions int      `json:"submissions"`
	// Withheld says a student's score is kept back until the tests are
	// revealed (it covers tests the student may not see yet).
	Withheld bool `json:"withheld,omitempty"`
	// Outdated says the score was graded with tests older than the
	// assignment's; regrade_content grades it again.
	Outdated bool `json:"outdated,omitempty"`
}

// serveGrades is the gradebook: staff and admins see every student's
// row, a student only their own. Accept: text/csv gives the same as CSV.
func (s *Server) serveGrades(w http.ResponseWriter, r *http.Request) error {
	c, role, err := s.courseFor(r)
	if err != nil {
		return err
	}
	claims := claimsOf(r)
	all := claims.IsAdmin() || course.IsStaff(role)
	contents, err := s.store.CourseContentList(r.Context(), c.ID)
	if err != nil {
		return err
	}
	members, err := s.store.CourseMemberList(r.Context(), c.ID)
	if err != nil {
		return err
	}
	subs, err := s.store.GradedSubmissions(r.Context(), c.ID)
	if err != nil {
		return err
	}
	book := Gradebook{Course: c.FullPath, Contents: []GradebookColumn{}, Rows: []GradebookRow{}}
	col := map[string]int{}
	best := map[int]bool{}                    // columns graded by the best submission
	content := map[int]*store.CourseContent{} // by column: its penalties
	for i, cc := range contents {
		if cc.ReleasedCommit == "" {
			continue
		}
		col[cc.ID] = len(book.Contents)
		best[len(book.Contents)] = cc.Grading == store.GradingBest
		content[len(book.Contents)] = &contents[i]
		book.Contents = append(book.Contents, GradebookColumn{ID: cc.ID, Path: cc.Path, Title: cc.Title, Grading: cmp.Or(cc.Grading, store.GradingLast)})
	}
	row := map[string]int{}
	for _, m := range members {
		if m.Role != store.RoleStudent || !all && m.Username != claims.Subject {
			continue
		}
		row[m.ID] = len(book.Rows)
		book.Rows = append(book.Rows, GradebookRow{CourseMemberID: m.ID, Username: m.Username, Cells: make([]GradeCell, len(book.Contents))})
	}
	for _, sub := range subs { // oldest first: the last graded one counts
		ri, ok1 := row[sub.CourseMemberID]
		ci, ok2 := col[sub.CourseContentID]
		if !ok1 || !ok2 {
			continue
		}
		cell := &book.Rows[ri].Cells[ci]
		if sub.Status == store.ResultError {
			continue // the platform failed to grade it: not the student's
		}
		cell.Submissions++
		if sub.Status != store.ResultFinished {
			continue
		}
		score := sub.Score * course.PenaltyFactor(content[ci], sub.Ordinal, sub.Late)
		if !best[ci] || cell.Score == nil || score > *cell.Score {
			cell.Score, cell.Late, cell.Outdated = &score, sub.Late, sub.Outdated
		}
	}
	// A student's scores cover every test, hidden ones too: they are kept
	// back until the tests are revealed, as in the student's view of
	// their results.
	if !all {
		for ri := range book.Rows {
			for ci := range book.Rows[ri].Cells {
				cell := &book.Rows[ri].Cells[ci]
				if cell.Score == nil {
					continue
				}
				reveal, err := course.RevealAt(r.Context(), s.store, book.Rows[ri].CourseMemberID, content[ci])
				if err != nil {
					return err
				}
				if !course.DeadlinePassed(reveal, time.Now()) {
					cell.Score, cell.Withheld, cell.Outdated = nil, true, false
				}
			}
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		return writeGradesCSV(w, book)
	}
	writeJSON(w, http.StatusOK, book)
	return nil
}

// writeGradesCSV writes the gradebook for a spreadsheet or an LMS: a
// header, then one line per student with each assignment's score (empty
// without a graded submission) and number of submissions.
func writeGradesCSV(w http.ResponseWriter, b Gradebook) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.ReplaceAll(b.Course, ".", "-")+"-grades.csv"))
	out := csv.NewWriter(w)
	header := []string{"username", "course_member_id"}
	for _, c := range b.Contents {
		header = append(header, csvSafe(c.Path), csvSafe(c.Path)+" late", csvSafe(c.Path)+" submissions")
	}
	_ = out.Write(header)
	for _, r := range b.Rows {
		line := []string{csvSafe(r.Username), r.CourseMemberID}
		for _, c := range r.Cells {
			score := ""
			if c.Score != nil {
				score = strconv.FormatFloat(*c.Score, 'f', -1, 64)
			}
			line = append(line, score, strconv.FormatBool(c.Late), strconv.Itoa(c.Submissions))
		}
		_ = out.Write(line)
	}
	out.Flush()
	return out.Error()
}

// csvSafe keeps a text cell from being read as a formula by a
// spreadsheet (CSV injection): a leading =, +, - or @ gets a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

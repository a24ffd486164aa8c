package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// GradedSubmissions lists a course's submissions, oldest first, each
// with the status and score of the result that grades it (empty and 0
// while it has none): what a gradebook is made of.
func (s *sqlStore) GradedSubmissions(ctx context.Context, courseID string) ([]GradedSubmission, error) {
	id, ok := parseID(courseID)
	if !ok {
		return nil, fmt.Errorf("course %q: %w", courseID, derrors.NotFound)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT s.course_member_id, s.course_content_id, s.created_at, s.ordinal, s.late, r.status, r.score,
	(r.tests_version IS NOT NULL AND cc.tests_version IS NOT NULL AND r.tests_version <> cc.tests_version AND r.status <> 'running')
FROM submissions s LEFT JOIN test_results r ON r.submission_id = s.id AND r.superseded_by IS NULL
JOIN course_contents cc ON cc.id = s.course_content_id
WHERE s.course_id = $1 ORDER BY s.created_at, s.id`, id)
	if err != nil {
		return nil, s.fail(ctx, "list graded submissions", err)
	}
	defer rows.Close()
	out := []GradedSubmission{}
	for rows.Next() {
		var g GradedSubmission
		var status sql.NullString
		var score sql.NullFloat64
		var outdated sql.NullBool
		if err := rows.Scan(&g.CourseMemberID, &g.CourseContentID, (*dbTime)(&g.SubmittedAt), &g.Ordinal, &g.Late, &status, &score, &outdated); err != nil {
			return nil, s.fail(ctx, "list graded submissions", err)
		}
		g.Status, g.Score, g.Outdated = status.String, score.Float64, outdated.Bool
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list graded submissions", err)
	}
	return out, nil
}

// TestRunsSince counts a member's test runs of a content that are not a
// submission's, started at or after since, with the first of them.
func (s *sqlStore) TestRunsSince(ctx context.Context, memberID, contentID string, since time.Time) (int, time.Time, error) {
	member, ok1 := parseID(memberID)
	content, ok2 := parseID(contentID)
	if !ok1 || !ok2 {
		return 0, time.Time{}, nil
	}
	var n int
	var first *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM test_results
WHERE course_member_id = $1 AND course_content_id = $2 AND submission_id IS NULL AND created_at >= $3
	AND supersedes IS NULL AND status <> 'error'`,
		member, content, s.dialect.timeArg(since.UTC())).Scan(&n, nullTime{&first})
	if err != nil {
		return 0, time.Time{}, s.fail(ctx, "count test runs", err)
	}
	var firstAt time.Time
	if first != nil {
		firstAt = *first
	}
	return n, firstAt, nil
}

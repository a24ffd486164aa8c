package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// ExtensionGrant sets a member's own deadline for a content, replacing an
// earlier grant; who granted it and when are kept. Granting the same
// deadline again changes nothing.
func (s *sqlStore) ExtensionGrant(ctx context.Context, p ExtensionGrantParams) (*Extension, error) {
	member, err := requireID("extension: course member id", p.CourseMemberID)
	if err != nil {
		return nil, err
	}
	content, err := requireID("extension: course content id", p.CourseContentID)
	if err != nil {
		return nil, err
	}
	if p.Deadline.IsZero() {
		return nil, fmt.Errorf("extension: %w: a deadline is required", derrors.Invalid)
	}
	what := fmt.Sprintf("extension of member %s for content %s", member, content)
	_, err = s.db.ExecContext(ctx, `INSERT INTO deadline_extensions (course_member_id, course_content_id, deadline,
	granted_by, granted_by_task, granted_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (course_member_id, course_content_id) DO UPDATE SET deadline = excluded.deadline,
	granted_by = excluded.granted_by, granted_by_task = excluded.granted_by_task, granted_at = excluded.granted_at
WHERE deadline_extensions.deadline <> excluded.deadline`,
		member, content, s.dialect.timeArg(p.Deadline.UTC().Truncate(time.Microsecond)), p.GrantedBy, p.GrantedByTask, s.dialect.timeArg(now()))
	if err != nil {
		return nil, s.insertError(ctx, what, err, nil)
	}
	return s.ExtensionGet(ctx, member, content)
}

// ExtensionGet is a member's extension for a content; derrors.NotFound
// when there is none.
func (s *sqlStore) ExtensionGet(ctx context.Context, memberID, contentID string) (*Extension, error) {
	member, ok1 := parseID(memberID)
	content, ok2 := parseID(contentID)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("extension: %w", derrors.NotFound)
	}
	var e Extension
	err := s.db.QueryRowContext(ctx, `SELECT course_member_id, course_content_id, deadline, granted_by, granted_by_task, granted_at
FROM deadline_extensions WHERE course_member_id = $1 AND course_content_id = $2`, member, content).Scan(
		&e.CourseMemberID, &e.CourseContentID, (*dbTime)(&e.Deadline), &e.GrantedBy, &e.GrantedByTask, (*dbTime)(&e.GrantedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("extension of member %s for content %s: %w", memberID, contentID, derrors.NotFound)
	}
	if err != nil {
		return nil, s.fail(ctx, "get extension", err)
	}
	return &e, nil
}

// ExtensionLatest is the latest deadline granted to any member for a
// content; nil when none was granted.
func (s *sqlStore) ExtensionLatest(ctx context.Context, contentID string) (*time.Time, error) {
	content, ok := parseID(contentID)
	if !ok {
		return nil, nil
	}
	var latest *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT MAX(deadline) FROM deadline_extensions WHERE course_content_id = $1`, content).Scan(nullTime{&latest})
	if err != nil {
		return nil, s.fail(ctx, "latest extension", err)
	}
	return latest, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// memberRow is what a member's row of a content (a test result, a
// submission) is made of, checked by newMemberRow.
type memberRow struct {
	memberID, contentID string // canonical
	commit              string // lowercase
	task                string
}

// newMemberRow checks the fields of a member's new row of a content, what,
// and returns them canonical. A bad id, commit, task or limit is
// derrors.Invalid.
func newMemberRow(what, memberID, contentID, commit, task string, limit int) (memberRow, error) {
	member, err := requireID(what+": course member id", memberID)
	if err != nil {
		return memberRow{}, err
	}
	content, err := requireID(what+": course content id", contentID)
	if err != nil {
		return memberRow{}, err
	}
	if err := ValidCommit(commit); err != nil {
		return memberRow{}, fmt.Errorf("%s: %w", what, err)
	}
	if task == "" {
		return memberRow{}, fmt.Errorf("%s: task id: %w: is empty", what, derrors.Invalid)
	}
	if limit < 0 {
		return memberRow{}, fmt.Errorf("%s: limit %d: %w: must not be negative (0 means no limit)", what, limit, derrors.Invalid)
	}
	return memberRow{memberID: member, contentID: content, commit: strings.ToLower(commit), task: task}, nil
}

// limitedCreation describes, for createLimited, the insert of a member's
// row of a content that its task keys and a per-assignment limit bounds.
type limitedCreation[T any] struct {
	// what names the row in errors: test result of task "t1".
	what string
	row  memberRow
	// table holds the rows, which have course_member_id and
	// course_content_id columns.
	table string
	// limit bounds the member's rows of the content that limitWhere (an
	// SQL condition, or empty for all) selects; 0 means no limit.
	limit      int
	limitWhere string
	// unit names what limit counts, in the plural: test runs.
	unit string
	// perHour bounds the rows created in the last hour that perHourWhere
	// (an SQL condition) selects; 0 means no bound.
	perHour      int
	perHourWhere string
	// insert returns the insert of the row in the member's course; it is
	// called in the transaction, after the count.
	insert func(courseID string) (query string, args []any)
	// find loads the row of the task from q.
	find func(ctx context.Context, q querier) (*T, error)
	// key returns the member, content and commit of a row.
	key func(*T) memberRow
}

// createLimited inserts a member's row of a content unless its task made
// one already, which it returns when it is of the same member, content
// and commit and which is derrors.Conflict otherwise. A used-up limit is
// derrors.LimitReached. The row is checked, counted and inserted in one
// transaction that holds the member's row lock (on SQLite, the database's
// write lock), so concurrent creates for a member take turns and never
// pass the limit together.
func createLimited[T any](ctx context.Context, s *sqlStore, c limitedCreation[T]) (*T, error) {
	var row *T
	err := s.inTx(ctx, "create "+c.what, func(tx *sql.Tx) error {
		courseID, err := s.lockMember(ctx, tx, c.row.memberID)
		if err != nil {
			return err
		}
		row, err = c.find(ctx, tx)
		if !errors.Is(err, derrors.NotFound) {
			return err // the task's row, or a failure
		}
		if err := s.contentInCourse(ctx, tx, c.row.contentID, courseID); err != nil {
			return err
		}
		if c.limit > 0 {
			var n int
			where := ""
			if c.limitWhere != "" {
				where = " AND " + c.limitWhere
			}
			err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table+`
WHERE course_member_id = $1 AND course_content_id = $2`+where, c.row.memberID, c.row.contentID).Scan(&n)
			if err != nil {
				return s.fail(ctx, "count "+c.unit, err)
			}
			if n >= c.limit {
				return fmt.Errorf("%s: %w: course member %s has used all %d %s of course content %s",
					c.what, derrors.LimitReached, c.row.memberID, c.limit, c.unit, c.row.contentID)
			}
		}
		if c.perHour > 0 {
			var n int
			var first *time.Time
			since := now().Add(-time.Hour)
			err := tx.QueryRowContext(ctx, `SELECT count(*), min(created_at) FROM `+c.table+`
WHERE course_member_id = $1 AND course_content_id = $2 AND created_at >= $3 AND `+c.perHourWhere,
				c.row.memberID, c.row.contentID, s.dialect.timeArg(since)).Scan(&n, nullTime{&first})
			if err != nil {
				return s.fail(ctx, "count "+c.unit+" of the last hour", err)
			}
			if n >= c.perHour && first != nil {
				retry := first.Add(time.Hour).Sub(now())
				return &derrors.RateLimitError{RetryAfter: retry,
					Msg: fmt.Sprintf("%d %s an hour are allowed; the next one at %s", c.perHour, c.unit, first.Add(time.Hour).UTC().Format(time.RFC3339))}
			}
		}
		query, args := c.insert(courseID)
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return s.insertError(ctx, c.what, err, nil)
		}
		row, err = c.find(ctx, tx)
		return err
	})
	if errors.Is(err, derrors.Conflict) {
		// The task's row of another member was inserted meanwhile: the
		// task id is unique.
		row, err = c.find(ctx, s.db)
	}
	if err != nil {
		return nil, err
	}
	if got := c.key(row); got != c.row {
		return nil, fmt.Errorf("%s: %w: the task recorded commit %s of course content %s by course member %s",
			c.what, derrors.Conflict, got.commit, got.contentID, got.memberID)
	}
	return row, nil
}

// lockMember returns the course of a member, whose id must be canonical,
// and locks the member's row until tx ends; an unknown member is
// derrors.NotFound.
func (s *sqlStore) lockMember(ctx context.Context, tx *sql.Tx, memberID string) (string, error) {
	var courseID string
	err := tx.QueryRowContext(ctx, `SELECT course_id FROM course_members WHERE id = $1`+s.dialect.forUpdate(), memberID).Scan(&courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("course member %q: %w", memberID, derrors.NotFound)
	}
	if err != nil {
		return "", s.fail(ctx, "lock course member "+memberID, err)
	}
	return courseID, nil
}

// contentInCourse checks that a content, whose id must be canonical, is
// one of the course: an unknown content is derrors.NotFound, a content of
// another course derrors.Invalid.
func (s *sqlStore) contentInCourse(ctx context.Context, q querier, contentID, courseID string) error {
	var course string
	err := q.QueryRowContext(ctx, `SELECT course_id FROM course_contents WHERE id = $1`, contentID).Scan(&course)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("course content %q: %w", contentID, derrors.NotFound)
	}
	if err != nil {
		return s.fail(ctx, "find course content "+contentID, err)
	}
	if course != courseID {
		return fmt.Errorf("course content %q: %w: it is a content of course %s, not of the member's course %s",
			contentID, derrors.Invalid, course, courseID)
	}
	return nil
}

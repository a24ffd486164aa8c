package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

// submissionSelect reads submissions with the id of the result that grades
// them; test_results.submission_id, which is unique, holds the link.
var submissionSelect = `SELECT ` + metaColumns("s") + `,
	s.course_id, s.course_member_id, s.course_content_id, s.git_commit, s.task_id, s.ordinal, s.late, r.id
FROM submissions s
LEFT JOIN test_results r ON r.submission_id = s.id AND r.superseded_by IS NULL`

// errorFree selects the submissions whose grading did not fail for the
// platform's reasons.
const errorFree = `NOT EXISTS (SELECT 1 FROM test_results e WHERE e.submission_id = submissions.id
	AND e.superseded_by IS NULL AND e.status = 'error')`

func scanSubmission(r rowScanner) (*Submission, error) {
	var sub Submission
	var result sql.NullString
	err := r.Scan(append(sub.targets(), &sub.CourseID, &sub.CourseMemberID, &sub.CourseContentID,
		&sub.Commit, &sub.TaskID, &sub.Ordinal, &sub.Late, &result)...)
	if err != nil {
		return nil, err
	}
	sub.ResultID = result.String
	return &sub, nil
}

// SubmissionCreate records a submission; see Store.
func (s *sqlStore) SubmissionCreate(ctx context.Context, p SubmissionCreateParams) (*Submission, error) {
	what := fmt.Sprintf("submission of task %q", p.TaskID)
	row, err := newMemberRow(what, p.CourseMemberID, p.CourseContentID, p.Commit, p.TaskID, p.MaxSubmissions)
	if err != nil {
		return nil, err
	}
	return createLimited(ctx, s, limitedCreation[Submission]{
		what:  what,
		row:   row,
		table: "submissions",
		limit: p.MaxSubmissions,
		// A submission the platform failed to grade does not count.
		limitWhere: errorFree,
		unit:       "submissions",
		insert: func(courseID string) (string, []any) {
			t := s.dialect.timeArg(now()) // under the lock, so that times follow the count
			// The place in line is counted under the member's lock.
			return `INSERT INTO submissions (id, created_at, updated_at, created_by, created_by_task,
	course_id, course_member_id, course_content_id, git_commit, task_id, ordinal, late)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $4,
	(SELECT count(*) + 1 FROM submissions WHERE course_member_id = $6 AND course_content_id = $7 AND ` + errorFree + `), $9)`,
				[]any{newID(), t, p.CreatedBy, p.TaskID, courseID, row.memberID, row.contentID, row.commit, p.Late}
		},
		find: func(ctx context.Context, q querier) (*Submission, error) {
			return queryOneIn(ctx, s, q, what, scanSubmission, submissionSelect+` WHERE s.task_id = $1`, p.TaskID)
		},
		key: func(sub *Submission) memberRow {
			return memberRow{memberID: sub.CourseMemberID, contentID: sub.CourseContentID, commit: sub.Commit, task: sub.TaskID}
		},
	})
}

// SubmissionSetResult links a submission and the result that grades it;
// see Store. It holds the member's row lock, so that two links of one
// submission or result take turns; the unique submission_id would stop
// the second anyway.
func (s *sqlStore) SubmissionSetResult(ctx context.Context, submissionID, resultID string) (*Submission, error) {
	what := fmt.Sprintf("submission %q", submissionID)
	subID, ok := parseID(submissionID)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	resID, ok := parseID(resultID)
	if !ok {
		return nil, fmt.Errorf("test result %q: %w", resultID, derrors.NotFound)
	}
	getSubmission := func(ctx context.Context, q querier) (*Submission, error) {
		return queryOneIn(ctx, s, q, what, scanSubmission, submissionSelect+` WHERE s.id = $1`, subID)
	}
	var linked *Submission
	err := s.inTx(ctx, "link "+what, func(tx *sql.Tx) error {
		sub, err := getSubmission(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := s.lockMember(ctx, tx, sub.CourseMemberID); err != nil {
			return err
		}
		// Read again under the lock: another link may have committed.
		if sub, err = getSubmission(ctx, tx); err != nil {
			return err
		}
		res, err := queryOneIn(ctx, s, tx, fmt.Sprintf("test result %q", resultID), scanTestResult,
			testResultSelect+` WHERE r.id = $1`, resID)
		if err != nil {
			return err
		}
		switch {
		case res.SubmissionID == sub.ID:
			linked = sub
			return nil
		case res.SubmissionID != "":
			return fmt.Errorf("%s: %w: test result %s grades submission %s already", what, derrors.Conflict, res.ID, res.SubmissionID)
		case sub.ResultID != "":
			return fmt.Errorf("%s: %w: test result %s grades it already", what, derrors.Conflict, sub.ResultID)
		case res.CourseMemberID != sub.CourseMemberID || res.CourseContentID != sub.CourseContentID || res.Commit != sub.Commit:
			return fmt.Errorf("%s: %w: test result %s is of another member, content or commit", what, derrors.Invalid, res.ID)
		}
		t := s.dialect.timeArg(now())
		if _, err := tx.ExecContext(ctx, `UPDATE test_results SET submission_id = $1, updated_at = $2 WHERE id = $3`, subID, t, resID); err != nil {
			return s.insertError(ctx, what, err, nil)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE submissions SET updated_at = $1 WHERE id = $2`, t, subID); err != nil {
			return s.insertError(ctx, what, err, nil)
		}
		linked, err = getSubmission(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return linked, nil
}

// SubmissionGetByTask finds the submission of a task.
func (s *sqlStore) SubmissionGetByTask(ctx context.Context, taskID string) (*Submission, error) {
	return queryOne(ctx, s, fmt.Sprintf("submission of task %q", taskID), scanSubmission,
		submissionSelect+` WHERE s.task_id = $1`, taskID)
}

// SubmissionsSince counts recent submissions; see Store.
func (s *sqlStore) SubmissionsSince(ctx context.Context, memberID, contentID string, since, until time.Time) (int, error) {
	mID, ok1 := parseID(memberID)
	cID, ok2 := parseID(contentID)
	if !ok1 || !ok2 {
		return 0, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM submissions
WHERE course_member_id = $1 AND course_content_id = $2 AND created_at >= $3 AND created_at <= $4 AND `+errorFree,
		mID, cID, s.dialect.timeArg(since.UTC()), s.dialect.timeArg(until.UTC())).Scan(&n)
	if err != nil {
		return 0, s.fail(ctx, "count recent submissions", err)
	}
	return n, nil
}

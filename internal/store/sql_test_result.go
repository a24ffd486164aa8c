package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/computor-org/computor-go/internal/derrors"
)

var testResultSelect = `SELECT ` + metaColumns("r") + `,
	r.course_id, r.course_member_id, r.course_content_id, u.username, cc.path,
	r.git_commit, r.task_id, r.status, r.score, r.summary, r.submission_id, r.finished_at
FROM test_results r
JOIN course_members m ON m.id = r.course_member_id
JOIN users u ON u.id = m.user_id
JOIN course_contents cc ON cc.id = r.course_content_id`

func scanTestResult(r rowScanner) (*TestResult, error) {
	var t TestResult
	var summary, submission sql.NullString
	err := r.Scan(append(t.targets(), &t.CourseID, &t.CourseMemberID, &t.CourseContentID, &t.Username, &t.ContentPath,
		&t.Commit, &t.TaskID, &t.Status, &t.Score, &summary, &submission, nullTime{&t.FinishedAt})...)
	if err != nil {
		return nil, err
	}
	if summary.String != "" {
		t.Summary = json.RawMessage(summary.String)
	}
	t.SubmissionID = submission.String
	return &t, nil
}

// TestResultStart records a running test; see Store.
func (s *sqlStore) TestResultStart(ctx context.Context, p TestResultStartParams) (*TestResult, error) {
	what := fmt.Sprintf("test result of task %q", p.TaskID)
	row, err := newMemberRow(what, p.CourseMemberID, p.CourseContentID, p.Commit, p.TaskID, p.MaxRuns)
	if err != nil {
		return nil, err
	}
	return createLimited(ctx, s, limitedCreation[TestResult]{
		what:  what,
		row:   row,
		table: "test_results",
		limit: p.MaxRuns,
		unit:  "test runs",
		// Practice runs: a submission's run is linked to it once graded.
		perHour:      p.PerHour,
		perHourWhere: "submission_id IS NULL",
		insert: func(courseID string) (string, []any) {
			t := s.dialect.timeArg(now()) // under the lock, so that times follow the count
			return `INSERT INTO test_results (id, created_at, updated_at, created_by, created_by_task,
	course_id, course_member_id, course_content_id, git_commit, task_id, status)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $4, $9)`,
				[]any{newID(), t, p.CreatedBy, p.TaskID, courseID, row.memberID, row.contentID, row.commit, ResultRunning}
		},
		find: func(ctx context.Context, q querier) (*TestResult, error) {
			return queryOneIn(ctx, s, q, what, scanTestResult, testResultSelect+` WHERE r.task_id = $1`, p.TaskID)
		},
		key: func(r *TestResult) memberRow {
			return memberRow{memberID: r.CourseMemberID, contentID: r.CourseContentID, commit: r.Commit, task: r.TaskID}
		},
	})
}

// TestResultFinish records the outcome of a test; see Store.
func (s *sqlStore) TestResultFinish(ctx context.Context, p TestResultFinishParams) (*TestResult, error) {
	what := fmt.Sprintf("test result of task %q", p.TaskID)
	if p.Status != ResultFinished && p.Status != ResultFailed {
		return nil, fmt.Errorf("finish %s: status %q: %w: use %q or %q", what, p.Status, derrors.Invalid, ResultFinished, ResultFailed)
	}
	if math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1 {
		return nil, fmt.Errorf("finish %s: score %v: %w: must be within [0, 1]", what, p.Score, derrors.Invalid)
	}
	summary, err := normalizeSummary(p.Summary)
	if err != nil {
		return nil, fmt.Errorf("finish %s: %w", what, err)
	}
	var summaryArg sql.NullString
	if summary != nil {
		summaryArg = sql.NullString{String: string(summary), Valid: true}
	}
	t := s.dialect.timeArg(now())
	res, err := s.db.ExecContext(ctx, `UPDATE test_results
SET status = $1, score = $2, summary = $3, finished_at = $4, updated_at = $4
WHERE task_id = $5 AND status = $6`, p.Status, p.Score, summaryArg, t, p.TaskID, ResultRunning)
	if err != nil {
		return nil, s.insertError(ctx, what, err, nil)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, s.fail(ctx, "finish "+what, err)
	}
	r, err := s.TestResultGetByTask(ctx, p.TaskID)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return r, nil
	}
	// Finished before: by a retry of this call, or with other values.
	if r.Status == p.Status && r.Score == p.Score && sameJSON(r.Summary, summary) {
		return r, nil
	}
	return nil, fmt.Errorf("finish %s: %w: it is %s already, with score %v; finishing again needs the same status, score and summary",
		what, derrors.Conflict, r.Status, r.Score)
}

// TestResultGetByTask finds the result of a task.
func (s *sqlStore) TestResultGetByTask(ctx context.Context, taskID string) (*TestResult, error) {
	return queryOne(ctx, s, fmt.Sprintf("test result of task %q", taskID), scanTestResult,
		testResultSelect+` WHERE r.task_id = $1`, taskID)
}

// TestResultList lists results newest first; see Store.
func (s *sqlStore) TestResultList(ctx context.Context, f TestResultFilter) ([]TestResult, error) {
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, fmt.Errorf("list test results: limit %d: %w: must not be negative (0 means %d)",
			limit, derrors.Invalid, TestResultListLimitDefault)
	case limit == 0:
		limit = TestResultListLimitDefault
	case limit > TestResultListLimitMax:
		limit = TestResultListLimitMax
	}
	var where []string
	var args []any
	for _, c := range []struct{ column, what, table, id string }{
		{"r.course_id", "course", "courses", f.CourseID},
		{"r.course_member_id", "course member", "course_members", f.CourseMemberID},
		{"r.course_content_id", "course content", "course_contents", f.CourseContentID},
	} {
		if c.id == "" {
			continue
		}
		what := fmt.Sprintf("%s %q", c.what, c.id)
		id, ok := parseID(c.id)
		if !ok {
			return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
		}
		if err := s.exists(ctx, what, `SELECT 1 FROM `+c.table+` WHERE id = $1`, id); err != nil {
			return nil, err
		}
		args = append(args, id)
		where = append(where, fmt.Sprintf("%s = $%d", c.column, len(args)))
	}
	query := testResultSelect
	if len(where) > 0 {
		query += "\nWHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += fmt.Sprintf("\nORDER BY r.created_at DESC, r.id DESC\nLIMIT $%d", len(args))
	return queryList(ctx, s, "test results", scanTestResult, query, args...)
}

// normalizeSummary checks a grading summary and returns it compact, or nil
// for none (empty or a JSON null). It must be valid JSON in UTF-8 whose
// strings have no NUL character, which PostgreSQL's jsonb cannot hold; the
// error wraps derrors.Invalid.
func normalizeSummary(summary json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(summary)) == 0 {
		return nil, nil
	}
	if !utf8.Valid(summary) {
		return nil, fmt.Errorf("summary: %w: not valid UTF-8", derrors.Invalid)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, summary); err != nil {
		return nil, fmt.Errorf("summary: %w: not valid JSON: %v", derrors.Invalid, err)
	}
	if b.String() == "null" {
		return nil, nil
	}
	if bytes.Contains(b.Bytes(), []byte(`\u0000`)) {
		dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("summary: %w: not valid JSON: %v", derrors.Invalid, err)
			}
			if str, ok := tok.(string); ok && strings.ContainsRune(str, 0) {
				return nil, fmt.Errorf("summary: %w: a string holds a NUL character (\\u0000)", derrors.Invalid)
			}
		}
	}
	return json.RawMessage(b.Bytes()), nil
}

// sameJSON reports whether two summaries, checked by normalizeSummary or
// read back, hold the same JSON value, whatever their key order and
// spacing.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

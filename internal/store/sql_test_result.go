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
	"time"
	"unicode/utf8"

	"github.com/computor-org/computor-go/internal/derrors"
)

var testResultSelect = `SELECT ` + metaColumns("r") + `,
	r.course_id, r.course_member_id, r.course_content_id, u.username, cc.path,
	r.git_commit, r.task_id, r.status, r.score, r.summary, r.submission_id, r.finished_at,
	r.run_started_at, r.tests_version, r.supersedes, r.superseded_by,
	(r.superseded_by IS NULL AND r.status <> 'running' AND cc.tests_version IS NOT NULL
		AND r.tests_version IS NOT NULL AND r.tests_version <> cc.tests_version)
FROM test_results r
JOIN course_members m ON m.id = r.course_member_id
JOIN users u ON u.id = m.user_id
JOIN course_contents cc ON cc.id = r.course_content_id`

func scanTestResult(r rowScanner) (*TestResult, error) {
	var t TestResult
	var summary, submission, version, supersedes, supersededBy sql.NullString
	err := r.Scan(append(t.targets(), &t.CourseID, &t.CourseMemberID, &t.CourseContentID, &t.Username, &t.ContentPath,
		&t.Commit, &t.TaskID, &t.Status, &t.Score, &summary, &submission, nullTime{&t.FinishedAt},
		nullTime{&t.RunStartedAt}, &version, &supersedes, &supersededBy, &t.Outdated)...)
	if err != nil {
		return nil, err
	}
	t.TestsVersion, t.Supersedes, t.SupersededBy = version.String, supersedes.String, supersededBy.String
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
		// A regrade, or a run the platform failed, is not the student's.
		limitWhere: "supersedes IS NULL AND status <> 'error'",
		unit:       "test runs",
		// Practice runs: a submission's run is linked to it once graded.
		perHour:      p.PerHour,
		perHourWhere: "submission_id IS NULL AND supersedes IS NULL AND status <> 'error'",
		insert: func(courseID string) (string, []any) {
			t := s.dialect.timeArg(now()) // under the lock, so that times follow the count
			return `INSERT INTO test_results (id, created_at, updated_at, created_by, created_by_task,
	course_id, course_member_id, course_content_id, git_commit, task_id, status, tests_version)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $4, $9, $10)`,
				[]any{newID(), t, p.CreatedBy, p.TaskID, courseID, row.memberID, row.contentID, row.commit, ResultRunning,
					sql.NullString{String: strings.ToLower(p.TestsVersion), Valid: p.TestsVersion != ""}}
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
	if p.Status != ResultFinished && p.Status != ResultError {
		return nil, fmt.Errorf("finish %s: status %q: %w: use %q or %q", what, p.Status, derrors.Invalid, ResultFinished, ResultError)
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

// TestResultGet finds a result by id.
func (s *sqlStore) TestResultGet(ctx context.Context, id string) (*TestResult, error) {
	what := fmt.Sprintf("test result %q", id)
	canonical, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanTestResult, testResultSelect+` WHERE r.id = $1`, canonical)
}

// TestResultRunStarted records when the task's sandbox run began.
func (s *sqlStore) TestResultRunStarted(ctx context.Context, taskID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE test_results SET run_started_at = $1
WHERE task_id = $2 AND run_started_at IS NULL`, s.dialect.timeArg(at.UTC()), taskID)
	if err != nil {
		return s.fail(ctx, "record the run's start", err)
	}
	return nil
}

// TestResultRegrade stores a regrade that supersedes its source; see Store.
func (s *sqlStore) TestResultRegrade(ctx context.Context, p TestResultRegradeParams) (*TestResult, bool, error) {
	what := fmt.Sprintf("regrade of test result %q", p.SourceID)
	source, ok := parseID(p.SourceID)
	switch {
	case !ok:
		return nil, false, fmt.Errorf("%s: %w", what, derrors.NotFound)
	case p.TaskID == "":
		return nil, false, fmt.Errorf("%s: task id: %w: is empty", what, derrors.Invalid)
	case p.Status != ResultFinished && p.Status != ResultError:
		return nil, false, fmt.Errorf("%s: status %q: %w", what, p.Status, derrors.Invalid)
	case math.IsNaN(p.Score) || p.Score < 0 || p.Score > 1:
		return nil, false, fmt.Errorf("%s: score %v: %w: must be within [0, 1]", what, p.Score, derrors.Invalid)
	}
	summary, err := normalizeSummary(p.Summary)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	var summaryArg sql.NullString
	if summary != nil {
		summaryArg = sql.NullString{String: string(summary), Valid: true}
	}
	var out *TestResult
	created := false
	err = s.inTx(ctx, what, func(tx *sql.Tx) error {
		src, err := queryOneIn(ctx, s, tx, what, scanTestResult, testResultSelect+` WHERE r.id = $1`, source)
		if err != nil {
			return err
		}
		if _, err := s.lockMember(ctx, tx, src.CourseMemberID); err != nil {
			return err
		}
		// Read again under the lock: a concurrent regrade may have won.
		if src, err = queryOneIn(ctx, s, tx, what, scanTestResult, testResultSelect+` WHERE r.id = $1`, source); err != nil {
			return err
		}
		if src.SupersededBy != "" {
			out, err = queryOneIn(ctx, s, tx, what, scanTestResult, testResultSelect+` WHERE r.id = $1`, src.SupersededBy)
			return err
		}
		if src.Status == ResultRunning {
			return fmt.Errorf("%s: %w: it is still running", what, derrors.Invalid)
		}
		id, t := newID(), s.dialect.timeArg(now())
		if _, err := tx.ExecContext(ctx, `UPDATE test_results SET superseded_by = $1, updated_at = $2 WHERE id = $3`, id, t, source); err != nil {
			return s.insertError(ctx, what, err, nil)
		}
		var submission sql.NullString
		if src.SubmissionID != "" {
			submission = sql.NullString{String: src.SubmissionID, Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO test_results (id, created_at, updated_at, created_by, created_by_task,
	course_id, course_member_id, course_content_id, git_commit, task_id, status, score, summary, submission_id,
	finished_at, run_started_at, tests_version, supersedes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $10, $11, $12, $13, $3, $14, $15, $16)`,
			id, s.dialect.timeArg(src.CreatedAt), t, p.CreatedBy, p.TaskID, src.CourseID, src.CourseMemberID,
			src.CourseContentID, src.Commit, p.Status, p.Score, summaryArg, submission,
			s.dialect.timeArg(p.RunStartedAt.UTC()), sql.NullString{String: strings.ToLower(p.TestsVersion), Valid: p.TestsVersion != ""}, source)
		if err != nil {
			return s.insertError(ctx, what, err, nil)
		}
		created = true
		out, err = queryOneIn(ctx, s, tx, what, scanTestResult, testResultSelect+` WHERE r.id = $1`, id)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// RegradeTargets lists the outdated current results a regrade grades
// again; see Store.
func (s *sqlStore) RegradeTargets(ctx context.Context, contentID, scope string) ([]TestResult, error) {
	what := fmt.Sprintf("course content %q", contentID)
	id, ok := parseID(contentID)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	if err := s.exists(ctx, what, `SELECT 1 FROM course_contents WHERE id = $1`, id); err != nil {
		return nil, err
	}
	// Finished results only: an error is no score to correct, and
	// grading it would give its submission a place in line again.
	current := `r.course_content_id = $1 AND r.superseded_by IS NULL AND r.status = 'finished'`
	var where string
	switch scope {
	case RegradeLatest:
		// The member's latest run; a regrade keeps its source's time.
		where = current + ` AND NOT EXISTS (SELECT 1 FROM test_results r2 WHERE r2.course_member_id = r.course_member_id
	AND r2.course_content_id = r.course_content_id AND r2.superseded_by IS NULL AND r2.status = 'finished'
	AND (r2.created_at > r.created_at OR (r2.created_at = r.created_at AND r2.id > r.id)))`
	case RegradeGraded:
		// Every graded submission when the best counts; else the last one
		// graded, as the gradebook counts it.
		where = current + ` AND r.submission_id IS NOT NULL AND (cc.grading = 'best' OR NOT EXISTS (
	SELECT 1 FROM submissions s2 JOIN submissions s1 ON s1.id = r.submission_id
	JOIN test_results r3 ON r3.submission_id = s2.id AND r3.superseded_by IS NULL AND r3.status = 'finished'
	WHERE s2.course_member_id = s1.course_member_id AND s2.course_content_id = s1.course_content_id
	AND (s2.created_at > s1.created_at OR (s2.created_at = s1.created_at AND s2.id > s1.id))))`
	default:
		return nil, fmt.Errorf("regrade scope %q: %w: use %q or %q", scope, derrors.Invalid, RegradeGraded, RegradeLatest)
	}
	where += ` AND (r.tests_version IS NULL OR cc.tests_version IS NULL OR r.tests_version <> cc.tests_version)`
	return queryList(ctx, s, "regrade targets", scanTestResult, testResultSelect+"\nWHERE "+where+"\nORDER BY u.username, r.created_at", id)
}

// TestQueue counts waiting and running test runs; see Store.
func (s *sqlStore) TestQueue(ctx context.Context, courseID string, since time.Time) (*TestQueueStats, error) {
	var q TestQueueStats
	course := sql.NullString{}
	if courseID != "" {
		id, ok := parseID(courseID)
		if !ok {
			return nil, fmt.Errorf("course %q: %w", courseID, derrors.NotFound)
		}
		course = sql.NullString{String: id, Valid: true}
	}
	err := s.db.QueryRowContext(ctx, `SELECT
	COALESCE(SUM(CASE WHEN run_started_at IS NULL AND course_id = $1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN run_started_at IS NOT NULL AND course_id = $1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN run_started_at IS NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN run_started_at IS NOT NULL THEN 1 ELSE 0 END), 0)
FROM test_results WHERE status = 'running'`, course).Scan(&q.CourseWaiting, &q.CourseRunning, &q.Waiting, &q.Running)
	if err != nil {
		return nil, s.fail(ctx, "count the test queue", err)
	}
	var oldest *time.Time
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(created_at) FROM test_results WHERE status = 'running' AND run_started_at IS NULL`).Scan(nullTime{&oldest}); err != nil {
		return nil, s.fail(ctx, "count the test queue", err)
	}
	if oldest != nil {
		q.OldestWaitS = max(0, now().Sub(*oldest).Seconds())
	}
	// Recent runs, in Go: durations in SQL differ between the dialects.
	rows, err := s.db.QueryContext(ctx, `SELECT created_at, run_started_at, finished_at FROM test_results
WHERE finished_at >= $1 AND run_started_at IS NOT NULL AND supersedes IS NULL ORDER BY finished_at DESC LIMIT 1000`, s.dialect.timeArg(since.UTC()))
	if err != nil {
		return nil, s.fail(ctx, "read recent test runs", err)
	}
	defer rows.Close()
	var wait, run float64
	for rows.Next() {
		var created, started, finished time.Time
		if err := rows.Scan((*dbTime)(&created), (*dbTime)(&started), (*dbTime)(&finished)); err != nil {
			return nil, s.fail(ctx, "read recent test runs", err)
		}
		q.Finished++
		wait += max(0, started.Sub(created).Seconds())
		run += max(0, finished.Sub(started).Seconds())
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "read recent test runs", err)
	}
	q.WindowS = max(1, now().Sub(since).Seconds())
	if q.Finished > 0 {
		q.MeanWaitS, q.MeanRunS = wait/float64(q.Finished), run/float64(q.Finished)
		q.PerMinute = float64(q.Finished) / q.WindowS * 60
	}
	return &q, nil
}

// TestRunsWaitingBefore counts runs accepted before t, not begun.
func (s *sqlStore) TestRunsWaitingBefore(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM test_results
WHERE status = 'running' AND run_started_at IS NULL AND created_at < $1`, s.dialect.timeArg(t.UTC())).Scan(&n)
	if err != nil {
		return 0, s.fail(ctx, "count waiting test runs", err)
	}
	return n, nil
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

package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

var courseContentSelect = `SELECT ` + metaColumns("cc") + `,
	cc.course_id, cc.path, cc.title, cc.max_test_runs, cc.max_submissions,
	cc.released_commit, cc.released_at, cc.deadline, cc.test_runs_per_hour, cc.grading,
	cc.late_deadline, cc.late_penalty, cc.free_submissions, cc.submission_penalty, cc.overrides,
	cc.tests_version, cc.tests_digest
FROM course_contents cc`

func scanCourseContent(r rowScanner) (*CourseContent, error) {
	var c CourseContent
	var overrides *[]byte
	var version, digest sql.NullString
	err := r.Scan(append(c.targets(), &c.CourseID, &c.Path, &c.Title, &c.MaxTestRuns, &c.MaxSubmissions,
		&c.ReleasedCommit, nullTime{&c.ReleasedAt}, nullTime{&c.Deadline}, &c.TestRunsPerHour, &c.Grading,
		nullTime{&c.LateDeadline}, &c.LatePenalty, &c.FreeSubmissions, &c.SubmissionPenalty, &overrides,
		&version, &digest)...)
	if err != nil {
		return nil, err
	}
	c.TestsVersion, c.TestsDigest = version.String, digest.String
	if overrides != nil && len(*overrides) > 0 {
		c.Overrides = &ContentSettings{}
		if err := json.Unmarshal(*overrides, c.Overrides); err != nil {
			return nil, fmt.Errorf("course content %s: overrides: %w", c.Path, err)
		}
		c.Overrides.apply(&c)
	}
	return &c, nil
}

// CourseContentOverride merges settings into the content's overrides.
func (s *sqlStore) CourseContentOverride(ctx context.Context, id string, settings ContentSettings) (*CourseContent, error) {
	what := fmt.Sprintf("course content %q", id)
	canonical, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	for _, f := range []*float64{settings.LatePenalty, settings.SubmissionPenalty} {
		if f != nil && (*f < 0 || *f > 1) {
			return nil, fmt.Errorf("%s: %w: penalties must be from 0 to 1", what, derrors.Invalid)
		}
	}
	for _, n := range []*int{settings.MaxTestRuns, settings.MaxSubmissions, settings.TestRunsPerHour, settings.FreeSubmissions} {
		if n != nil && *n < 0 {
			return nil, fmt.Errorf("%s: %w: max test runs, max submissions and test runs per hour must not be negative", what, derrors.Invalid)
		}
	}
	if g := settings.Grading; g != nil && *g != GradingLast && *g != GradingBest {
		return nil, fmt.Errorf("%s: %w: grading must be last or best", what, derrors.Invalid)
	}
	var out *CourseContent
	err := s.inTx(ctx, "override "+what, func(tx *sql.Tx) error {
		// Locked until the merge is written: two changes at once both land.
		c, err := queryOneIn(ctx, s, tx, what, scanCourseContent, courseContentSelect+` WHERE cc.id = $1`+s.dialect.forUpdate(), canonical)
		if err != nil {
			return err
		}
		merged := ContentSettings{}
		if c.Overrides != nil {
			merged = *c.Overrides
		}
		// The new settings over the old: a nil field is left out of the
		// JSON (omitempty), so only the given ones replace.
		given, err := json.Marshal(settings)
		if err == nil {
			err = json.Unmarshal(given, &merged)
		}
		if err != nil {
			return err
		}
		for _, d := range []**time.Time{&merged.Deadline, &merged.LateDeadline} {
			if *d != nil {
				t := (*d).UTC().Truncate(time.Microsecond)
				*d = &t
			}
		}
		b, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE course_contents SET overrides = $1, updated_at = $2 WHERE id = $3`,
			string(b), s.dialect.timeArg(now()), canonical); err != nil {
			return err
		}
		out, err = queryOneIn(ctx, s, tx, what, scanCourseContent, courseContentSelect+` WHERE cc.id = $1`, canonical)
		return err
	})
	return out, err
}

// CourseContentUpsert creates the content or updates its title and
// limits; updated_at moves only when one of them changes, and the
// released commit is never touched. CreatedBy and CreatedByTask are those
// of the first upsert.
func (s *sqlStore) CourseContentUpsert(ctx context.Context, p CourseContentUpsertParams) (*CourseContent, error) {
	courseID, err := requireID("course content: course id", p.CourseID)
	if err != nil {
		return nil, err
	}
	if err := ValidContentPath(p.Path); err != nil {
		return nil, err
	}
	if p.MaxTestRuns < 0 || p.MaxSubmissions < 0 || p.TestRunsPerHour < 0 {
		return nil, fmt.Errorf("course content %q: %w: max test runs, max submissions and test runs per hour must not be negative", p.Path, derrors.Invalid)
	}
	if p.LatePenalty < 0 || p.LatePenalty > 1 || p.SubmissionPenalty < 0 || p.SubmissionPenalty > 1 || p.FreeSubmissions < 0 {
		return nil, fmt.Errorf("course content %q: %w: penalties must be from 0 to 1, free submissions not negative", p.Path, derrors.Invalid)
	}
	var lateDeadline any
	if p.LateDeadline != nil {
		lateDeadline = s.dialect.timeArg(p.LateDeadline.UTC().Truncate(time.Microsecond))
	}
	grading := cmp.Or(p.Grading, GradingLast)
	if grading != GradingLast && grading != GradingBest {
		return nil, fmt.Errorf("course content %q: %w: grading must be last or best", p.Path, derrors.Invalid)
	}
	what := fmt.Sprintf("course content %q", p.Path)
	var deadline any // NULL without one
	if p.Deadline != nil {
		deadline = s.dialect.timeArg(p.Deadline.UTC().Truncate(time.Microsecond))
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO course_contents (id, created_at, updated_at, created_by, created_by_task,
	course_id, path, title, max_test_runs, max_submissions, deadline, test_runs_per_hour, grading,
	late_deadline, late_penalty, free_submissions, submission_penalty)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (course_id, path) DO UPDATE SET
	late_deadline = excluded.late_deadline,
	late_penalty = excluded.late_penalty,
	free_submissions = excluded.free_submissions,
	submission_penalty = excluded.submission_penalty,
	title = excluded.title,
	max_test_runs = excluded.max_test_runs,
	max_submissions = excluded.max_submissions,
	deadline = excluded.deadline,
	test_runs_per_hour = excluded.test_runs_per_hour,
	grading = excluded.grading,
	updated_at = excluded.updated_at
WHERE course_contents.title <> excluded.title
	OR course_contents.max_test_runs <> excluded.max_test_runs
	OR course_contents.max_submissions <> excluded.max_submissions
	OR course_contents.deadline IS DISTINCT FROM excluded.deadline
	OR course_contents.test_runs_per_hour <> excluded.test_runs_per_hour
	OR course_contents.grading <> excluded.grading
	OR course_contents.late_deadline IS DISTINCT FROM excluded.late_deadline
	OR course_contents.late_penalty <> excluded.late_penalty
	OR course_contents.free_submissions <> excluded.free_submissions
	OR course_contents.submission_penalty <> excluded.submission_penalty`,
		newID(), s.dialect.timeArg(now()), p.CreatedBy, p.CreatedByTask, courseID, p.Path, p.Title, p.MaxTestRuns, p.MaxSubmissions, deadline,
		p.TestRunsPerHour, grading, lateDeadline, p.LatePenalty, p.FreeSubmissions, p.SubmissionPenalty)
	if err != nil {
		return nil, s.insertError(ctx, what, err, func(ctx context.Context) error { return s.courseExists(ctx, courseID) })
	}
	return queryOne(ctx, s, what+" in course "+courseID, scanCourseContent,
		courseContentSelect+` WHERE cc.course_id = $1 AND cc.path = $2`, courseID, p.Path)
}

// CourseContentGet finds a content of a course by id or by path.
func (s *sqlStore) CourseContentGet(ctx context.Context, courseID, idOrPath string) (*CourseContent, error) {
	what := fmt.Sprintf("course content %q of course %q", idOrPath, courseID)
	course, ok := parseID(courseID)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	if id, ok := parseID(idOrPath); ok {
		return queryOne(ctx, s, what, scanCourseContent,
			courseContentSelect+` WHERE cc.course_id = $1 AND cc.id = $2`, course, id)
	}
	return queryOne(ctx, s, what, scanCourseContent,
		courseContentSelect+` WHERE cc.course_id = $1 AND cc.path = $2`, course, idOrPath)
}

// CourseContentList lists a course's contents by path; an unknown course
// is derrors.NotFound.
func (s *sqlStore) CourseContentList(ctx context.Context, courseID string) ([]CourseContent, error) {
	id, err := s.courseID(ctx, courseID)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, s, "course contents", scanCourseContent,
		courseContentSelect+` WHERE cc.course_id = $1 ORDER BY cc.path`, id)
}

// ValidCommit checks a git commit id: 4 to 64 hexadecimal digits (a SHA-1
// or SHA-256 object name, or an abbreviation). The error wraps derrors.Invalid.
func ValidCommit(commit string) error {
	if len(commit) < 4 || len(commit) > 64 || strings.Trim(strings.ToLower(commit), "0123456789abcdef") != "" {
		return fmt.Errorf("commit %q: %w: want 4 to 64 hexadecimal digits", commit, derrors.Invalid)
	}
	return nil
}

// CourseContentRelease records the released commit (stored in lowercase)
// and when it was released; a zero at means now.
func (s *sqlStore) CourseContentRelease(ctx context.Context, id, commit string, at time.Time, testsDigest string) (*CourseContent, error) {
	what := fmt.Sprintf("course content %q", id)
	canonical, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	if err := ValidCommit(commit); err != nil {
		return nil, fmt.Errorf("release %s: %w", what, err)
	}
	t := now()
	if at.IsZero() {
		at = t
	}
	// New tests make the commit the tests version. So does the first
	// digest of a content released before digests were kept: whether its
	// tests changed is unknown, and an outdated result is the safe side.
	// No digest keeps the version the content has.
	digest := sql.NullString{String: testsDigest, Valid: testsDigest != ""}
	res, err := s.db.ExecContext(ctx,
		`UPDATE course_contents SET released_commit = $1, released_at = $2, updated_at = $3,
	tests_version = CASE WHEN tests_version IS NULL
		OR (CAST($5 AS TEXT) IS NOT NULL AND (tests_digest IS NULL OR tests_digest <> CAST($5 AS TEXT))) THEN $1 ELSE tests_version END,
	tests_digest = COALESCE(CAST($5 AS TEXT), tests_digest)
WHERE id = $4`,
		strings.ToLower(commit), s.dialect.timeArg(at.UTC().Truncate(time.Microsecond)), s.dialect.timeArg(t), canonical, digest)
	if err != nil {
		return nil, s.insertError(ctx, what, err, nil)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, s.fail(ctx, "release "+what, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanCourseContent, courseContentSelect+` WHERE cc.id = $1`, canonical)
}

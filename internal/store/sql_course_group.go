package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

var courseGroupSelect = `SELECT ` + metaColumns("g") + `, g.course_id, g.title
FROM course_groups g`

func scanCourseGroup(r rowScanner) (*CourseGroup, error) {
	var g CourseGroup
	if err := r.Scan(append(g.targets(), &g.CourseID, &g.Title)...); err != nil {
		return nil, err
	}
	return &g, nil
}

// validGroupTitle checks a course group title: not empty, at most
// TitleMaxLen bytes, without leading or trailing space.
func validGroupTitle(title string) error {
	switch {
	case title == "":
		return fmt.Errorf("course group title: %w: is empty", derrors.Invalid)
	case len(title) > TitleMaxLen:
		return fmt.Errorf("course group title: %w: is longer than %d characters", derrors.Invalid, TitleMaxLen)
	case strings.TrimSpace(title) != title:
		return fmt.Errorf("course group title %q: %w: has leading or trailing space", title, derrors.Invalid)
	}
	return nil
}

// CourseGroupFindOrCreate makes a course group, or returns the course's
// group of that title, whoever made it.
func (s *sqlStore) CourseGroupFindOrCreate(ctx context.Context, p CourseGroupCreateParams) (*CourseGroup, error) {
	courseID, err := requireID("course group: course id", p.CourseID)
	if err != nil {
		return nil, err
	}
	if err := validGroupTitle(p.Title); err != nil {
		return nil, err
	}
	t := s.dialect.timeArg(now())
	what := fmt.Sprintf("course group %q", p.Title)
	return createRow(ctx, s, creation[CourseGroup]{
		what:         what,
		findOrCreate: true,
		task:         p.CreatedByTask,
		insert: `INSERT INTO course_groups (id, created_at, updated_at, created_by, created_by_task,
	course_id, title)
VALUES ($1, $2, $2, $3, $4, $5, $6)
ON CONFLICT (course_id, title) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, courseID, p.Title},
		find: func(ctx context.Context) (*CourseGroup, error) {
			return queryOne(ctx, s, what+" in course "+courseID, scanCourseGroup,
				courseGroupSelect+` WHERE g.course_id = $1 AND g.title = $2`, courseID, p.Title)
		},
		meta:          func(g *CourseGroup) *Meta { return &g.Meta },
		missingParent: func(ctx context.Context) error { return s.courseExists(ctx, courseID) },
	})
}

// CourseGroupList lists a course's groups by title; an unknown course is
// derrors.NotFound.
func (s *sqlStore) CourseGroupList(ctx context.Context, courseID string) ([]CourseGroup, error) {
	id, err := s.courseID(ctx, courseID)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, s, "course groups", scanCourseGroup,
		courseGroupSelect+` WHERE g.course_id = $1 ORDER BY g.title`, id)
}

package store

import (
	"context"
	"fmt"

	"github.com/computor-org/computor-go/internal/derrors"
)

var courseSelect = `SELECT ` + metaColumns("c") + `,
	c.course_family_id, f.organization_id, c.path, o.path || '.' || f.path || '.' || c.path,
	c.title, c.description
FROM courses c
JOIN course_families f ON f.id = c.course_family_id
JOIN organizations o ON o.id = f.organization_id`

func scanCourse(r rowScanner) (*Course, error) {
	var c Course
	err := r.Scan(append(c.targets(), &c.CourseFamilyID, &c.OrganizationID, &c.Path, &c.FullPath, &c.Title, &c.Description)...)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CourseCreate makes a course in a course family; see Store.
func (s *sqlStore) CourseCreate(ctx context.Context, p CourseCreateParams) (*Course, error) {
	familyID, err := requireID("course: course family id", p.CourseFamilyID)
	if err != nil {
		return nil, err
	}
	if err := ValidPathSegment(p.Path); err != nil {
		return nil, fmt.Errorf("course: %w", err)
	}
	t := s.dialect.timeArg(now())
	return createRow(ctx, s, creation[Course]{
		what: fmt.Sprintf("course %q", p.Path),
		task: p.CreatedByTask,
		insert: `INSERT INTO courses (id, created_at, updated_at, created_by, created_by_task,
	course_family_id, path, title, description)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (course_family_id, path) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, familyID, p.Path, p.Title, p.Description},
		find: func(ctx context.Context) (*Course, error) {
			return queryOne(ctx, s, fmt.Sprintf("course %q in course family %s", p.Path, familyID), scanCourse,
				courseSelect+` WHERE c.course_family_id = $1 AND c.path = $2`, familyID, p.Path)
		},
		meta: func(c *Course) *Meta { return &c.Meta },
		name: func(c *Course) string { return fmt.Sprintf("course %q", c.FullPath) },
		missingParent: func(ctx context.Context) error {
			return s.exists(ctx, fmt.Sprintf("course family %q", familyID), `SELECT 1 FROM course_families WHERE id = $1`, familyID)
		},
	})
}

// CourseGet finds a course by id or by full path
// (organization.family.course).
func (s *sqlStore) CourseGet(ctx context.Context, idOrPath string) (*Course, error) {
	what := fmt.Sprintf("course %q", idOrPath)
	if id, ok := parseID(idOrPath); ok {
		return queryOne(ctx, s, what, scanCourse, courseSelect+` WHERE c.id = $1`, id)
	}
	segs, ok := splitFullPath(idOrPath, 3)
	if !ok {
		return nil, fmt.Errorf("%s: %w: a full path is organization.family.course", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanCourse,
		courseSelect+` WHERE o.path = $1 AND f.path = $2 AND c.path = $3`, segs[0], segs[1], segs[2])
}

// CourseList lists the courses by full path.
func (s *sqlStore) CourseList(ctx context.Context) ([]Course, error) {
	return queryList(ctx, s, "courses", scanCourse, courseSelect+` ORDER BY o.path, f.path, c.path`)
}

// courseExists returns derrors.NotFound when no course has the id, which must
// be canonical.
func (s *sqlStore) courseExists(ctx context.Context, id string) error {
	return s.exists(ctx, fmt.Sprintf("course %q", id), `SELECT 1 FROM courses WHERE id = $1`, id)
}

// courseID returns the canonical id of a course that exists, or
// derrors.NotFound.
func (s *sqlStore) courseID(ctx context.Context, id string) (string, error) {
	canonical, ok := parseID(id)
	if !ok {
		return "", fmt.Errorf("course %q: %w", id, derrors.NotFound)
	}
	if err := s.courseExists(ctx, canonical); err != nil {
		return "", err
	}
	return canonical, nil
}

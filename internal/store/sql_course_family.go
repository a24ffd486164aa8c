package store

import (
	"context"
	"fmt"

	"github.com/computor-org/computor-go/internal/derrors"
)

var courseFamilySelect = `SELECT ` + metaColumns("f") + `,
	f.organization_id, f.path, o.path || '.' || f.path, f.title, f.description
FROM course_families f
JOIN organizations o ON o.id = f.organization_id`

func scanCourseFamily(r rowScanner) (*CourseFamily, error) {
	var f CourseFamily
	err := r.Scan(append(f.targets(), &f.OrganizationID, &f.Path, &f.FullPath, &f.Title, &f.Description)...)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// CourseFamilyCreate makes a course family in an organization; see Store.
func (s *sqlStore) CourseFamilyCreate(ctx context.Context, p CourseFamilyCreateParams) (*CourseFamily, error) {
	orgID, err := requireID("course family: organization id", p.OrganizationID)
	if err != nil {
		return nil, err
	}
	if err := ValidPathSegment(p.Path); err != nil {
		return nil, fmt.Errorf("course family: %w", err)
	}
	t := s.dialect.timeArg(now())
	return createRow(ctx, s, creation[CourseFamily]{
		what: fmt.Sprintf("course family %q", p.Path),
		task: p.CreatedByTask,
		insert: `INSERT INTO course_families (id, created_at, updated_at, created_by, created_by_task,
	organization_id, path, title, description)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (organization_id, path) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, orgID, p.Path, p.Title, p.Description},
		find: func(ctx context.Context) (*CourseFamily, error) {
			return queryOne(ctx, s, fmt.Sprintf("course family %q in organization %s", p.Path, orgID), scanCourseFamily,
				courseFamilySelect+` WHERE f.organization_id = $1 AND f.path = $2`, orgID, p.Path)
		},
		meta: func(f *CourseFamily) *Meta { return &f.Meta },
		name: func(f *CourseFamily) string { return fmt.Sprintf("course family %q", f.FullPath) },
		missingParent: func(ctx context.Context) error {
			return s.exists(ctx, fmt.Sprintf("organization %q", orgID), `SELECT 1 FROM organizations WHERE id = $1`, orgID)
		},
	})
}

// CourseFamilyGet finds a course family by id or by full path
// (organization.family).
func (s *sqlStore) CourseFamilyGet(ctx context.Context, idOrPath string) (*CourseFamily, error) {
	what := fmt.Sprintf("course family %q", idOrPath)
	if id, ok := parseID(idOrPath); ok {
		return queryOne(ctx, s, what, scanCourseFamily, courseFamilySelect+` WHERE f.id = $1`, id)
	}
	segs, ok := splitFullPath(idOrPath, 2)
	if !ok {
		return nil, fmt.Errorf("%s: %w: a full path is organization.family", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanCourseFamily,
		courseFamilySelect+` WHERE o.path = $1 AND f.path = $2`, segs[0], segs[1])
}

// CourseFamilyList lists the course families by full path.
func (s *sqlStore) CourseFamilyList(ctx context.Context) ([]CourseFamily, error) {
	return queryList(ctx, s, "course families", scanCourseFamily,
		courseFamilySelect+` ORDER BY o.path, f.path`)
}

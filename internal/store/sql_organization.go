package store

import (
	"context"
	"fmt"
)

var organizationSelect = `SELECT ` + metaColumns("o") + `, o.path, o.title, o.description
FROM organizations o`

func scanOrganization(r rowScanner) (*Organization, error) {
	var o Organization
	if err := r.Scan(append(o.targets(), &o.Path, &o.Title, &o.Description)...); err != nil {
		return nil, err
	}
	return &o, nil
}

// OrganizationCreate makes an organization; see Store.
func (s *sqlStore) OrganizationCreate(ctx context.Context, p OrganizationCreateParams) (*Organization, error) {
	if err := ValidPathSegment(p.Path); err != nil {
		return nil, fmt.Errorf("organization: %w", err)
	}
	t := s.dialect.timeArg(now())
	return createRow(ctx, s, creation[Organization]{
		what: fmt.Sprintf("organization %q", p.Path),
		task: p.CreatedByTask,
		insert: `INSERT INTO organizations (id, created_at, updated_at, created_by, created_by_task,
	path, title, description)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7)
ON CONFLICT (path) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, p.Path, p.Title, p.Description},
		find: func(ctx context.Context) (*Organization, error) {
			return s.organizationByPath(ctx, p.Path)
		},
		meta: func(o *Organization) *Meta { return &o.Meta },
	})
}

// OrganizationGet finds an organization by id or by path.
func (s *sqlStore) OrganizationGet(ctx context.Context, idOrPath string) (*Organization, error) {
	if id, ok := parseID(idOrPath); ok {
		return queryOne(ctx, s, fmt.Sprintf("organization %q", idOrPath), scanOrganization,
			organizationSelect+` WHERE o.id = $1`, id)
	}
	return s.organizationByPath(ctx, idOrPath)
}

func (s *sqlStore) organizationByPath(ctx context.Context, path string) (*Organization, error) {
	return queryOne(ctx, s, fmt.Sprintf("organization %q", path), scanOrganization,
		organizationSelect+` WHERE o.path = $1`, path)
}

// OrganizationList lists the organizations by path.
func (s *sqlStore) OrganizationList(ctx context.Context) ([]Organization, error) {
	return queryList(ctx, s, "organizations", scanOrganization,
		organizationSelect+` ORDER BY o.path`)
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Roles lists the course roles, from most to least privileged.
var Roles = []string{RoleOwner, RoleMaintainer, RoleLecturer, RoleTutor, RoleStudent}

// ValidRole checks that role is one of Roles; the error wraps derrors.Invalid.
func ValidRole(role string) error {
	if !slices.Contains(Roles, role) {
		return fmt.Errorf("course role %q: %w: use one of %v", role, derrors.Invalid, Roles)
	}
	return nil
}

var courseMemberSelect = `SELECT ` + metaColumns("m") + `,
	m.course_id, m.user_id, u.username, m.course_role_id, m.course_group_id
FROM course_members m
JOIN users u ON u.id = m.user_id`

func scanCourseMember(r rowScanner) (*CourseMember, error) {
	var m CourseMember
	var group sql.NullString
	err := r.Scan(append(m.targets(), &m.CourseID, &m.UserID, &m.Username, &m.Role, &group)...)
	if err != nil {
		return nil, err
	}
	m.CourseGroupID = group.String
	return &m, nil
}

// CourseMemberFindOrCreate makes the membership, or returns the existing
// one of that user in that course whatever its role and group.
func (s *sqlStore) CourseMemberFindOrCreate(ctx context.Context, p CourseMemberCreateParams) (*CourseMember, error) {
	courseID, err := requireID("course member: course id", p.CourseID)
	if err != nil {
		return nil, err
	}
	userID, err := requireID("course member: user id", p.UserID)
	if err != nil {
		return nil, err
	}
	if err := ValidRole(p.Role); err != nil {
		return nil, fmt.Errorf("course member: %w", err)
	}
	var groupID sql.NullString
	if p.CourseGroupID != "" {
		id, err := requireID("course member: course group id", p.CourseGroupID)
		if err != nil {
			return nil, err
		}
		groupID = sql.NullString{String: id, Valid: true}
	}
	t := s.dialect.timeArg(now())
	what := fmt.Sprintf("course member %s of course %s", userID, courseID)
	return createRow(ctx, s, creation[CourseMember]{
		what:         what,
		findOrCreate: true,
		task:         p.CreatedByTask,
		insert: `INSERT INTO course_members (id, created_at, updated_at, created_by, created_by_task,
	course_id, user_id, course_role_id, course_group_id)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (course_id, user_id) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, courseID, userID, p.Role, groupID},
		find: func(ctx context.Context) (*CourseMember, error) {
			return queryOne(ctx, s, what, scanCourseMember,
				courseMemberSelect+` WHERE m.course_id = $1 AND m.user_id = $2`, courseID, userID)
		},
		meta: func(m *CourseMember) *Meta { return &m.Meta },
		missingParent: func(ctx context.Context) error {
			if err := s.courseExists(ctx, courseID); err != nil {
				return err
			}
			if err := s.exists(ctx, fmt.Sprintf("user %q", userID), `SELECT 1 FROM users WHERE id = $1`, userID); err != nil {
				return err
			}
			if groupID.Valid {
				group := fmt.Sprintf("course group %q", groupID.String)
				if err := s.exists(ctx, group, `SELECT 1 FROM course_groups WHERE id = $1`, groupID.String); err != nil {
					return err
				}
				return fmt.Errorf("%s: %w: it is not a group of course %s", group, derrors.Invalid, courseID)
			}
			return nil
		},
	})
}

// CourseMemberGet finds a membership by id.
func (s *sqlStore) CourseMemberGet(ctx context.Context, id string) (*CourseMember, error) {
	what := fmt.Sprintf("course member %q", id)
	canonical, ok := parseID(id)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanCourseMember, courseMemberSelect+` WHERE m.id = $1`, canonical)
}

// CourseMemberGetByUser finds the membership of a user, by username, in a
// course, by id.
func (s *sqlStore) CourseMemberGetByUser(ctx context.Context, courseID, username string) (*CourseMember, error) {
	what := fmt.Sprintf("course member %q of course %q", username, courseID)
	canonical, ok := parseID(courseID)
	if !ok {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	return queryOne(ctx, s, what, scanCourseMember,
		courseMemberSelect+` WHERE m.course_id = $1 AND u.username = $2`, canonical, username)
}

// CourseMemberList lists a course's members by username; an unknown
// course is derrors.NotFound.
func (s *sqlStore) CourseMemberList(ctx context.Context, courseID string) ([]CourseMember, error) {
	id, err := s.courseID(ctx, courseID)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, s, "course members", scanCourseMember,
		courseMemberSelect+` WHERE m.course_id = $1 ORDER BY u.username`, id)
}

// MembershipsOf lists every membership of a user by the course's full
// path; a user that is unknown has none.
func (s *sqlStore) MembershipsOf(ctx context.Context, username string) ([]CourseMember, error) {
	return queryList(ctx, s, fmt.Sprintf("memberships of %q", username), scanCourseMember,
		courseMemberSelect+`
JOIN courses c ON c.id = m.course_id
JOIN course_families f ON f.id = c.course_family_id
JOIN organizations o ON o.id = f.organization_id
WHERE u.username = $1
ORDER BY o.path, f.path, c.path`, username)
}

// CourseMembersFindOrCreate makes the users, groups and memberships of
// p.Members in one transaction: one commit (on SQLite, one fsync) for the
// lot, where one at a time costs three. Users and groups are written in
// sorted order, so two of these running at once on PostgreSQL take their
// row locks in the same order and cannot deadlock.
func (s *sqlStore) CourseMembersFindOrCreate(ctx context.Context, p CourseMembersFindOrCreateParams) ([]CourseMember, error) {
	courseID, err := requireID("course members: course id", p.CourseID)
	if err != nil {
		return nil, err
	}
	if err := ValidRole(p.Role); err != nil {
		return nil, fmt.Errorf("course members: %w", err)
	}
	users := map[string]NewCourseMember{}
	groups := map[string]string{} // title → id
	for _, m := range p.Members {
		if err := ValidUsername(m.Username); err != nil {
			return nil, fmt.Errorf("course members: %w", err)
		}
		if _, dup := users[m.Username]; dup {
			return nil, fmt.Errorf("course members: user %q: %w: is listed twice", m.Username, derrors.Invalid)
		}
		users[m.Username] = m
		if m.GroupTitle != "" {
			if err := validGroupTitle(m.GroupTitle); err != nil {
				return nil, fmt.Errorf("course members: %w", err)
			}
			groups[m.GroupTitle] = ""
		}
	}
	if len(p.Members) == 0 {
		return []CourseMember{}, nil
	}
	if err := s.courseExists(ctx, courseID); err != nil {
		return nil, err
	}
	t := s.dialect.timeArg(now())
	out := make([]CourseMember, len(p.Members))
	err = s.inTx(ctx, "write course members", func(tx *sql.Tx) error {
		for _, title := range slices.Sorted(maps.Keys(groups)) {
			what := fmt.Sprintf("course group %q", title)
			if _, err := tx.ExecContext(ctx, `INSERT INTO course_groups (id, created_at, updated_at, created_by, created_by_task,
	course_id, title)
VALUES ($1, $2, $2, $3, $4, $5, $6)
ON CONFLICT (course_id, title) DO NOTHING`, newID(), t, p.CreatedBy, p.CreatedByTask, courseID, title); err != nil {
				return s.insertError(ctx, what, err, nil)
			}
			g, err := queryOneIn(ctx, s, tx, what+" in course "+courseID, scanCourseGroup,
				courseGroupSelect+` WHERE g.course_id = $1 AND g.title = $2`, courseID, title)
			if err != nil {
				return err
			}
			groups[title] = g.ID
		}
		userIDs := map[string]string{}
		for _, name := range slices.Sorted(maps.Keys(users)) {
			u := users[name]
			what := fmt.Sprintf("user %q", name)
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, created_at, updated_at, created_by, created_by_task,
	username, email, given_name, family_name)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (username) DO NOTHING`, newID(), t, p.CreatedBy, p.CreatedByTask, name, u.Email, u.GivenName, u.FamilyName); err != nil {
				return s.insertError(ctx, what, err, nil)
			}
			var id string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, name).Scan(&id); err != nil {
				return s.fail(ctx, "get "+what, err)
			}
			userIDs[name] = id
			var groupID sql.NullString
			if u.GroupTitle != "" {
				groupID = sql.NullString{String: groups[u.GroupTitle], Valid: true}
			}
			what = fmt.Sprintf("course member %s of course %s", name, courseID)
			if _, err := tx.ExecContext(ctx, `INSERT INTO course_members (id, created_at, updated_at, created_by, created_by_task,
	course_id, user_id, course_role_id, course_group_id)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (course_id, user_id) DO NOTHING`, newID(), t, p.CreatedBy, p.CreatedByTask, courseID, id, p.Role, groupID); err != nil {
				return s.insertError(ctx, what, err, nil)
			}
		}
		for i, m := range p.Members {
			got, err := queryOneIn(ctx, s, tx, fmt.Sprintf("course member %s of course %s", m.Username, courseID), scanCourseMember,
				courseMemberSelect+` WHERE m.course_id = $1 AND m.user_id = $2`, courseID, userIDs[m.Username])
			if err != nil {
				return err
			}
			out[i] = *got
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

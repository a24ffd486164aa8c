package store

import (
	"context"
	"fmt"
)

var userSelect = `SELECT ` + metaColumns("u") + `,
	u.username, u.email, u.given_name, u.family_name
FROM users u`

func scanUser(r rowScanner) (*User, error) {
	var u User
	err := r.Scan(append(u.targets(), &u.Username, &u.Email, &u.GivenName, &u.FamilyName)...)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UserFindOrCreate makes the user, or returns the one with that username
// as it is, whoever made it.
func (s *sqlStore) UserFindOrCreate(ctx context.Context, p UserCreateParams) (*User, error) {
	if err := ValidUsername(p.Username); err != nil {
		return nil, err
	}
	t := s.dialect.timeArg(now())
	return createRow(ctx, s, creation[User]{
		what:         fmt.Sprintf("user %q", p.Username),
		findOrCreate: true,
		task:         p.CreatedByTask,
		insert: `INSERT INTO users (id, created_at, updated_at, created_by, created_by_task,
	username, email, given_name, family_name)
VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (username) DO NOTHING`,
		args: []any{newID(), t, p.CreatedBy, p.CreatedByTask, p.Username, p.Email, p.GivenName, p.FamilyName},
		find: func(ctx context.Context) (*User, error) { return s.UserGetByUsername(ctx, p.Username) },
		meta: func(u *User) *Meta { return &u.Meta },
	})
}

// UserGetByUsername finds a user by username.
func (s *sqlStore) UserGetByUsername(ctx context.Context, username string) (*User, error) {
	return queryOne(ctx, s, fmt.Sprintf("user %q", username), scanUser,
		userSelect+` WHERE u.username = $1`, username)
}

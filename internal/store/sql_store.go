package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/google/uuid"
)

// sqlStore is the Store over database/sql that both SQLite and PostgreSQL
// use: the queries are the same ($n placeholders, ON CONFLICT, ||), and the
// dialect holds what differs.
type sqlStore struct {
	db      *sql.DB
	dialect dialect
}

var _ Store = (*sqlStore)(nil)

// dialect is what differs between the databases behind sqlStore.
type dialect interface {
	// timeArg turns a time into a query argument.
	timeArg(t time.Time) any
	// violation tells which constraint, if any, an error broke.
	violation(err error) violation
	// forUpdate is what ends a SELECT, in a transaction, that locks the
	// rows it reads until the transaction ends.
	forUpdate() string
}

// violation is the kind of constraint an insert or update broke.
type violation int

const (
	violationNone violation = iota
	violationUnique
	violationForeignKey
	violationCheck
)

// Ping checks that the database answers.
func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return s.fail(ctx, "ping database", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database: %v", err)
	}
	return nil
}

// fail turns an unexpected database error into one of ours: a context's
// error stays matchable with errors.Is, and a driver error keeps only its
// text, so that no driver type leaves the package.
func (s *sqlStore) fail(ctx context.Context, doing string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", doing, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", doing, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", doing, context.Canceled)
	}
	return fmt.Errorf("%s: %v", doing, err)
}

// now is the time a row is made or changed: UTC, in microseconds, which
// both databases keep exactly.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newID returns a fresh row id.
func newID() string { return uuid.NewString() }

// parseID returns the canonical form of an id, or false when s is not a
// UUID.
func parseID(s string) (string, bool) {
	id, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return id.String(), true
}

// ValidID says whether s is a row id (a UUID), naming what is wrong.
func ValidID(s string) error {
	if _, ok := parseID(s); !ok {
		return fmt.Errorf("%w: %q is not a UUID", derrors.Invalid, s)
	}
	return nil
}

// requireID returns the canonical form of the id of field, or derrors.Invalid.
func requireID(field, s string) (string, error) {
	id, ok := parseID(s)
	if !ok {
		return "", fmt.Errorf("%s %q: %w: not a UUID", field, s, derrors.Invalid)
	}
	return id, nil
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// metaColumns lists the Meta columns of the table aliased a.
func metaColumns(a string) string {
	return strings.NewReplacer("@", a).Replace("@.id, @.created_at, @.updated_at, @.created_by, @.created_by_task")
}

// targets are the scan destinations of metaColumns.
func (m *Meta) targets() []any {
	return []any{&m.ID, (*dbTime)(&m.CreatedAt), (*dbTime)(&m.UpdatedAt), &m.CreatedBy, &m.CreatedByTask}
}

// dbTime scans a time as either database returns it: a time.Time from
// PostgreSQL, RFC 3339 text from SQLite. It is always UTC.
type dbTime time.Time

// Scan implements sql.Scanner.
func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*t = dbTime(v.UTC())
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("scan time: unexpected %T", v)
}

func (t *dbTime) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*t = dbTime(p.UTC())
	return nil
}

// nullTime scans a nullable time into a *time.Time that stays nil for NULL.
type nullTime struct{ p **time.Time }

// Scan implements sql.Scanner.
func (n nullTime) Scan(v any) error {
	if v == nil {
		*n.p = nil
		return nil
	}
	var t dbTime
	if err := t.Scan(v); err != nil {
		return err
	}
	tt := time.Time(t)
	*n.p = &tt
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a transaction, which it commits when f returns nil and
// rolls back otherwise; f's error is returned as it is. SQLite takes the
// write lock at BEGIN (_txlock=immediate), so its transactions run one at
// a time; on PostgreSQL, f locks what it needs with dialect.forUpdate.
func (s *sqlStore) inTx(ctx context.Context, doing string, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, doing, err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, doing, err)
	}
	return nil
}

// queryOne runs a query for one row; no row is derrors.NotFound about what.
func queryOne[T any](ctx context.Context, s *sqlStore, what string, scan func(rowScanner) (*T, error), query string, args ...any) (*T, error) {
	return queryOneIn(ctx, s, s.db, what, scan, query, args...)
}

// queryOneIn is queryOne on q, a transaction or the pool.
func queryOneIn[T any](ctx context.Context, s *sqlStore, q querier, what string, scan func(rowScanner) (*T, error), query string, args ...any) (*T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	if err != nil {
		return nil, s.fail(ctx, "get "+what, err)
	}
	return v, nil
}

// queryList runs a query for rows; it returns an empty, non-nil slice when
// none match.
func queryList[T any](ctx context.Context, s *sqlStore, what string, scan func(rowScanner) (*T, error), query string, args ...any) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(ctx, "list "+what, err)
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.fail(ctx, "list "+what, err)
		}
		list = append(list, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "list "+what, err)
	}
	return list, nil
}

// creation describes an idempotent insert for createRow.
type creation[T any] struct {
	// what names the row by its natural key in errors:
	// organization "tugraz".
	what string
	// findOrCreate returns an existing row whoever made it; otherwise only
	// the task that made it gets it back.
	findOrCreate bool
	// task is the CreatedByTask of the new row.
	task string
	// insert inserts the row with ON CONFLICT (natural key) DO NOTHING.
	insert string
	args   []any
	// find loads the row by its natural key.
	find func(ctx context.Context) (*T, error)
	// meta returns the row's Meta.
	meta func(*T) *Meta
	// name, when set, names an existing row in the derrors.Conflict error
	// better than what does (with its full path).
	name func(*T) string
	// missingParent explains a foreign key violation: it returns the
	// derrors.NotFound or derrors.Invalid error of the parent that is missing.
	missingParent func(ctx context.Context) error
}

// createRow inserts a row unless its natural key is taken, then loads the
// row by that key. The database settles a race between two creates of one
// key: exactly one insert takes, and both load the same row. A row that
// was there before is returned when c.findOrCreate is set or when the same
// non-empty task made it (an activity retried); otherwise the create is
// derrors.Conflict.
func createRow[T any](ctx context.Context, s *sqlStore, c creation[T]) (*T, error) {
	res, err := s.db.ExecContext(ctx, c.insert, c.args...)
	if err != nil {
		return nil, s.insertError(ctx, c.what, err, c.missingParent)
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return nil, s.fail(ctx, "create "+c.what, err)
	}
	row, err := c.find(ctx)
	if err != nil {
		return nil, err
	}
	if inserted > 0 || c.findOrCreate {
		return row, nil
	}
	if task := c.meta(row).CreatedByTask; c.task != "" && task == c.task {
		return row, nil
	}
	what := c.what
	if c.name != nil {
		what = c.name(row)
	}
	return nil, fmt.Errorf("%s: %w", what, derrors.Conflict)
}

// insertError turns the error of an insert or update into one of ours.
func (s *sqlStore) insertError(ctx context.Context, what string, err error, missingParent func(context.Context) error) error {
	switch s.dialect.violation(err) {
	case violationUnique:
		return fmt.Errorf("%s: %w", what, derrors.Conflict)
	case violationCheck:
		return fmt.Errorf("%s: %w: %v", what, derrors.Invalid, err)
	case violationForeignKey:
		if missingParent != nil {
			if perr := missingParent(ctx); perr != nil {
				return fmt.Errorf("%s: %w", what, perr)
			}
		}
		return fmt.Errorf("%s: %w: a row it refers to does not exist", what, derrors.NotFound)
	}
	return s.fail(ctx, "write "+what, err)
}

// exists reports whether query finds a row; no row is derrors.NotFound about
// what.
func (s *sqlStore) exists(ctx context.Context, what, query string, args ...any) error {
	var one int
	err := s.db.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, derrors.NotFound)
	}
	if err != nil {
		return s.fail(ctx, "find "+what, err)
	}
	return nil
}

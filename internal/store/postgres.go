package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// PostgreSQL pool settings.
const (
	postgresMaxConns        = 10
	postgresMaxIdleConns    = 5
	postgresConnMaxIdleTime = 5 * time.Minute
)

// Migration lock timing: try the advisory lock every second for up to five
// minutes (goose's minimum period is one second).
const (
	postgresLockPeriodSeconds = 1
	postgresLockTries         = 300
)

// openPostgres connects to the PostgreSQL database of url and migrates it.
// Its errors come from pgx, which hides the password of url.
func openPostgres(ctx context.Context, url string) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w: bad url: %v", derrors.Invalid, err)
	}
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxIdleConns)
	db.SetConnMaxIdleTime(postgresConnMaxIdleTime)
	s := &sqlStore{db: db, dialect: postgresDialect{}}
	if err := s.Ping(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	lockID, err := postgresLockID(ctx, db)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(lockID),
		lock.WithLockTimeout(postgresLockPeriodSeconds, postgresLockTries),
	)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres: %v", err)
	}
	if err := migrate(ctx, db, goose.DialectPostgres, "postgres", goose.WithSessionLocker(locker)); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

// postgresLockID is the advisory lock that serializes migrations of one
// schema: a hash of the database and schema names, so that two processes
// migrating the same schema take turns while different schemas (a test's
// each) do not wait on each other.
func postgresLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var database string
	var schema sql.NullString
	err := db.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&database, &schema)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("read current schema: %w", ctx.Err())
		}
		return 0, fmt.Errorf("read current schema: %v", err)
	}
	if !schema.Valid {
		return 0, fmt.Errorf("%w: no schema of the search_path exists in database %q", derrors.Invalid, database)
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "computor store migrations\x00%s\x00%s", database, schema.String)
	return int64(h.Sum64()), nil
}

// postgresDialect is PostgreSQL's side of sqlStore.
type postgresDialect struct{}

func (postgresDialect) timeArg(t time.Time) any { return t.UTC() }

// PostgreSQL error codes, https://www.postgresql.org/docs/current/errcodes-appendix.html.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgNotNullViolation    = "23502"
	// pgDataException is the class of errors about a value that the
	// column's type cannot hold, such as a string jsonb cannot.
	pgDataException = "22"
)

func (postgresDialect) forUpdate() string { return " FOR UPDATE" }

func (postgresDialect) violation(err error) violation {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return violationNone
	}
	switch e.Code {
	case pgUniqueViolation:
		return violationUnique
	case pgForeignKeyViolation:
		return violationForeignKey
	case pgCheckViolation, pgNotNullViolation:
		return violationCheck
	}
	if strings.HasPrefix(e.Code, pgDataException) {
		return violationCheck
	}
	return violationNone
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite settings.
const (
	// sqliteBusyTimeout is how long a connection waits for another one's
	// write lock before it fails with "database is locked".
	sqliteBusyTimeout = 10 * time.Second
	// sqliteMaxConns bounds the pool: WAL lets readers run beside the one
	// writer, and writers queue on the busy timeout.
	sqliteMaxConns = 4
	// sqliteOpenTries bounds how often openSQLite connects to a new file
	// that another process is switching to WAL at the same moment: SQLite
	// answers that race with SQLITE_BUSY at once, not after the busy
	// timeout. sqliteOpenBackoff is the wait after the first try, growing
	// by as much after each.
	sqliteOpenTries   = 20
	sqliteOpenBackoff = 10 * time.Millisecond
)

// openSQLite opens (creating when missing) the SQLite file at path and
// migrates it.
func openSQLite(ctx context.Context, path string) (Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w: %v", path, derrors.Invalid, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %v", abs, err)
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	s := &sqlStore{db: db, dialect: sqliteDialect{}}
	if err := s.pingSQLite(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	if err := migrate(ctx, db, goose.DialectSQLite3, "sqlite"); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", abs, err)
	}
	return s, nil
}

// pingSQLite makes the first connection, whose pragmas switch a new file
// to WAL, trying again while another process holds the file's lock.
func (s *sqlStore) pingSQLite(ctx context.Context) error {
	for try := 1; ; try++ {
		err := s.db.PingContext(ctx)
		var e *sqlite.Error
		if err == nil || !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY || try == sqliteOpenTries {
			if err != nil {
				return s.fail(ctx, "ping database", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return s.fail(ctx, "ping database", ctx.Err())
		case <-time.After(time.Duration(try) * sqliteOpenBackoff):
		}
	}
}

// sqliteDSN is the modernc.org/sqlite data source name of the file at the
// absolute path abs: a file: URI whose _pragma parameters run on every new
// connection. WAL lets readers run beside a writer; synchronous FULL makes
// each commit durable; foreign keys are off in SQLite unless asked for;
// _txlock=immediate takes the write lock at BEGIN, so a transaction never
// fails upgrading from reader to writer.
func sqliteDSN(abs string) string {
	q := url.Values{}
	for _, p := range []string{
		fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"foreign_keys(ON)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// sqliteDialect is SQLite's side of sqlStore. Times are stored as fixed
// width RFC 3339 text in UTC, which sorts as it reads.
type sqliteDialect struct{}

// sqliteTimeLayout is how SQLite rows hold times.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

func (sqliteDialect) timeArg(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) }

// forUpdate is empty: SQLite has no row locks, and a transaction holds the
// database's write lock from its BEGIN already.
func (sqliteDialect) forUpdate() string { return "" }

func (sqliteDialect) violation(err error) violation {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return violationNone
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return violationUnique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return violationForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return violationCheck
	}
	return violationNone
}

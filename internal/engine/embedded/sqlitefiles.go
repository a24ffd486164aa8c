package embedded

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// SQLite's synchronous settings, as PRAGMA synchronous reports them.
const (
	syncNormal = 1
	syncFull   = 2
)

// uriPath escapes a file path for the "file:" URI that Temporal's sqlite
// plugin builds without escaping. Unescaped, a data dir with "?" or "#"
// in its name opens another file than the one walsync syncs, and "%"
// starts an escape.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// sqliteFiles checks every SQLite connection this process opens for one
// of the server's files: the file SQLite opened is the one asked for, and
// its synchronous setting the one wanted. A connection that is not is
// refused, so a path or a setting that does not take effect stops the
// server instead of silently weakening durability. It records what each
// live connection reported, for tests.
var sqliteFiles = struct {
	mu   sync.Mutex
	want []sqliteFile
	seen map[string]int // by file: synchronous, as the connection reported it
}{seen: map[string]int{}}

type sqliteFile struct {
	dsnPath string // the path as the connection string carries it
	file    string // the file SQLite must open (absolute, links resolved)
	sync    int
}

// The hook is registered once, before any connection opens: modernc's
// list of hooks has no lock.
func init() { sqlite.RegisterConnectionHook(checkSQLiteConn) }

// expectSQLite registers the file at path, named in connection strings
// as uriPath(path), to be opened with synchronous mode sync.
func expectSQLite(path string, sync int) error {
	file, err := resolvePath(path)
	if err != nil {
		return err
	}
	sqliteFiles.mu.Lock()
	defer sqliteFiles.mu.Unlock()
	w := sqliteFile{dsnPath: uriPath(path), file: file, sync: sync}
	for i := range sqliteFiles.want {
		if sqliteFiles.want[i].dsnPath == w.dsnPath {
			sqliteFiles.want[i] = w
			return nil
		}
	}
	sqliteFiles.want = append(sqliteFiles.want, w)
	return nil
}

// openedSynchronous is the synchronous setting the last connection to
// path reported; false if none was opened.
func openedSynchronous(path string) (int, bool) {
	file, err := resolvePath(path)
	if err != nil {
		return 0, false
	}
	sqliteFiles.mu.Lock()
	defer sqliteFiles.mu.Unlock()
	v, ok := sqliteFiles.seen[file]
	return v, ok
}

func checkSQLiteConn(conn sqlite.ExecQuerierContext, dsn string) error {
	sqliteFiles.mu.Lock()
	defer sqliteFiles.mu.Unlock()
	var want *sqliteFile
	for i, w := range sqliteFiles.want {
		if strings.HasPrefix(dsn, "file:"+w.dsnPath+"?") {
			want = &sqliteFiles.want[i]
		}
	}
	if want == nil {
		return nil // not one of the server's files
	}
	ctx := context.Background()
	file, err := queryString(ctx, conn, "PRAGMA database_list", 2)
	if err != nil {
		return fmt.Errorf("sqlite %s: which file: %w", want.file, err)
	}
	if file != want.file {
		if fi, err := os.Lstat(want.file); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			// SQLite follows it and keeps its WAL beside the target, which
			// Sync would not see.
			return fmt.Errorf("sqlite %s is a symbolic link (to %s): put the database file itself in the data dir", want.file, file)
		}
		return fmt.Errorf("sqlite opened %q for %s: the path did not survive the connection string", file, want.file)
	}
	mode, err := queryString(ctx, conn, "PRAGMA synchronous", 0)
	if err != nil {
		return fmt.Errorf("sqlite %s: read synchronous: %w", file, err)
	}
	got, err := strconv.Atoi(mode)
	if err != nil {
		return fmt.Errorf("sqlite %s: synchronous %q: %w", file, mode, err)
	}
	sqliteFiles.seen[file] = got
	if got != want.sync {
		return fmt.Errorf("sqlite %s runs with synchronous=%d, want %d", file, got, want.sync)
	}
	return nil
}

// queryString returns column col of the first row of query, as text.
func queryString(ctx context.Context, conn sqlite.ExecQuerierContext, query string, col int) (string, error) {
	rows, err := conn.QueryContext(ctx, query, nil)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		return "", err
	}
	if col >= len(dest) {
		return "", fmt.Errorf("%s: no column %d", query, col)
	}
	switch v := dest[col].(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case int64:
		return fmt.Sprint(v), nil
	case nil:
		return "", nil
	default:
		return fmt.Sprint(v), nil
	}
}

// resolvePath is path as SQLite reports the file it opened: absolute,
// with the links of its directory resolved (the directory exists).
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

// URL schemes Open understands.
const (
	// SchemeSQLite opens a SQLite file: sqlite:///abs/path/computor.db.
	SchemeSQLite = "sqlite"
	// SchemePostgres opens a PostgreSQL database:
	// postgres://user:pass@host:5432/db?sslmode=disable.
	SchemePostgres = "postgres"
	// SchemePostgresql is the long spelling of SchemePostgres.
	SchemePostgresql = "postgresql"
)

// Open connects to the database that url names, applies the pending
// migrations and returns a ready Store. The forms of url are:
//
//   - sqlite:///abs/path/computor.db: a SQLite file (created, with its
//     directory, when missing); everything after "sqlite://" is the path,
//     so sqlite://rel/computor.db is relative to the working directory;
//   - a plain file path such as /var/lib/computor/computor.db or
//     ./computor.db: the same;
//   - postgres://... or postgresql://...: a PostgreSQL database, with any
//     parameter pgx takes (sslmode, search_path, ...).
//
// A bad or unknown url is derrors.Invalid. Migrations are safe when several
// processes open the same PostgreSQL database at once.
func Open(ctx context.Context, url string) (Store, error) {
	kind, target, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case SchemeSQLite:
		return openSQLite(ctx, target)
	default:
		return openPostgres(ctx, target)
	}
}

// parseURL tells which database url names: it returns SchemeSQLite and a
// file path, or SchemePostgres and the url itself.
func parseURL(url string) (kind, target string, err error) {
	if strings.TrimSpace(url) == "" {
		return "", "", fmt.Errorf("open store: %w: the database url is empty", derrors.Invalid)
	}
	scheme, rest, hasScheme := strings.Cut(url, "://")
	if !hasScheme {
		if strings.HasPrefix(url, SchemeSQLite+":") {
			return "", "", fmt.Errorf("open store: %w: %q: write sqlite:///abs/path/computor.db", derrors.Invalid, url)
		}
		return SchemeSQLite, url, nil
	}
	switch strings.ToLower(scheme) {
	case SchemeSQLite:
		if rest == "" {
			return "", "", fmt.Errorf("open store: %w: %q has no file path", derrors.Invalid, url)
		}
		if strings.ContainsAny(rest, "?#") {
			return "", "", fmt.Errorf("open store: %w: %q: a sqlite url takes no parameters", derrors.Invalid, url)
		}
		return SchemeSQLite, rest, nil
	case SchemePostgres, SchemePostgresql:
		return SchemePostgres, url, nil
	}
	return "", "", fmt.Errorf("open store: %w: unknown database scheme %q; use sqlite:// or postgres://", derrors.Invalid, scheme)
}

package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// migrations holds one directory of goose SQL migrations per dialect,
// numbered 00001_name.sql, 00002_name.sql, ...: migrations/sqlite and
// migrations/postgres. Both directories always hold the same versions.
//
//go:embed migrations
var migrations embed.FS

// migrateMaxRaces bounds how often migrate starts over after losing a race.
const migrateMaxRaces = 10

// migrate applies the pending migrations of dir with goose. Applied
// versions are recorded in the goose_db_version table, so a second run is
// a no-op.
//
// Each migration runs in a transaction. When one fails and the database
// version has moved meanwhile, another process applied that migration
// first (SQLite has no session lock to keep it out); the failed one rolled
// back, so migrate looks again at what is pending.
func migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	fsys, err := fs.Sub(migrations, "migrations/"+dir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts = append(opts, goose.WithDisableGlobalRegistry(true))
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %v", err)
	}
	// p.Close would close db, which the store keeps using.
	for races := 0; ; races++ {
		before, err := p.GetDBVersion(ctx)
		if err != nil {
			return migrateError(ctx, "read the schema version", err)
		}
		_, upErr := p.Up(ctx)
		if upErr == nil {
			return nil
		}
		after, err := p.GetDBVersion(ctx)
		if err != nil || after <= before || races == migrateMaxRaces {
			return migrateError(ctx, "apply", upErr)
		}
	}
}

// migrateError hides goose's and the driver's error types behind their
// text; a context's error stays matchable.
func migrateError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("migrate: %s: %w", doing, ctx.Err())
	}
	return fmt.Errorf("migrate: %s: %v", doing, err)
}

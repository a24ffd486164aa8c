package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, kind, target string
		wantErr           error
	}{
		{"sqlite:///var/lib/computor/computor.db", SchemeSQLite, "/var/lib/computor/computor.db", nil},
		{"SQLITE:///x.db", SchemeSQLite, "/x.db", nil},
		{"sqlite://rel/computor.db", SchemeSQLite, "rel/computor.db", nil},
		{"/var/lib/computor/computor.db", SchemeSQLite, "/var/lib/computor/computor.db", nil},
		{"./computor.db", SchemeSQLite, "./computor.db", nil},
		{"computor.db", SchemeSQLite, "computor.db", nil},
		{"postgres://u:p@host:5432/db?sslmode=disable", SchemePostgres, "postgres://u:p@host:5432/db?sslmode=disable", nil},
		{"postgresql://host/db", SchemePostgres, "postgresql://host/db", nil},
		{"", "", "", derrors.Invalid},
		{"  ", "", "", derrors.Invalid},
		{"sqlite://", "", "", derrors.Invalid},
		{"sqlite:x.db", "", "", derrors.Invalid},
		{"sqlite:///x.db?mode=ro", "", "", derrors.Invalid},
		{"mysql://host/db", "", "", derrors.Invalid},
	} {
		t.Run(tc.url, func(t *testing.T) {
			kind, target, err := parseURL(tc.url)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("parseURL(%q) error = %v, want %v", tc.url, err, tc.wantErr)
			}
			if kind != tc.kind || target != tc.target {
				t.Errorf("parseURL(%q) = %q, %q, want %q, %q", tc.url, kind, target, tc.kind, tc.target)
			}
		})
	}
}

func TestOpenSQLiteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A plain path, in a directory that does not exist yet, with a space.
	path := filepath.Join(dir, "new dir", "computor.db")
	s := openURL(t, path)
	if _, err := s.OrganizationCreate(t.Context(), OrganizationCreateParams{Path: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	var mode, sync, fk string
	db := s.(*sqlStore).db
	for q, v := range map[string]*string{"PRAGMA journal_mode": &mode, "PRAGMA synchronous": &sync, "PRAGMA foreign_keys": &fk} {
		if err := db.QueryRowContext(t.Context(), q).Scan(v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if mode != "wal" || sync != "2" || fk != "1" {
		t.Errorf("journal_mode %s, synchronous %s, foreign_keys %s; want wal, 2 (FULL), 1", mode, sync, fk)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url string
		wantErr   error
		notIn     string // a secret the error must not show
	}{
		{"unknown scheme", "mysql://localhost/db", derrors.Invalid, ""},
		{"empty", "", derrors.Invalid, ""},
		{"postgres down", "postgres://u:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", nil, "s3cret"},
		{"postgres bad url", "postgres://u:s3cret@127.0.0.1:notaport/db", nil, "s3cret"},
		{"sqlite in a file", "sqlite://" + filepath.Join(os.Args[0], "x.db"), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.url)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Open(%q) = %v, want %v", tc.url, err, tc.wantErr)
			}
			if tc.notIn != "" && strings.Contains(err.Error(), tc.notIn) {
				t.Errorf("error shows the password: %v", err)
			}
			leaksDriverError(t, err)
		})
	}
}

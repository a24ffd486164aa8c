package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"
)

// BenchmarkGradedSubmissions reads a gradebook's data: 500 students × 10
// assignments, one graded submission each (5,000 submissions with their
// results), on SQLite and PostgreSQL. GET /courses/{id}/grades is this
// query, two short lists (members, contents) and a pass in Go.
//
//	go test -run '^$' -bench GradedSubmissions ./internal/store/
func BenchmarkGradedSubmissions(b *testing.B) {
	const students, contents = 500, 10
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			s := benchStore(b, db)
			courseID := seedGradebook(b, s, students, contents)
			b.ResetTimer()
			for b.Loop() {
				subs, err := s.GradedSubmissions(context.Background(), courseID)
				if err != nil || len(subs) != students*contents {
					b.Fatalf("%d submissions, %v", len(subs), err)
				}
			}
		})
	}
}

func benchStore(b *testing.B, db string) Store {
	ctx := context.Background()
	var u string
	switch db {
	case "sqlite":
		dir := b.TempDir()
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			// The seeding commits thousands of times; the reads measured
			// do not depend on fsync.
			d, err := os.MkdirTemp("/dev/shm", "computor-bench-")
			if err == nil {
				dir = d
				b.Cleanup(func() { _ = os.RemoveAll(d) })
			}
		}
		u = "sqlite://" + dir + "/computor.db"
	case "postgres":
		base := os.Getenv(postgresURLEnv)
		if base == "" {
			base = postgresURLDefault
		}
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = admin.Close() })
		schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			b.Skipf("PostgreSQL: %v", err)
		}
		b.Cleanup(func() { _, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
		pu, _ := url.Parse(base)
		q := pu.Query()
		q.Set("search_path", schema)
		pu.RawQuery = q.Encode()
		u = pu.String()
	}
	s, err := Open(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// seedGradebook makes a course with students and contents through the
// Store, and one finished, graded submission per pair in one transaction.
func seedGradebook(b *testing.B, s Store, students, contents int) string {
	ctx := context.Background()
	org, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "bench", Title: "B"})
	if err != nil {
		b.Fatal(err)
	}
	fam, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: org.ID, Path: "prog", Title: "P"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: fam.ID, Path: "2026", Title: "2026"})
	if err != nil {
		b.Fatal(err)
	}
	var members, ccs []string
	for i := range students {
		u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: fmt.Sprintf("s%04d", i)})
		if err != nil {
			b.Fatal(err)
		}
		m, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: c.ID, UserID: u.ID, Role: RoleStudent})
		if err != nil {
			b.Fatal(err)
		}
		members = append(members, m.ID)
	}
	for i := range contents {
		cc, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: c.ID, Path: fmt.Sprintf("week%02d", i), Title: "W"})
		if err != nil {
			b.Fatal(err)
		}
		ccs = append(ccs, cc.ID)
	}
	sq := s.(*sqlStore)
	err = sq.inTx(ctx, "seed", func(tx *sql.Tx) error {
		at := sq.dialect.timeArg(now())
		for _, m := range members {
			for _, cc := range ccs {
				sub, res, task := newID(), newID(), newID()
				if _, err := tx.ExecContext(ctx, `INSERT INTO submissions (id, created_at, updated_at, course_id, course_member_id,
	course_content_id, git_commit, task_id) VALUES ($1, $2, $2, $3, $4, $5, $6, $7)`, sub, at, c.ID, m, cc, "0123456789abcdef", "sub-"+task); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO test_results (id, created_at, updated_at, course_id, course_member_id,
	course_content_id, git_commit, task_id, status, score, submission_id, finished_at)
	VALUES ($1, $2, $2, $3, $4, $5, $6, $7, 'finished', 0.75, $8, $2)`, res, at, c.ID, m, cc, "0123456789abcdef", "test-"+task, sub); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return c.ID
}

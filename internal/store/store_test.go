package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// TestSQLite runs the shared suite against SQLite, a fresh file per test.
func TestSQLite(t *testing.T) {
	t.Parallel()
	exercise(t, func(t *testing.T) string {
		return "sqlite://" + filepath.Join(t.TempDir(), "computor.db")
	})
}

// postgresURLEnv names the PostgreSQL that TestPostgres uses; its database
// must exist, and the user may create schemas in it.
const postgresURLEnv = "COMPUTOR_TEST_POSTGRES_URL"

const postgresURLDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// TestPostgres runs the shared suite against PostgreSQL, a fresh schema per
// test. It fails, never skips, when PostgreSQL is down.
func TestPostgres(t *testing.T) {
	t.Parallel()
	base := os.Getenv(postgresURLEnv)
	if base == "" {
		base = postgresURLDefault
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("PostgreSQL url of %s: %v", postgresURLEnv, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("PostgreSQL is unreachable: %v\nstart it (CI does), or point %s at one (default %s)",
			err, postgresURLEnv, postgresURLDefault)
	}
	exercise(t, func(t *testing.T) string {
		schema := "t_" + randomHex(t, 8)
		if _, err := admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				t.Errorf("drop schema: %v", err)
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("parse %s: %v", postgresURLEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	})
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// exercise is the suite every Store passes. freshURL returns the url of a
// new, empty database that lives as long as its test.
func exercise(t *testing.T, freshURL func(t *testing.T) string) {
	// open opens a Store on a fresh database, closed when the test ends.
	open := func(t *testing.T) Store {
		t.Helper()
		return openURL(t, freshURL(t))
	}
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, &bundle{open: open, freshURL: freshURL})
		})
	}
}

// bundle is what a suite test gets.
type bundle struct {
	open     func(t *testing.T) Store
	freshURL func(t *testing.T) string
}

// openURL opens the Store of url, closed when the test ends.
func openURL(t *testing.T, u string) Store {
	t.Helper()
	s, err := Open(t.Context(), u)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// hierarchy is an organization, course family and course to hang rows on.
type hierarchy struct {
	org    *Organization
	family *CourseFamily
	course *Course
}

// makeHierarchy creates tugraz.progphys.2026 in s.
func makeHierarchy(t *testing.T, s Store) hierarchy {
	t.Helper()
	ctx := t.Context()
	org, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", CreatedBy: "admin", CreatedByTask: "t-org"})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	family, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: org.ID, Path: "progphys", Title: "Programming", CreatedBy: "admin", CreatedByTask: "t-fam"})
	if err != nil {
		t.Fatalf("create course family: %v", err)
	}
	course, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: family.ID, Path: "2026", Title: "2026", CreatedBy: "admin", CreatedByTask: "t-course"})
	if err != nil {
		t.Fatalf("create course: %v", err)
	}
	return hierarchy{org: org, family: family, course: course}
}

// wantErr fails unless err matches target (nil for no error).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	switch {
	case target == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case target != nil && !errors.Is(err, target):
		t.Fatalf("error = %v, want %v", err, target)
	}
	leaksDriverError(t, err)
}

// leaksDriverError fails when err carries a driver type.
func leaksDriverError(t *testing.T, err error) {
	t.Helper()
	var pe *pgconn.PgError
	var se *sqlite.Error
	if errors.As(err, &pe) || errors.As(err, &se) {
		t.Fatalf("driver error leaked: %#v", err)
	}
}

// checkMeta checks the Meta of a row made between before and now.
func checkMeta(t *testing.T, m Meta, before time.Time, by, task string) {
	t.Helper()
	if _, err := uuid.Parse(m.ID); err != nil {
		t.Errorf("id %q is not a UUID", m.ID)
	}
	after := time.Now()
	if m.CreatedAt.Location() != time.UTC || m.UpdatedAt.Location() != time.UTC {
		t.Errorf("times are not UTC: %v %v", m.CreatedAt, m.UpdatedAt)
	}
	if m.CreatedAt.Before(before.Truncate(time.Microsecond)) || m.CreatedAt.After(after) {
		t.Errorf("created_at %v not within [%v, %v]", m.CreatedAt, before, after)
	}
	if !m.UpdatedAt.Equal(m.CreatedAt) {
		t.Errorf("updated_at %v != created_at %v", m.UpdatedAt, m.CreatedAt)
	}
	if m.CreatedBy != by || m.CreatedByTask != task {
		t.Errorf("created by %q/%q, want %q/%q", m.CreatedBy, m.CreatedByTask, by, task)
	}
}

// suite lists the shared tests.
var suite = []struct {
	name string
	run  func(t *testing.T, b *bundle)
}{
	{"Ping", testPing},
	{"User", testUser},
	{"OrganizationCreate", testOrganizationCreate},
	{"OrganizationGetList", testOrganizationGetList},
	{"CourseFamily", testCourseFamily},
	{"Course", testCourse},
	{"InvalidPathSegments", testInvalidPathSegments},
	{"CourseGroup", testCourseGroup},
	{"CourseMember", testCourseMember},
	{"CourseMembersBulk", testCourseMembersBulk},
	{"CourseMembersBulkConcurrent", testCourseMembersBulkConcurrent},
	{"MembershipsOf", testMembershipsOf},
	{"CourseContent", testCourseContent},
	{"CourseContentRelease", testCourseContentRelease},
	{"TestResult", testTestResult},
	{"TestResultValidation", testTestResultValidation},
	{"TestResultLimit", testTestResultLimit},
	{"TestResultList", testTestResultList},
	{"Submission", testSubmission},
	{"SubmissionSetResult", testSubmissionSetResult},
	{"ConcurrentLimit", testConcurrentLimit},
	{"ConcurrentCreate", testConcurrentCreate},
	{"ConcurrentWrites", testConcurrentWrites},
	{"Reopen", testReopen},
	{"ConcurrentOpen", testConcurrentOpen},
	{"CanceledContext", testCanceledContext},
	{"Worker", testWorker},
	{"Extension", testExtension},
	{"ContentOverride", testContentOverride},
	{"TestRunsSince", testTestRunsSince},
	{"SubmissionOrdinal", testSubmissionOrdinal},
	{"TestsVersion", testTestsVersion},
	{"Regrade", testRegrade},
	{"SubmissionError", testSubmissionError},
	{"TestQueue", testTestQueue},
}

// Each submission knows its place in its member's line and whether it was
// late; a retried create (same task) keeps both.
func testSubmissionOrdinal(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	create := func(member *CourseMember, task string, late bool) *Submission {
		sub, err := s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: member.ID, CourseContentID: a.hello.ID,
			Commit: commitA, TaskID: task, Late: late})
		wantErr(t, err, nil)
		return sub
	}
	first, second, bobs := create(a.alice, "o-1", false), create(a.alice, "o-2", true), create(a.bob, "o-3", false)
	again := create(a.alice, "o-2", true)
	if first.Ordinal != 1 || first.Late || second.Ordinal != 2 || !second.Late || bobs.Ordinal != 1 || again.Ordinal != 2 || again.ID != second.ID {
		t.Fatalf("ordinals %d %d %d (retried %d), late %v %v", first.Ordinal, second.Ordinal, bobs.Ordinal, again.Ordinal, first.Late, second.Late)
	}
	gs, err := s.GradedSubmissions(ctx, a.course.ID)
	wantErr(t, err, nil)
	if len(gs) != 3 || gs[1].Ordinal != 2 || !gs[1].Late || gs[1].Status != "" {
		t.Fatalf("graded submissions: %+v", gs)
	}
	// Migration 00008 numbers the submissions made before it: run its
	// backfill over ordinals as the migration found them (all 1).
	sq := s.(*sqlStore)
	if _, err := sq.db.ExecContext(ctx, `UPDATE submissions SET ordinal = 1`); err != nil {
		t.Fatal(err)
	}
	dir := "sqlite"
	if _, ok := sq.dialect.(postgresDialect); ok {
		dir = "postgres"
	}
	up, err := migrations.ReadFile("migrations/" + dir + "/00008_penalties.sql")
	if err != nil {
		t.Fatal(err)
	}
	text := string(up)
	start := strings.Index(text, "UPDATE submissions")
	backfill := text[start : start+strings.Index(text[start:], ";")]
	if _, err := sq.db.ExecContext(ctx, backfill); err != nil {
		t.Fatalf("backfill: %v", err)
	}
	for task, want := range map[string]int{"o-1": 1, "o-2": 2, "o-3": 1} {
		var n int
		if err := sq.db.QueryRowContext(ctx, `SELECT ordinal FROM submissions WHERE task_id = $1`, task).Scan(&n); err != nil || n != want {
			t.Errorf("after the backfill, %s is number %d (%v), want %d", task, n, err, want)
		}
	}
}

// Test runs are counted per member and content since a time, with the
// first of them; other members, contents and earlier runs do not count.
func testTestRunsSince(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	n, _, err := s.TestRunsSince(ctx, a.alice.ID, a.hello.ID, time.Now().Add(-time.Hour))
	wantErr(t, err, nil)
	if n != 0 {
		t.Fatalf("%d runs before any", n)
	}
	before := time.Now().Add(-time.Second)
	first := start(t, s, a.alice, a.hello, "run-1")
	start(t, s, a.alice, a.hello, "run-2")
	start(t, s, a.bob, a.hello, "run-3")
	start(t, s, a.alice, a.bonus, "run-4")
	n, at, err := s.TestRunsSince(ctx, a.alice.ID, a.hello.ID, before)
	wantErr(t, err, nil)
	if n != 2 || !at.Equal(first.CreatedAt) {
		t.Fatalf("%d runs, first at %v; want 2, first at %v", n, at, first.CreatedAt)
	}
	if n, _, _ := s.TestRunsSince(ctx, a.alice.ID, a.hello.ID, time.Now().Add(time.Minute)); n != 0 {
		t.Fatalf("%d runs after now", n)
	}
	// Started with a bound per hour: alice has 2 in the last hour, so a
	// third is refused with when to try again; bob's first is not; a
	// retried start of a run that exists is not refused.
	perHour := func(m *CourseMember, task string) error {
		_, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: m.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: task, PerHour: 2})
		return err
	}
	err = perHour(a.alice, "run-5")
	var rl *derrors.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > time.Hour {
		t.Fatalf("a third run in the hour: %v", err)
	}
	wantErr(t, perHour(a.alice, "run-1"), nil)
	wantErr(t, perHour(a.bob, "run-6"), nil)
}

// Overrides are merged, applied over what release gave, and kept by the
// next release, which still sets what they do not cover.
func testContentOverride(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	moved := time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC)
	c, err := s.CourseContentOverride(ctx, a.hello.ID, ContentSettings{Deadline: &moved})
	wantErr(t, err, nil)
	five := 5
	c, err = s.CourseContentOverride(ctx, a.hello.ID, ContentSettings{MaxSubmissions: &five})
	wantErr(t, err, nil)
	if c.Deadline == nil || !c.Deadline.Equal(moved) || c.MaxSubmissions != 5 || c.MaxTestRuns != 3 ||
		c.Overrides == nil || c.Overrides.MaxTestRuns != nil {
		t.Fatalf("after two overrides: %+v (overrides %+v)", c, c.Overrides)
	}
	// Released again with other limits and another deadline: the overrides stay.
	meta := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: a.course.ID, Path: "week1/hello", MaxTestRuns: 7, MaxSubmissions: 1, Deadline: &meta})
	wantErr(t, err, nil)
	got, err := s.CourseContentGet(ctx, a.course.ID, a.hello.ID)
	wantErr(t, err, nil)
	if !got.Deadline.Equal(moved) || got.MaxSubmissions != 5 || got.MaxTestRuns != 7 {
		t.Fatalf("after a release: deadline %v, max submissions %d, max test runs %d; want %v, 5, 7", got.Deadline, got.MaxSubmissions, got.MaxTestRuns, moved)
	}
	neg := -1
	_, err = s.CourseContentOverride(ctx, a.hello.ID, ContentSettings{MaxTestRuns: &neg})
	wantErr(t, err, derrors.Invalid)
	_, err = s.CourseContentOverride(ctx, newID(), ContentSettings{MaxTestRuns: &five})
	wantErr(t, err, derrors.NotFound)
}

// An extension is granted, granted again (replaced, who and when kept),
// and refused for a member or content that does not exist.
func testExtension(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	_, err := s.ExtensionGet(ctx, a.alice.ID, a.hello.ID)
	wantErr(t, err, derrors.NotFound)
	first := time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC)
	e, err := s.ExtensionGrant(ctx, ExtensionGrantParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Deadline: first,
		GrantedBy: "lena", GrantedByTask: "t1"})
	wantErr(t, err, nil)
	if !e.Deadline.Equal(first) || e.GrantedBy != "lena" || e.GrantedByTask != "t1" || e.GrantedAt.IsZero() {
		t.Fatalf("granted %+v", e)
	}
	later := first.Add(24 * time.Hour)
	e2, err := s.ExtensionGrant(ctx, ExtensionGrantParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Deadline: later,
		GrantedBy: "tom", GrantedByTask: "t2"})
	wantErr(t, err, nil)
	got, err := s.ExtensionGet(ctx, a.alice.ID, a.hello.ID)
	wantErr(t, err, nil)
	for _, x := range []*Extension{e2, got} {
		if !x.Deadline.Equal(later) || x.GrantedBy != "tom" || x.GrantedByTask != "t2" {
			t.Fatalf("granted again: %+v", x)
		}
	}
	// Bob has none; the grant was alice's alone.
	_, err = s.ExtensionGet(ctx, a.bob.ID, a.hello.ID)
	wantErr(t, err, derrors.NotFound)
	_, err = s.ExtensionGrant(ctx, ExtensionGrantParams{CourseMemberID: newID(), CourseContentID: a.hello.ID, Deadline: first})
	wantErr(t, err, derrors.NotFound)
	_, err = s.ExtensionGrant(ctx, ExtensionGrantParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID})
	wantErr(t, err, derrors.Invalid)
	_, err = s.ExtensionGrant(ctx, ExtensionGrantParams{CourseMemberID: "x", CourseContentID: a.hello.ID, Deadline: first})
	wantErr(t, err, derrors.Invalid)
}

func testWorker(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	start := time.Now().Add(-time.Minute)
	iso := json.RawMessage(`{"cgroup":"v1","disk_limit":true,"seccomp":true}`)
	wantErr(t, s.WorkerSave(ctx, WorkerSaveParams{Identity: "vm:12", Queues: []string{"a", "b"}, Sandbox: iso, StartedAt: start}), nil)
	wantErr(t, s.WorkerSave(ctx, WorkerSaveParams{Identity: "api-less:7", StartedAt: start}), nil)
	ws, err := s.WorkerList(ctx, start)
	wantErr(t, err, nil)
	if len(ws) != 2 || ws[0].Identity != "api-less:7" || ws[1].Identity != "vm:12" {
		t.Fatalf("workers %+v", ws)
	}
	w := ws[1]
	var got map[string]any
	if err := json.Unmarshal(w.Sandbox, &got); err != nil || got["cgroup"] != "v1" || got["seccomp"] != true ||
		!slices.Equal(w.Queues, []string{"a", "b"}) || !w.StartedAt.Equal(start.UTC().Truncate(time.Microsecond)) ||
		w.SeenAt.Before(start) || w.SeenAt.Location() != time.UTC {
		t.Errorf("worker %+v (sandbox %s)", w, w.Sandbox)
	}
	if ws[0].Sandbox != nil || ws[0].Queues == nil {
		t.Errorf("a worker without a sandbox: %+v", ws[0])
	}
	// A later announcement replaces the earlier one.
	wantErr(t, s.WorkerSave(ctx, WorkerSaveParams{Identity: "vm:12", Queues: []string{"c"}, StartedAt: start}), nil)
	ws, _ = s.WorkerList(ctx, start)
	if len(ws) != 2 || !slices.Equal(ws[1].Queues, []string{"c"}) || ws[1].Sandbox != nil {
		t.Errorf("after a second announcement: %+v", ws)
	}
	// Workers not seen since are left out.
	ws, _ = s.WorkerList(ctx, time.Now().Add(time.Minute))
	if len(ws) != 0 {
		t.Errorf("workers seen in the future: %+v", ws)
	}
	wantErr(t, s.WorkerSave(ctx, WorkerSaveParams{Identity: ""}), derrors.Invalid)
	wantErr(t, s.WorkerSave(ctx, WorkerSaveParams{Identity: "x", Sandbox: json.RawMessage("{")}), derrors.Invalid)
}

func testPing(t *testing.T, b *bundle) {
	s := b.open(t)
	wantErr(t, s.Ping(t.Context()), nil)
}

func testUser(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	before := time.Now()
	u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "alice", Email: "a@x.org", GivenName: "Alice", FamilyName: "Liddell", CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, u.Meta, before, "admin", "t1")
	if u.Username != "alice" || u.Email != "a@x.org" || u.GivenName != "Alice" || u.FamilyName != "Liddell" {
		t.Errorf("user = %+v", u)
	}
	// Another task finds the user as it is.
	again, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "alice", Email: "other@x.org", CreatedByTask: "t2"})
	wantErr(t, err, nil)
	if *again != *u {
		t.Errorf("find-or-create returned %+v, want %+v", again, u)
	}
	got, err := s.UserGetByUsername(ctx, "alice")
	wantErr(t, err, nil)
	if *got != *u {
		t.Errorf("get = %+v, want %+v", got, u)
	}
	_, err = s.UserGetByUsername(ctx, "bob")
	wantErr(t, err, derrors.NotFound)
	if !strings.Contains(err.Error(), `"bob"`) {
		t.Errorf("error %q does not name the user", err)
	}
	for _, name := range []string{"", "Alice", ".alice", "al ice", strings.Repeat("a", 65)} {
		_, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: name})
		wantErr(t, err, derrors.Invalid)
	}
	// A token's sub may be a UUID.
	sub := uuid.NewString()
	_, err = s.UserFindOrCreate(ctx, UserCreateParams{Username: sub})
	wantErr(t, err, nil)
}

func testOrganizationCreate(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	before := time.Now()
	org, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "tugraz", Title: "TU Graz", Description: "d", CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, org.Meta, before, "admin", "t1")
	if org.Path != "tugraz" || org.Title != "TU Graz" || org.Description != "d" {
		t.Errorf("organization = %+v", org)
	}
	for _, tc := range []struct {
		name    string
		task    string
		wantErr error
	}{
		{"same task returns the row", "t1", nil},
		{"another task conflicts", "t2", derrors.Conflict},
		{"no task conflicts", "", derrors.Conflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "tugraz", Title: "changed", CreatedByTask: tc.task})
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				if want := `organization "tugraz": conflict`; err.Error() != want {
					t.Errorf("error = %q, want %q", err, want)
				}
				return
			}
			if *got != *org {
				t.Errorf("retry returned %+v, want %+v", got, org)
			}
		})
	}
	// Without a task, even the same caller conflicts.
	_, err = s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "notask"})
	wantErr(t, err, nil)
	_, err = s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "notask"})
	wantErr(t, err, derrors.Conflict)
}

func testOrganizationGetList(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	list, err := s.OrganizationList(ctx)
	wantErr(t, err, nil)
	if list == nil || len(list) != 0 {
		t.Errorf("empty list = %#v, want an empty slice", list)
	}
	var made []*Organization
	for _, p := range []string{"zeta", "a_b", "a-b", "ab", "0rg"} {
		o, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: p, CreatedByTask: "t"})
		wantErr(t, err, nil)
		made = append(made, o)
	}
	list, err = s.OrganizationList(ctx)
	wantErr(t, err, nil)
	var paths []string
	for _, o := range list {
		paths = append(paths, o.Path)
	}
	if got, want := strings.Join(paths, " "), "0rg a-b a_b ab zeta"; got != want {
		t.Errorf("list order = %s, want %s", got, want)
	}
	zeta := made[0]
	for _, tc := range []struct {
		name, arg string
		wantErr   error
	}{
		{"by id", zeta.ID, nil},
		{"by upper-case id", strings.ToUpper(zeta.ID), nil},
		{"by path", "zeta", nil},
		{"unknown path", "nope", derrors.NotFound},
		{"unknown id", uuid.NewString(), derrors.NotFound},
		{"empty", "", derrors.NotFound},
		{"full path", "zeta.x", derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.OrganizationGet(ctx, tc.arg)
			wantErr(t, err, tc.wantErr)
			if err == nil && *got != *zeta {
				t.Errorf("get = %+v, want %+v", got, zeta)
			}
			if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.arg)) {
				t.Errorf("error %q does not name %q", err, tc.arg)
			}
		})
	}
}

func testCourseFamily(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	tug, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "tugraz"})
	wantErr(t, err, nil)
	uni, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "unigraz"})
	wantErr(t, err, nil)
	before := time.Now()
	f, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: tug.ID, Path: "progphys", Title: "T", Description: "D", CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, f.Meta, before, "admin", "t1")
	if f.OrganizationID != tug.ID || f.Path != "progphys" || f.FullPath != "tugraz.progphys" || f.Title != "T" || f.Description != "D" {
		t.Errorf("course family = %+v", f)
	}
	// The same path in another organization is another family.
	other, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: uni.ID, Path: "progphys", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	if other.ID == f.ID || other.FullPath != "unigraz.progphys" {
		t.Errorf("family in another organization = %+v", other)
	}
	// Idempotence.
	again, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: tug.ID, Path: "progphys", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	if *again != *f {
		t.Errorf("retry = %+v, want %+v", again, f)
	}
	_, err = s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: tug.ID, Path: "progphys", CreatedByTask: "t2"})
	wantErr(t, err, derrors.Conflict)
	if want := `course family "tugraz.progphys": conflict`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	// Parents.
	_, err = s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: uuid.NewString(), Path: "x"})
	wantErr(t, err, derrors.NotFound)
	_, err = s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: "tugraz", Path: "x"})
	wantErr(t, err, derrors.Invalid)

	for _, tc := range []struct {
		name, arg string
		want      *CourseFamily
		wantErr   error
	}{
		{"by id", f.ID, f, nil},
		{"by full path", "tugraz.progphys", f, nil},
		{"other by full path", "unigraz.progphys", other, nil},
		{"by bare path", "progphys", nil, derrors.NotFound},
		{"unknown", "tugraz.nope", nil, derrors.NotFound},
		{"too long", "tugraz.progphys.2026", nil, derrors.NotFound},
		{"unknown id", uuid.NewString(), nil, derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CourseFamilyGet(ctx, tc.arg)
			wantErr(t, err, tc.wantErr)
			if tc.want != nil && *got != *tc.want {
				t.Errorf("get = %+v, want %+v", got, tc.want)
			}
		})
	}
	list, err := s.CourseFamilyList(ctx)
	wantErr(t, err, nil)
	if len(list) != 2 || list[0] != *f || list[1] != *other {
		t.Errorf("list = %+v", list)
	}
}

func testCourse(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	f2, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: h.org.ID, Path: "algo"})
	wantErr(t, err, nil)
	before := time.Now()
	c, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2027", Title: "T", Description: "D", CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, c.Meta, before, "admin", "t1")
	if c.CourseFamilyID != h.family.ID || c.OrganizationID != h.org.ID || c.Path != "2027" ||
		c.FullPath != "tugraz.progphys.2027" || c.Title != "T" || c.Description != "D" {
		t.Errorf("course = %+v", c)
	}
	other, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: f2.ID, Path: "2026"})
	wantErr(t, err, nil)
	if other.FullPath != "tugraz.algo.2026" {
		t.Errorf("course in another family = %+v", other)
	}
	again, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2027", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	if *again != *c {
		t.Errorf("retry = %+v, want %+v", again, c)
	}
	_, err = s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2027", CreatedByTask: "t2"})
	wantErr(t, err, derrors.Conflict)
	if want := `course "tugraz.progphys.2027": conflict`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	_, err = s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: uuid.NewString(), Path: "x"})
	wantErr(t, err, derrors.NotFound)
	_, err = s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: "", Path: "x"})
	wantErr(t, err, derrors.Invalid)

	for _, tc := range []struct {
		name, arg string
		want      *Course
		wantErr   error
	}{
		{"by id", c.ID, c, nil},
		{"by full path", "tugraz.progphys.2027", c, nil},
		{"other", "tugraz.algo.2026", other, nil},
		{"family path", "tugraz.progphys", nil, derrors.NotFound},
		{"unknown", "tugraz.algo.2027", nil, derrors.NotFound},
		{"unknown id", uuid.NewString(), nil, derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CourseGet(ctx, tc.arg)
			wantErr(t, err, tc.wantErr)
			if tc.want != nil && *got != *tc.want {
				t.Errorf("get = %+v, want %+v", got, tc.want)
			}
		})
	}
	list, err := s.CourseList(ctx)
	wantErr(t, err, nil)
	var paths []string
	for _, c := range list {
		paths = append(paths, c.FullPath)
	}
	if got, want := strings.Join(paths, " "), "tugraz.algo.2026 tugraz.progphys.2026 tugraz.progphys.2027"; got != want {
		t.Errorf("list = %s, want %s", got, want)
	}
}

func testInvalidPathSegments(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	for _, seg := range []string{"", "Tugraz", "tu.graz", "-x", "_x", "tu graz", "tü", strings.Repeat("a", 65), uuid.NewString()} {
		t.Run(fmt.Sprintf("%q", seg), func(t *testing.T) {
			_, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: seg})
			wantErr(t, err, derrors.Invalid)
			_, err = s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: h.org.ID, Path: seg})
			wantErr(t, err, derrors.Invalid)
			_, err = s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: seg})
			wantErr(t, err, derrors.Invalid)
		})
	}
}

func testCourseGroup(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	before := time.Now()
	g, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: h.course.ID, Title: "Group B", CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, g.Meta, before, "admin", "t1")
	if g.CourseID != h.course.ID || g.Title != "Group B" {
		t.Errorf("group = %+v", g)
	}
	again, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: h.course.ID, Title: "Group B", CreatedByTask: "t2"})
	wantErr(t, err, nil)
	if *again != *g {
		t.Errorf("find = %+v, want %+v", again, g)
	}
	a, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: h.course.ID, Title: "Group A"})
	wantErr(t, err, nil)
	list, err := s.CourseGroupList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(list) != 2 || list[0] != *a || list[1] != *g {
		t.Errorf("list = %+v", list)
	}
	for _, tc := range []struct {
		name, course, title string
		wantErr             error
	}{
		{"unknown course", uuid.NewString(), "x", derrors.NotFound},
		{"bad course id", "tugraz.progphys.2026", "x", derrors.Invalid},
		{"empty title", h.course.ID, "", derrors.Invalid},
		{"padded title", h.course.ID, " x", derrors.Invalid},
		{"long title", h.course.ID, strings.Repeat("x", 256), derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: tc.course, Title: tc.title})
			wantErr(t, err, tc.wantErr)
		})
	}
	_, err = s.CourseGroupList(ctx, uuid.NewString())
	wantErr(t, err, derrors.NotFound)
	_, err = s.CourseGroupList(ctx, "nope")
	wantErr(t, err, derrors.NotFound)
}

func testCourseMember(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	g, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: h.course.ID, Title: "A"})
	wantErr(t, err, nil)
	bob, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "bob"})
	wantErr(t, err, nil)
	alice, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "alice"})
	wantErr(t, err, nil)

	before := time.Now()
	mb, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: bob.ID, Role: RoleStudent, CourseGroupID: g.ID, CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, mb.Meta, before, "admin", "t1")
	if mb.CourseID != h.course.ID || mb.UserID != bob.ID || mb.Username != "bob" || mb.Role != RoleStudent || mb.CourseGroupID != g.ID {
		t.Errorf("member = %+v", mb)
	}
	// The existing membership wins, whatever the role asked for.
	again, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: bob.ID, Role: RoleLecturer, CreatedByTask: "t2"})
	wantErr(t, err, nil)
	if *again != *mb {
		t.Errorf("find = %+v, want %+v", again, mb)
	}
	ma, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: alice.ID, Role: RoleLecturer})
	wantErr(t, err, nil)
	if ma.CourseGroupID != "" || ma.Username != "alice" {
		t.Errorf("member without group = %+v", ma)
	}

	got, err := s.CourseMemberGet(ctx, mb.ID)
	wantErr(t, err, nil)
	if *got != *mb {
		t.Errorf("get = %+v, want %+v", got, mb)
	}
	got, err = s.CourseMemberGetByUser(ctx, h.course.ID, "alice")
	wantErr(t, err, nil)
	if *got != *ma {
		t.Errorf("get by user = %+v, want %+v", got, ma)
	}
	list, err := s.CourseMemberList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(list) != 2 || list[0] != *ma || list[1] != *mb {
		t.Errorf("list = %+v", list)
	}

	otherCourse, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2027"})
	wantErr(t, err, nil)
	otherGroup, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: otherCourse.ID, Title: "A"})
	wantErr(t, err, nil)
	carol, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "carol"})
	wantErr(t, err, nil)
	for _, tc := range []struct {
		name    string
		p       CourseMemberCreateParams
		wantErr error
	}{
		{"unknown role", CourseMemberCreateParams{CourseID: h.course.ID, UserID: carol.ID, Role: "_admin"}, derrors.Invalid},
		{"empty role", CourseMemberCreateParams{CourseID: h.course.ID, UserID: carol.ID}, derrors.Invalid},
		{"unknown course", CourseMemberCreateParams{CourseID: uuid.NewString(), UserID: carol.ID, Role: RoleStudent}, derrors.NotFound},
		{"unknown user", CourseMemberCreateParams{CourseID: h.course.ID, UserID: uuid.NewString(), Role: RoleStudent}, derrors.NotFound},
		{"unknown group", CourseMemberCreateParams{CourseID: h.course.ID, UserID: carol.ID, Role: RoleStudent, CourseGroupID: uuid.NewString()}, derrors.NotFound},
		{"group of another course", CourseMemberCreateParams{CourseID: h.course.ID, UserID: carol.ID, Role: RoleStudent, CourseGroupID: otherGroup.ID}, derrors.Invalid},
		{"bad user id", CourseMemberCreateParams{CourseID: h.course.ID, UserID: "carol", Role: RoleStudent}, derrors.Invalid},
		{"bad group id", CourseMemberCreateParams{CourseID: h.course.ID, UserID: carol.ID, Role: RoleStudent, CourseGroupID: "A"}, derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseMemberFindOrCreate(ctx, tc.p)
			wantErr(t, err, tc.wantErr)
		})
	}
	// Every seeded role is accepted.
	for i, role := range Roles {
		u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: fmt.Sprintf("role%d", i)})
		wantErr(t, err, nil)
		m, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: otherCourse.ID, UserID: u.ID, Role: role})
		wantErr(t, err, nil)
		if m.Role != role {
			t.Errorf("role = %q, want %q", m.Role, role)
		}
	}

	for _, tc := range []struct {
		name, course, user string
	}{
		{"not a member", h.course.ID, "carol"},
		{"unknown user", h.course.ID, "dave"},
		{"unknown course", uuid.NewString(), "bob"},
		{"bad course id", "tugraz.progphys.2026", "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseMemberGetByUser(ctx, tc.course, tc.user)
			wantErr(t, err, derrors.NotFound)
		})
	}
	_, err = s.CourseMemberGet(ctx, uuid.NewString())
	wantErr(t, err, derrors.NotFound)
	_, err = s.CourseMemberGet(ctx, "x")
	wantErr(t, err, derrors.NotFound)
	_, err = s.CourseMemberList(ctx, uuid.NewString())
	wantErr(t, err, derrors.NotFound)
}

func testMembershipsOf(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	// Courses whose full paths sort differently from their creation.
	c2, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2025"})
	wantErr(t, err, nil)
	c3, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: h.family.ID, Path: "2024"})
	wantErr(t, err, nil)
	bob, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "bob"})
	wantErr(t, err, nil)
	alice, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "alice"})
	wantErr(t, err, nil)
	var want []CourseMember
	for _, c := range []struct {
		course *Course
		role   string
	}{{c3, RoleTutor}, {c2, RoleStudent}, {h.course, RoleLecturer}} {
		m, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: c.course.ID, UserID: bob.ID, Role: c.role})
		wantErr(t, err, nil)
		want = append(want, *m)
	}
	_, err = s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: alice.ID, Role: RoleOwner})
	wantErr(t, err, nil)

	got, err := s.MembershipsOf(ctx, "bob")
	wantErr(t, err, nil)
	if len(got) != len(want) {
		t.Fatalf("memberships = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("membership %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	none, err := s.MembershipsOf(ctx, "nobody")
	wantErr(t, err, nil)
	if none == nil || len(none) != 0 {
		t.Errorf("memberships of nobody = %#v, want an empty slice", none)
	}
}

func testCourseContent(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	before := time.Now()
	c, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "week1/hello", Title: "Hello", MaxTestRuns: 10, MaxSubmissions: 3, CreatedBy: "admin", CreatedByTask: "t1"})
	wantErr(t, err, nil)
	checkMeta(t, c.Meta, before, "admin", "t1")
	if c.CourseID != h.course.ID || c.Path != "week1/hello" || c.Title != "Hello" || c.MaxTestRuns != 10 ||
		c.MaxSubmissions != 3 || c.ReleasedCommit != "" || c.ReleasedAt != nil {
		t.Errorf("content = %+v", c)
	}
	// Unchanged: nothing moves.
	same, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "week1/hello", Title: "Hello", MaxTestRuns: 10, MaxSubmissions: 3, CreatedByTask: "t2"})
	wantErr(t, err, nil)
	if !equalContent(same, c) {
		t.Errorf("unchanged upsert = %+v, want %+v", same, c)
	}
	released, err := s.CourseContentRelease(ctx, c.ID, "0123456789abcdef0123456789abcdef01234567", time.Now(), "")
	wantErr(t, err, nil)
	// Changed: title and limits move, the release and the origin stay.
	time.Sleep(time.Millisecond)
	up, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "week1/hello", Title: "Hello, world", MaxTestRuns: 0, MaxSubmissions: 5, CreatedBy: "other", CreatedByTask: "t2"})
	wantErr(t, err, nil)
	if up.ID != c.ID || up.Title != "Hello, world" || up.MaxTestRuns != 0 || up.MaxSubmissions != 5 {
		t.Errorf("updated content = %+v", up)
	}
	if up.ReleasedCommit != released.ReleasedCommit || up.ReleasedAt == nil || !up.ReleasedAt.Equal(*released.ReleasedAt) {
		t.Errorf("upsert touched the release: %+v, released %+v", up, released)
	}
	if !up.CreatedAt.Equal(c.CreatedAt) || !up.UpdatedAt.After(released.UpdatedAt) || up.CreatedBy != "admin" || up.CreatedByTask != "t1" {
		t.Errorf("updated meta = %+v, created %+v", up.Meta, c.Meta)
	}

	b1, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "Week1/Bonus.v2", Title: "Bonus"})
	wantErr(t, err, nil)
	for _, tc := range []struct {
		name, course, arg string
		want              *CourseContent
		wantErr           error
	}{
		{"by id", h.course.ID, c.ID, up, nil},
		{"by path", h.course.ID, "week1/hello", up, nil},
		{"mixed case path", h.course.ID, "Week1/Bonus.v2", b1, nil},
		{"unknown path", h.course.ID, "week2", nil, derrors.NotFound},
		{"unknown id", h.course.ID, uuid.NewString(), nil, derrors.NotFound},
		{"another course", uuid.NewString(), c.ID, nil, derrors.NotFound},
		{"bad course id", "x", "week1/hello", nil, derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CourseContentGet(ctx, tc.course, tc.arg)
			wantErr(t, err, tc.wantErr)
			if tc.want != nil && !equalContent(got, tc.want) {
				t.Errorf("get = %+v, want %+v", got, tc.want)
			}
		})
	}
	list, err := s.CourseContentList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(list) != 2 || !equalContent(&list[0], b1) || !equalContent(&list[1], up) {
		t.Errorf("list = %+v", list)
	}
	_, err = s.CourseContentList(ctx, uuid.NewString())
	wantErr(t, err, derrors.NotFound)

	for _, tc := range []struct {
		name string
		p    CourseContentUpsertParams
		want error
	}{
		{"unknown course", CourseContentUpsertParams{CourseID: uuid.NewString(), Path: "a"}, derrors.NotFound},
		{"bad course id", CourseContentUpsertParams{CourseID: "c", Path: "a"}, derrors.Invalid},
		{"dot-dot", CourseContentUpsertParams{CourseID: h.course.ID, Path: "a/../b"}, derrors.Invalid},
		{"absolute", CourseContentUpsertParams{CourseID: h.course.ID, Path: "/a"}, derrors.Invalid},
		{"negative runs", CourseContentUpsertParams{CourseID: h.course.ID, Path: "a", MaxTestRuns: -1}, derrors.Invalid},
		{"negative submissions", CourseContentUpsertParams{CourseID: h.course.ID, Path: "a", MaxSubmissions: -1}, derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseContentUpsert(ctx, tc.p)
			wantErr(t, err, tc.want)
		})
	}
	// A deadline is set, kept by an unchanged upsert, moved, and removed.
	deadline := time.Date(2026, 12, 1, 22, 59, 0, 0, time.UTC)
	for _, want := range []*time.Time{&deadline, &deadline, ptr(deadline.Add(48 * time.Hour)), nil} {
		got, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "week9/deadline", Title: "Due",
			Deadline: want})
		wantErr(t, err, nil)
		again, err := s.CourseContentGet(ctx, h.course.ID, "week9/deadline")
		wantErr(t, err, nil)
		for _, c := range []*CourseContent{got, again} {
			if (want == nil) != (c.Deadline == nil) || want != nil && !c.Deadline.Equal(*want) {
				t.Errorf("deadline %v, want %v", c.Deadline, want)
			}
		}
	}
}

// equalContent compares contents by value, released time included.
func equalContent(a, b *CourseContent) bool {
	at, bt := a.ReleasedAt, b.ReleasedAt
	if (at == nil) != (bt == nil) || at != nil && !at.Equal(*bt) {
		return false
	}
	ad, bd := a.Deadline, b.Deadline
	if (ad == nil) != (bd == nil) || ad != nil && !ad.Equal(*bd) {
		return false
	}
	x, y := *a, *b
	x.ReleasedAt, y.ReleasedAt, x.Deadline, y.Deadline = nil, nil, nil, nil
	return x == y

}

func testCourseContentRelease(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	c, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "a"})
	wantErr(t, err, nil)
	at := time.Date(2026, 3, 1, 12, 30, 0, 123456789, time.FixedZone("CET", 3600))
	before := time.Now()
	r, err := s.CourseContentRelease(ctx, c.ID, "ABCDEF0123", at, "")
	wantErr(t, err, nil)
	if r.ReleasedCommit != "abcdef0123" || r.ReleasedAt == nil || !r.ReleasedAt.Equal(at.Truncate(time.Microsecond)) ||
		r.ReleasedAt.Location() != time.UTC {
		t.Errorf("released = %+v at %v", r, r.ReleasedAt)
	}
	if r.UpdatedAt.Before(before.Truncate(time.Microsecond)) || !r.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("release meta = %+v", r.Meta)
	}
	// A zero time means now.
	r2, err := s.CourseContentRelease(ctx, c.ID, "0123456", time.Time{}, "")
	wantErr(t, err, nil)
	if r2.ReleasedAt == nil || r2.ReleasedAt.Before(before.Truncate(time.Microsecond)) || r2.ReleasedCommit != "0123456" {
		t.Errorf("released now = %+v at %v", r2, r2.ReleasedAt)
	}
	for _, tc := range []struct {
		name, id, commit string
		want             error
	}{
		{"unknown id", uuid.NewString(), "abcd", derrors.NotFound},
		{"bad id", "a", "abcd", derrors.NotFound},
		{"empty commit", c.ID, "", derrors.Invalid},
		{"not hex", c.ID, "main", derrors.Invalid},
		{"too long", c.ID, strings.Repeat("a", 65), derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseContentRelease(ctx, tc.id, tc.commit, at, "")
			wantErr(t, err, tc.want)
		})
	}
}

// parallel runs f n times at once and returns the errors.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testConcurrentCreate(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	const n = 10

	t.Run("same task", func(t *testing.T) {
		ids := make([]string, n)
		errs := parallel(n, func(i int) error {
			o, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "same", CreatedByTask: "t"})
			if err == nil {
				ids[i] = o.ID
			}
			return err
		})
		for i, err := range errs {
			wantErr(t, err, nil)
			if ids[i] != ids[0] {
				t.Errorf("create %d made %s, create 0 made %s", i, ids[i], ids[0])
			}
		}
	})
	t.Run("different tasks", func(t *testing.T) {
		errs := parallel(n, func(i int) error {
			_, err := s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "race", CreatedByTask: fmt.Sprint("t", i)})
			return err
		})
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantErr(t, err, derrors.Conflict)
		}
		if won != 1 {
			t.Errorf("%d creates won, want 1", won)
		}
	})
	t.Run("find or create", func(t *testing.T) {
		h := hierarchy{}
		org, err := s.OrganizationGet(ctx, "same")
		wantErr(t, err, nil)
		f, err := s.CourseFamilyCreate(ctx, CourseFamilyCreateParams{OrganizationID: org.ID, Path: "f"})
		wantErr(t, err, nil)
		h.course, err = s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: f.ID, Path: "c"})
		wantErr(t, err, nil)
		users := make([]string, n)
		groups := make([]string, n)
		members := make([]string, n)
		errs := parallel(n, func(i int) error {
			u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "alice", CreatedByTask: fmt.Sprint("t", i)})
			if err != nil {
				return err
			}
			g, err := s.CourseGroupFindOrCreate(ctx, CourseGroupCreateParams{CourseID: h.course.ID, Title: "G", CreatedByTask: fmt.Sprint("t", i)})
			if err != nil {
				return err
			}
			m, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: u.ID, Role: Roles[i%len(Roles)], CourseGroupID: g.ID})
			if err != nil {
				return err
			}
			_, err = s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: "a", Title: fmt.Sprint(i)})
			users[i], groups[i], members[i] = u.ID, g.ID, m.ID
			return err
		})
		for i, err := range errs {
			wantErr(t, err, nil)
			if users[i] != users[0] || groups[i] != groups[0] || members[i] != members[0] {
				t.Errorf("goroutine %d got %s %s %s, goroutine 0 %s %s %s", i, users[i], groups[i], members[i], users[0], groups[0], members[0])
			}
		}
		for name, count := range map[string]func() (int, error){
			"groups":   func() (int, error) { l, err := s.CourseGroupList(ctx, h.course.ID); return len(l), err },
			"members":  func() (int, error) { l, err := s.CourseMemberList(ctx, h.course.ID); return len(l), err },
			"contents": func() (int, error) { l, err := s.CourseContentList(ctx, h.course.ID); return len(l), err },
		} {
			got, err := count()
			wantErr(t, err, nil)
			if got != 1 {
				t.Errorf("%d %s, want 1", got, name)
			}
		}
	})
	orgs, err := s.OrganizationList(ctx)
	wantErr(t, err, nil)
	if len(orgs) != 2 {
		t.Errorf("organizations = %+v, want race and same", orgs)
	}
}

// testConcurrentWrites makes many rows at once and reads beside them, which
// SQLite must queue without "database is locked".
func testConcurrentWrites(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	const n = 20
	errs := parallel(n, func(i int) error {
		u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: fmt.Sprintf("user%02d", i)})
		if err != nil {
			return err
		}
		if _, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: u.ID, Role: RoleStudent}); err != nil {
			return err
		}
		if _, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: h.course.ID, Path: fmt.Sprintf("a%02d", i)}); err != nil {
			return err
		}
		_, err = s.CourseMemberList(ctx, h.course.ID)
		return err
	})
	for _, err := range errs {
		wantErr(t, err, nil)
	}
	members, err := s.CourseMemberList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(members) != n || members[0].Username != "user00" || members[n-1].Username != fmt.Sprintf("user%02d", n-1) {
		t.Errorf("%d members, want %d in order: %+v", len(members), n, members)
	}
}

// migrationCount counts the applied migrations recorded by goose.
func migrationCount(t *testing.T, s Store) int {
	t.Helper()
	var n int
	if err := s.(*sqlStore).db.QueryRowContext(t.Context(), `SELECT count(*) FROM goose_db_version`).Scan(&n); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	return n
}

func testReopen(t *testing.T, b *bundle) {
	u := b.freshURL(t)
	s1, err := Open(t.Context(), u)
	wantErr(t, err, nil)
	org, err := s1.OrganizationCreate(t.Context(), OrganizationCreateParams{Path: "tugraz"})
	wantErr(t, err, nil)
	applied := migrationCount(t, s1)
	if applied < 2 { // goose's version 0 and ours
		t.Errorf("%d migration rows after the first open", applied)
	}
	wantErr(t, s1.Close(), nil)

	s2 := openURL(t, u)
	if got := migrationCount(t, s2); got != applied {
		t.Errorf("%d migration rows after reopening, want %d", got, applied)
	}
	got, err := s2.OrganizationGet(t.Context(), "tugraz")
	wantErr(t, err, nil)
	if *got != *org {
		t.Errorf("after reopening = %+v, want %+v", got, org)
	}
}

// testConcurrentOpen opens one fresh database from several goroutines at
// once: the migrations run exactly once.
func testConcurrentOpen(t *testing.T, b *bundle) {
	u := b.freshURL(t)
	const n = 3
	stores := make([]Store, n)
	errs := parallel(n, func(i int) error {
		s, err := Open(t.Context(), u)
		stores[i] = s
		return err
	})
	for i, err := range errs {
		wantErr(t, err, nil)
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	want := migrationCount(t, stores[0])
	for _, s := range stores {
		if got := migrationCount(t, s); got != want {
			t.Errorf("%d migration rows, want %d", got, want)
		}
	}
	if _, err := stores[1].OrganizationCreate(t.Context(), OrganizationCreateParams{Path: "x"}); err != nil {
		t.Fatalf("create after a concurrent open: %v", err)
	}
}

func testCanceledContext(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.OrganizationList(ctx)
	wantErr(t, err, context.Canceled)
	_, err = s.OrganizationCreate(ctx, OrganizationCreateParams{Path: "x"})
	wantErr(t, err, context.Canceled)
	_, err = s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: uuid.NewString(), CourseContentID: uuid.NewString(), Commit: "abcd", TaskID: "t"})
	wantErr(t, err, context.Canceled)
}

func ptr[T any](v T) *T { return &v }

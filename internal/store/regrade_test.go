package store

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
)

const (
	versionOld = "1111111111111111111111111111111111111111"
	versionNew = "2222222222222222222222222222222222222222"
)

// A release with other tests makes its commit the tests version; one with
// the same tests, or without a digest, keeps it.
func testTestsVersion(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	release := func(commit, digest string) string {
		t.Helper()
		c, err := s.CourseContentRelease(ctx, a.hello.ID, commit, time.Time{}, digest)
		wantErr(t, err, nil)
		return c.TestsVersion
	}
	for i, step := range []struct{ commit, digest, want string }{
		{versionOld, "d1", versionOld}, // the first release sets it
		{commitA, "d1", versionOld},    // same tests
		{commitB, "", versionOld},      // no digest: unknown, kept
		{versionNew, "d2", versionNew}, // new tests
		{commitA, "d2", versionNew},    // same again
		{versionOld, "d1", versionOld}, // back to the old tests: a change too
	} {
		if got := release(step.commit, step.digest); got != step.want {
			t.Fatalf("step %d: tests version %s, want %s", i, got, step.want)
		}
	}
}

// A regrade supersedes its source, moves the submission's current result,
// keeps the source as history, is idempotent by the source, and clears
// the outdated flag; errors count for no limit.
func testRegrade(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	_, err := s.CourseContentRelease(ctx, a.hello.ID, versionOld, time.Time{}, "d1")
	wantErr(t, err, nil)
	finish := func(task string, score float64) {
		t.Helper()
		_, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: task, Status: ResultFinished, Score: score, Summary: json.RawMessage(`{"n":1}`)})
		wantErr(t, err, nil)
	}
	startV := func(member *CourseMember, task string) *TestResult {
		t.Helper()
		r, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: member.ID, CourseContentID: a.hello.ID,
			Commit: commitA, TaskID: task, TestsVersion: versionOld, MaxRuns: 3})
		wantErr(t, err, nil)
		return r
	}
	// alice: a practice run, then a graded submission; bob: a practice run.
	practice := startV(a.alice, "p1")
	finish("p1", 1)
	sub, err := s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: "s1"})
	wantErr(t, err, nil)
	graded := startV(a.alice, "s1-test")
	finish("s1-test", 1)
	_, err = s.SubmissionSetResult(ctx, sub.ID, graded.ID)
	wantErr(t, err, nil)
	bobs := startV(a.bob, "p2")
	finish("p2", 0.5)
	running := startV(a.bob, "p3")

	targets := func(scope string) []string {
		t.Helper()
		rs, err := s.RegradeTargets(ctx, a.hello.ID, scope)
		wantErr(t, err, nil)
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got := targets(RegradeGraded); len(got) != 0 {
		t.Fatalf("targets before the tests changed: %v", got)
	}
	_, err = s.CourseContentRelease(ctx, a.hello.ID, versionNew, time.Time{}, "d2")
	wantErr(t, err, nil)
	if got := targets(RegradeGraded); len(got) != 1 || got[0] != graded.ID {
		t.Fatalf("graded targets %v, want [%s]", got, graded.ID)
	}
	// alice's latest is her submission's run; bob's running run is not one.
	if got := targets(RegradeLatest); len(got) != 2 || !contains(got, graded.ID) || !contains(got, bobs.ID) {
		t.Fatalf("latest targets %v, want %s and %s", got, graded.ID, bobs.ID)
	}
	old, err := s.TestResultGet(ctx, graded.ID)
	wantErr(t, err, nil)
	if !old.Outdated || old.TestsVersion != versionOld {
		t.Fatalf("before the regrade: outdated %v, version %s", old.Outdated, old.TestsVersion)
	}
	_, _, err = s.TestResultRegrade(ctx, TestResultRegradeParams{SourceID: running.ID, TaskID: "rg/x", TestsVersion: versionNew, Status: ResultFinished})
	wantErr(t, err, derrors.Invalid)

	p := TestResultRegradeParams{SourceID: graded.ID, TaskID: "rg/" + graded.ID, TestsVersion: versionNew,
		Status: ResultFinished, Score: 0.25, RunStartedAt: time.Now(), CreatedBy: "lecturer"}
	re, created, err := s.TestResultRegrade(ctx, p)
	wantErr(t, err, nil)
	if !created || re.Supersedes != graded.ID || re.Score != 0.25 || re.SubmissionID != sub.ID || re.Outdated ||
		re.TestsVersion != versionNew || !re.CreatedAt.Equal(graded.CreatedAt) || re.RunStartedAt == nil {
		t.Fatalf("regrade = %+v (created %v)", re, created)
	}
	again, created, err := s.TestResultRegrade(ctx, TestResultRegradeParams{SourceID: graded.ID, TaskID: "rg2/" + graded.ID,
		TestsVersion: versionNew, Status: ResultFinished, Score: 1})
	wantErr(t, err, nil)
	if created || again.ID != re.ID || again.Score != 0.25 {
		t.Fatalf("second regrade: %+v (created %v), want the first", again, created)
	}
	old, err = s.TestResultGet(ctx, graded.ID)
	wantErr(t, err, nil)
	if old.SupersededBy != re.ID || old.Outdated || old.Score != 1 {
		t.Fatalf("the source after its regrade: %+v", old)
	}
	cur, err := s.SubmissionGetByTask(ctx, "s1")
	wantErr(t, err, nil)
	if cur.ResultID != re.ID {
		t.Fatalf("the submission's result is %s, want the regrade %s", cur.ResultID, re.ID)
	}
	gs, err := s.GradedSubmissions(ctx, a.course.ID)
	wantErr(t, err, nil)
	if len(gs) != 1 || gs[0].Score != 0.25 || gs[0].Outdated {
		t.Fatalf("gradebook rows %+v", gs)
	}
	if got := targets(RegradeGraded); len(got) != 0 {
		t.Fatalf("graded targets after the regrade: %v", got)
	}
	// The regrade does not use one of alice's three runs: a third run fits.
	startV(a.alice, "p4")
	_, err = s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID,
		Commit: commitA, TaskID: "p5", MaxRuns: 3})
	wantErr(t, err, derrors.LimitReached)
	_ = practice

	// A run the platform failed counts for no limit.
	_, err = s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "p3", Status: ResultError})
	wantErr(t, err, nil)
	startV(a.bob, "p6")
	startV(a.bob, "p7") // bob's third counted run: p2, p6, p7
	_, err = s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.bob.ID, CourseContentID: a.hello.ID,
		Commit: commitA, TaskID: "p8", MaxRuns: 3})
	wantErr(t, err, derrors.LimitReached)
}

// A submission whose grading failed for the platform's reasons uses up no
// submission and takes no place in line.
func testSubmissionError(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	submit := func(task string) (*Submission, error) {
		return s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID,
			Commit: commitA, TaskID: task, MaxSubmissions: 1})
	}
	sub, err := submit("e1")
	wantErr(t, err, nil)
	r := start(t, s, a.alice, a.hello, "e1-test")
	_, err = s.SubmissionSetResult(ctx, sub.ID, r.ID)
	wantErr(t, err, nil)
	_, err = s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "e1-test", Status: ResultError, Summary: json.RawMessage(`{"error":"sandbox"}`)})
	wantErr(t, err, nil)
	second, err := submit("e2")
	wantErr(t, err, nil)
	if second.Ordinal != 1 {
		t.Fatalf("the submission after an error is number %d, want 1", second.Ordinal)
	}
	_, err = submit("e3")
	wantErr(t, err, derrors.LimitReached)

	// Recent submissions: the one with an error result does not count,
	// nor do other members', other contents', or those after until.
	since, until := sub.CreatedAt.Add(-time.Second), time.Now().Add(time.Hour)
	for _, tc := range []struct {
		member, content string
		since, until    time.Time
		want            int
	}{
		{a.alice.ID, a.hello.ID, since, until, 1},
		{a.alice.ID, a.hello.ID, since, second.CreatedAt, 1},
		{a.alice.ID, a.hello.ID, since, second.CreatedAt.Add(-time.Microsecond), 0},
		{a.alice.ID, a.hello.ID, time.Now().Add(time.Hour), until.Add(time.Hour), 0},
		{a.bob.ID, a.hello.ID, since, until, 0},
		{a.alice.ID, a.bonus.ID, since, until, 0},
		{"not-an-id", a.hello.ID, since, until, 0},
	} {
		n, err := s.SubmissionsSince(ctx, tc.member, tc.content, tc.since, tc.until)
		if err != nil || n != tc.want {
			t.Errorf("SubmissionsSince(%s, %s, %s, %s) = %d, %v; want %d", tc.member, tc.content, tc.since, tc.until, n, err, tc.want)
		}
	}
}

// The test queue counts runs waiting and running, in a course and in all,
// and the recent runs' mean wait and run time.
func testTestQueue(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	since := time.Now().Add(-time.Minute)
	start(t, s, a.alice, a.hello, "q1")              // waiting
	start(t, s, a.bob, a.hello, "q2")                // running
	start(t, s, a.otherMember, a.otherContent, "q3") // waiting, another course
	start(t, s, a.alice, a.bonus, "q4")              // finished
	wantErr(t, s.TestResultRunStarted(ctx, "q2", time.Now()), nil)
	wantErr(t, s.TestResultRunStarted(ctx, "q4", time.Now()), nil)
	wantErr(t, s.TestResultRunStarted(ctx, "q4", time.Now().Add(time.Hour)), nil) // the first stays
	_, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "q4", Status: ResultFinished, Score: 1})
	wantErr(t, err, nil)
	q, err := s.TestQueue(ctx, a.course.ID, since)
	wantErr(t, err, nil)
	if q.CourseWaiting != 1 || q.CourseRunning != 1 || q.Waiting != 2 || q.Running != 1 || q.Finished != 1 ||
		q.MeanRunS < 0 || q.MeanRunS > 60 || q.PerMinute <= 0 || q.OldestWaitS < 0 {
		t.Fatalf("queue %+v", q)
	}
	if n, err := s.TestRunsWaitingBefore(ctx, time.Now()); err != nil || n != 2 {
		t.Fatalf("%d runs waiting (%v), want 2", n, err)
	}
	r, err := s.TestResultGetByTask(ctx, "q4")
	wantErr(t, err, nil)
	if r.RunStartedAt == nil || r.RunStartedAt.After(time.Now()) {
		t.Fatalf("run started at %v", r.RunStartedAt)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

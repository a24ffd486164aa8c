package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/google/uuid"
)

// The shared suite's tests of test results and submissions.

// Commits to test and submit.
const (
	commitA = "0123456789abcdef0123456789abcdef01234567"
	commitB = "89abcdef0123456789abcdef0123456789abcdef"
)

// assignment is a course with students and contents to hang test results
// and submissions on, beside another course.
type assignment struct {
	hierarchy
	alice, bob   *CourseMember  // students of the course
	hello, bonus *CourseContent // contents of the course
	otherMember  *CourseMember  // alice in the other course
	otherContent *CourseContent // a content of the other course
}

// makeAssignment creates an assignment in s.
func makeAssignment(t *testing.T, s Store) assignment {
	t.Helper()
	ctx := t.Context()
	a := assignment{hierarchy: makeHierarchy(t, s)}
	other, err := s.CourseCreate(ctx, CourseCreateParams{CourseFamilyID: a.family.ID, Path: "2027"})
	wantErr(t, err, nil)
	member := func(course, username string) *CourseMember {
		u, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: username})
		wantErr(t, err, nil)
		m, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: course, UserID: u.ID, Role: RoleStudent})
		wantErr(t, err, nil)
		return m
	}
	content := func(course, path string) *CourseContent {
		c, err := s.CourseContentUpsert(ctx, CourseContentUpsertParams{CourseID: course, Path: path, MaxTestRuns: 3, MaxSubmissions: 2})
		wantErr(t, err, nil)
		return c
	}
	a.alice, a.bob = member(a.course.ID, "alice"), member(a.course.ID, "bob")
	a.hello, a.bonus = content(a.course.ID, "week1/hello"), content(a.course.ID, "week1/bonus")
	a.otherMember, a.otherContent = member(other.ID, "alice"), content(other.ID, "week1/hello")
	return a
}

// start starts a test of commitA by member of content for task, without a
// limit.
func start(t *testing.T, s Store, member *CourseMember, content *CourseContent, task string) *TestResult {
	t.Helper()
	r, err := s.TestResultStart(t.Context(), TestResultStartParams{CourseMemberID: member.ID, CourseContentID: content.ID, Commit: commitA, TaskID: task})
	wantErr(t, err, nil)
	return r
}

// equalResult compares results by value, the summary as JSON.
func equalResult(a, b *TestResult) bool {
	at, bt := a.FinishedAt, b.FinishedAt
	if (at == nil) != (bt == nil) || at != nil && !at.Equal(*bt) {
		return false
	}
	if !equalJSON(a.Summary, b.Summary) {
		return false
	}
	x, y := *a, *b
	x.FinishedAt, y.FinishedAt, x.Summary, y.Summary = nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}

// equalJSON reports whether a and b hold the same JSON value; both empty
// is equal too.
func equalJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func testTestResult(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	before := time.Now()
	r, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: strings.ToUpper(a.alice.ID), CourseContentID: a.hello.ID,
		Commit: strings.ToUpper(commitA), TaskID: "t1", MaxRuns: 3, CreatedBy: "alice"})
	wantErr(t, err, nil)
	checkMeta(t, r.Meta, before, "alice", "t1")
	if r.CourseID != a.course.ID || r.CourseMemberID != a.alice.ID || r.CourseContentID != a.hello.ID ||
		r.Username != "alice" || r.ContentPath != "week1/hello" || r.Commit != commitA || r.TaskID != "t1" ||
		r.Status != ResultRunning || r.Score != 0 || r.Summary != nil || r.SubmissionID != "" || r.FinishedAt != nil {
		t.Errorf("started result = %+v", r)
	}
	// The same task gets its row back; another member, content or commit
	// of that task conflicts.
	again, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: "t1", MaxRuns: 3})
	wantErr(t, err, nil)
	if !equalResult(again, r) {
		t.Errorf("retried start = %+v, want %+v", again, r)
	}
	for _, p := range []TestResultStartParams{
		{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitB, TaskID: "t1"},
		{CourseMemberID: a.bob.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: "t1"},
		{CourseMemberID: a.alice.ID, CourseContentID: a.bonus.ID, Commit: commitA, TaskID: "t1"},
	} {
		_, err := s.TestResultStart(ctx, p)
		wantErr(t, err, derrors.Conflict)
	}
	got, err := s.TestResultGetByTask(ctx, "t1")
	wantErr(t, err, nil)
	if !equalResult(got, r) {
		t.Errorf("get = %+v, want %+v", got, r)
	}

	beforeFinish := time.Now()
	summary := json.RawMessage(`{ "tests": [ {"name": "hello", "passed": true, "output": "h\u00e9\n"} ], "b": 1.5, "a": null }`)
	fin, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t1", Status: ResultFinished, Score: 0.75, Summary: summary})
	wantErr(t, err, nil)
	if fin.ID != r.ID || fin.Status != ResultFinished || fin.Score != 0.75 || !equalJSON(fin.Summary, summary) {
		t.Errorf("finished result = %+v, summary %s", fin, fin.Summary)
	}
	if fin.FinishedAt == nil || fin.FinishedAt.Location() != time.UTC || fin.FinishedAt.Before(beforeFinish.Truncate(time.Microsecond)) ||
		!fin.UpdatedAt.Equal(*fin.FinishedAt) || !fin.CreatedAt.Equal(r.CreatedAt) || fin.CreatedByTask != "t1" {
		t.Errorf("finished meta = %+v, finished at %v", fin.Meta, fin.FinishedAt)
	}
	// The result marshals with its summary as JSON.
	out, err := json.Marshal(fin)
	wantErr(t, err, nil)
	var decoded struct {
		Summary    map[string]any `json:"summary"`
		FinishedAt *time.Time     `json:"finished_at"`
	}
	if err := json.Unmarshal(out, &decoded); err != nil || decoded.Summary["b"] != 1.5 || decoded.FinishedAt == nil {
		t.Errorf("marshaled result %s: %v", out, err)
	}
	// Finishing again with the same values, in another key order, returns
	// the row as it is; other values conflict.
	same, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t1", Status: ResultFinished, Score: 0.75,
		Summary: json.RawMessage(`{"a":null,"b":1.50,"tests":[{"output":"hé\n","passed":true,"name":"hello"}]}`)})
	wantErr(t, err, nil)
	if !equalResult(same, fin) {
		t.Errorf("finish again = %+v, want %+v", same, fin)
	}
	for _, p := range []TestResultFinishParams{
		{TaskID: "t1", Status: ResultFinished, Score: 0.5, Summary: summary},
		{TaskID: "t1", Status: ResultError, Score: 0.75, Summary: summary},
		{TaskID: "t1", Status: ResultFinished, Score: 0.75, Summary: json.RawMessage(`{"b":1.5}`)},
		{TaskID: "t1", Status: ResultFinished, Score: 0.75},
	} {
		_, err := s.TestResultFinish(ctx, p)
		wantErr(t, err, derrors.Conflict)
	}
	// A start retried after the finish gets the finished row.
	again, err = s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: "t1"})
	wantErr(t, err, nil)
	if !equalResult(again, fin) {
		t.Errorf("start after finish = %+v, want %+v", again, fin)
	}
	got, err = s.TestResultGetByTask(ctx, "t1")
	wantErr(t, err, nil)
	if !equalResult(got, fin) {
		t.Errorf("get after finish = %+v, want %+v", got, fin)
	}

	// A failed test, with a JSON null for a summary, which is none.
	start(t, s, a.bob, a.hello, "t2")
	failed, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t2", Status: ResultError, Summary: json.RawMessage(" null ")})
	wantErr(t, err, nil)
	if failed.Status != ResultError || failed.Score != 0 || failed.Summary != nil || failed.FinishedAt == nil || failed.Username != "bob" {
		t.Errorf("failed result = %+v", failed)
	}
	_, err = s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t2", Status: ResultError})
	wantErr(t, err, nil)
	// The bounds of the score, and a summary string that spells \u0000
	// without holding a NUL.
	for i, score := range []float64{0, 1} {
		task := fmt.Sprint("bound", i)
		start(t, s, a.bob, a.bonus, task)
		r, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: task, Status: ResultFinished, Score: score, Summary: json.RawMessage(`{"s":"\\u0000"}`)})
		wantErr(t, err, nil)
		if r.Score != score || !equalJSON(r.Summary, json.RawMessage(`{"s":"\\u0000"}`)) {
			t.Errorf("finished with score %v = %+v, summary %s", score, r, r.Summary)
		}
	}
	_, err = s.TestResultGetByTask(ctx, "nope")
	wantErr(t, err, derrors.NotFound)
	_, err = s.TestResultGetByTask(ctx, "")
	wantErr(t, err, derrors.NotFound)
}

func testTestResultValidation(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	ok := TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: "t"}
	for _, tc := range []struct {
		name string
		edit func(p *TestResultStartParams)
		want error
	}{
		{"bad member id", func(p *TestResultStartParams) { p.CourseMemberID = "alice" }, derrors.Invalid},
		{"bad content id", func(p *TestResultStartParams) { p.CourseContentID = "week1/hello" }, derrors.Invalid},
		{"unknown member", func(p *TestResultStartParams) { p.CourseMemberID = uuid.NewString() }, derrors.NotFound},
		{"unknown content", func(p *TestResultStartParams) { p.CourseContentID = uuid.NewString() }, derrors.NotFound},
		{"content of another course", func(p *TestResultStartParams) { p.CourseContentID = a.otherContent.ID }, derrors.Invalid},
		{"member of another course", func(p *TestResultStartParams) { p.CourseMemberID = a.otherMember.ID }, derrors.Invalid},
		{"empty commit", func(p *TestResultStartParams) { p.Commit = "" }, derrors.Invalid},
		{"branch", func(p *TestResultStartParams) { p.Commit = "main" }, derrors.Invalid},
		{"long commit", func(p *TestResultStartParams) { p.Commit = strings.Repeat("a", 65) }, derrors.Invalid},
		{"empty task", func(p *TestResultStartParams) { p.TaskID = "" }, derrors.Invalid},
		{"negative limit", func(p *TestResultStartParams) { p.MaxRuns = -1 }, derrors.Invalid},
	} {
		t.Run("start "+tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := s.TestResultStart(ctx, p)
			wantErr(t, err, tc.want)
		})
	}
	_, err := s.TestResultGetByTask(ctx, "t")
	wantErr(t, err, derrors.NotFound)

	running := start(t, s, a.alice, a.hello, "t")
	for _, tc := range []struct {
		name string
		p    TestResultFinishParams
		want error
	}{
		{"running", TestResultFinishParams{TaskID: "t", Status: ResultRunning}, derrors.Invalid},
		{"no status", TestResultFinishParams{TaskID: "t"}, derrors.Invalid},
		{"unknown status", TestResultFinishParams{TaskID: "t", Status: "passed"}, derrors.Invalid},
		{"negative score", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Score: -0.01}, derrors.Invalid},
		{"score above 1", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Score: 1.5}, derrors.Invalid},
		{"NaN score", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Score: math.NaN()}, derrors.Invalid},
		{"infinite score", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Score: math.Inf(1)}, derrors.Invalid},
		{"truncated summary", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage(`{"a":`)}, derrors.Invalid},
		{"two values", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage(`{} {}`)}, derrors.Invalid},
		{"not JSON", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage(`passed`)}, derrors.Invalid},
		{"NUL", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage(`{"out":"a\u0000b"}`)}, derrors.Invalid},
		{"NUL in a key", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage(`{"\u0000":1}`)}, derrors.Invalid},
		{"not UTF-8", TestResultFinishParams{TaskID: "t", Status: ResultFinished, Summary: json.RawMessage("{\"out\":\"\xff\"}")}, derrors.Invalid},
		{"unknown task", TestResultFinishParams{TaskID: "nope", Status: ResultFinished}, derrors.NotFound},
		{"empty task", TestResultFinishParams{Status: ResultFinished}, derrors.NotFound},
	} {
		t.Run("finish "+tc.name, func(t *testing.T) {
			_, err := s.TestResultFinish(ctx, tc.p)
			wantErr(t, err, tc.want)
		})
	}
	got, err := s.TestResultGetByTask(ctx, "t")
	wantErr(t, err, nil)
	if !equalResult(got, running) {
		t.Errorf("after failed finishes = %+v, want %+v", got, running)
	}
}

func testTestResultLimit(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	startLimited := func(member *CourseMember, content *CourseContent, task string, limit int) error {
		_, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: member.ID, CourseContentID: content.ID, Commit: commitA, TaskID: task, MaxRuns: limit})
		return err
	}
	wantErr(t, startLimited(a.alice, a.hello, "t1", 2), nil)
	wantErr(t, startLimited(a.alice, a.hello, "t2", 2), nil)
	// Running and finished runs count (errors do not: see testRegrade).
	_, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t1", Status: ResultFinished, Score: 1})
	wantErr(t, err, nil)
	err = startLimited(a.alice, a.hello, "t3", 2)
	wantErr(t, err, derrors.LimitReached)
	if !strings.Contains(err.Error(), "2 test runs") {
		t.Errorf("error %q does not tell the limit", err)
	}
	_, err = s.TestResultGetByTask(ctx, "t3")
	wantErr(t, err, derrors.NotFound)
	// A task that has its run gets it back at the limit.
	wantErr(t, startLimited(a.alice, a.hello, "t2", 2), nil)
	wantErr(t, startLimited(a.alice, a.hello, "t1", 1), nil)
	// The limit is per member and per content.
	wantErr(t, startLimited(a.bob, a.hello, "t4", 2), nil)
	wantErr(t, startLimited(a.alice, a.bonus, "t5", 2), nil)
	// Zero is no limit; a higher limit leaves room.
	wantErr(t, startLimited(a.alice, a.hello, "t6", 0), nil)
	wantErr(t, startLimited(a.alice, a.hello, "t7", 4), nil)
	wantErr(t, startLimited(a.alice, a.hello, "t8", 4), derrors.LimitReached)
	list, err := s.TestResultList(ctx, TestResultFilter{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID})
	wantErr(t, err, nil)
	if len(list) != 4 {
		t.Errorf("%d results of alice's hello, want 4", len(list))
	}
}

// testConcurrentLimit starts many tests and submissions at once: the limit
// lets exactly as many through as it allows.
func testConcurrentLimit(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	const n, limit = 10, 3
	for _, tc := range []struct {
		name   string
		create func(i int) error
		count  func() int
	}{
		{"test runs", func(i int) error {
			_, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: fmt.Sprint("run", i), MaxRuns: limit})
			return err
		}, func() int {
			l, err := s.TestResultList(ctx, TestResultFilter{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID})
			wantErr(t, err, nil)
			return len(l)
		}},
		{"submissions", func(i int) error {
			_, err := s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitA, TaskID: fmt.Sprint("submit", i), MaxSubmissions: limit})
			return err
		}, func() int {
			got := 0
			for i := range n {
				_, err := s.SubmissionGetByTask(ctx, fmt.Sprint("submit", i))
				if err == nil {
					got++
				}
			}
			return got
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			won := 0
			for _, err := range parallel(n, tc.create) {
				if err == nil {
					won++
					continue
				}
				wantErr(t, err, derrors.LimitReached)
			}
			if won != limit {
				t.Errorf("%d creates won, want %d", won, limit)
			}
			if got := tc.count(); got != limit {
				t.Errorf("%d rows, want %d", got, limit)
			}
		})
	}
	t.Run("same task", func(t *testing.T) {
		// One task, asked for by two members at once: the first insert
		// takes, its member's retries get its row, the other member's
		// conflict.
		ids := make([]string, n)
		errs := parallel(n, func(i int) error {
			member := a.alice
			if i%2 == 1 {
				member = a.bob
			}
			r, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: member.ID, CourseContentID: a.bonus.ID, Commit: commitA, TaskID: "same", MaxRuns: limit})
			if err == nil {
				ids[i] = r.ID
			}
			return err
		})
		r, err := s.TestResultGetByTask(ctx, "same")
		wantErr(t, err, nil)
		for i, err := range errs {
			winner := (r.CourseMemberID == a.bob.ID) == (i%2 == 1)
			if winner {
				wantErr(t, err, nil)
				if ids[i] != r.ID {
					t.Errorf("start %d got %s, want %s", i, ids[i], r.ID)
				}
			} else {
				wantErr(t, err, derrors.Conflict)
			}
		}
	})
}

func testTestResultList(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	empty, err := s.TestResultList(ctx, TestResultFilter{})
	wantErr(t, err, nil)
	if empty == nil || len(empty) != 0 {
		t.Errorf("empty list = %#v, want an empty slice", empty)
	}
	made := map[string]*TestResult{}
	for _, r := range []struct {
		task    string
		member  *CourseMember
		content *CourseContent
	}{
		{"t1", a.alice, a.hello},
		{"t2", a.bob, a.hello},
		{"t3", a.alice, a.bonus},
		{"t4", a.otherMember, a.otherContent},
		{"t5", a.alice, a.hello},
	} {
		made[r.task] = start(t, s, r.member, r.content, r.task)
	}
	fin, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "t2", Status: ResultFinished, Score: 1, Summary: json.RawMessage(`{"x":[1,2]}`)})
	wantErr(t, err, nil)
	made["t2"] = fin
	for _, tc := range []struct {
		name string
		f    TestResultFilter
		want string
	}{
		{"all", TestResultFilter{}, "t5 t4 t3 t2 t1"},
		{"course", TestResultFilter{CourseID: a.course.ID}, "t5 t3 t2 t1"},
		{"upper-case course id", TestResultFilter{CourseID: strings.ToUpper(a.course.ID)}, "t5 t3 t2 t1"},
		{"member", TestResultFilter{CourseMemberID: a.alice.ID}, "t5 t3 t1"},
		{"content", TestResultFilter{CourseContentID: a.hello.ID}, "t5 t2 t1"},
		{"member and content", TestResultFilter{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID}, "t5 t1"},
		{"course and another course's member", TestResultFilter{CourseID: a.course.ID, CourseMemberID: a.otherMember.ID}, ""},
		{"limit", TestResultFilter{Limit: 2}, "t5 t4"},
		{"limit above the maximum", TestResultFilter{Limit: TestResultListLimitMax + 1}, "t5 t4 t3 t2 t1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.TestResultList(ctx, tc.f)
			wantErr(t, err, nil)
			if list == nil {
				t.Fatal("list is nil")
			}
			var tasks []string
			for _, r := range list {
				tasks = append(tasks, r.TaskID)
				if !equalResult(&r, made[r.TaskID]) {
					t.Errorf("listed %+v, want %+v", r, made[r.TaskID])
				}
			}
			if got := strings.Join(tasks, " "); got != tc.want {
				t.Errorf("list = %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		f    TestResultFilter
		want error
	}{
		{"negative limit", TestResultFilter{Limit: -1}, derrors.Invalid},
		{"unknown course", TestResultFilter{CourseID: uuid.NewString()}, derrors.NotFound},
		{"course path", TestResultFilter{CourseID: "tugraz.progphys.2026"}, derrors.NotFound},
		{"unknown member", TestResultFilter{CourseMemberID: uuid.NewString()}, derrors.NotFound},
		{"unknown content", TestResultFilter{CourseContentID: uuid.NewString()}, derrors.NotFound},
		{"content path", TestResultFilter{CourseContentID: "week1/hello"}, derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.TestResultList(ctx, tc.f)
			wantErr(t, err, tc.want)
		})
	}
	// Without a limit, a list stops at the default.
	for i := range TestResultListLimitDefault {
		start(t, s, a.bob, a.bonus, fmt.Sprint("many", i))
	}
	list, err := s.TestResultList(ctx, TestResultFilter{})
	wantErr(t, err, nil)
	if len(list) != TestResultListLimitDefault || list[0].TaskID != fmt.Sprint("many", TestResultListLimitDefault-1) {
		t.Errorf("%d results, first %s; want the newest %d", len(list), list[0].TaskID, TestResultListLimitDefault)
	}
}

func testSubmission(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	before := time.Now()
	sub, err := s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: a.alice.ID, CourseContentID: strings.ToUpper(a.hello.ID),
		Commit: "ABCDEF0", TaskID: "s1", MaxSubmissions: 2, CreatedBy: "alice"})
	wantErr(t, err, nil)
	checkMeta(t, sub.Meta, before, "alice", "s1")
	if sub.CourseID != a.course.ID || sub.CourseMemberID != a.alice.ID || sub.CourseContentID != a.hello.ID ||
		sub.Commit != "abcdef0" || sub.TaskID != "s1" || sub.ResultID != "" {
		t.Errorf("submission = %+v", sub)
	}
	submit := func(member *CourseMember, content *CourseContent, commit, task string, limit int) (*Submission, error) {
		return s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: member.ID, CourseContentID: content.ID, Commit: commit, TaskID: task, MaxSubmissions: limit})
	}
	again, err := submit(a.alice, a.hello, "abcdef0", "s1", 2)
	wantErr(t, err, nil)
	if *again != *sub {
		t.Errorf("retried submission = %+v, want %+v", again, sub)
	}
	_, err = submit(a.alice, a.hello, commitA, "s1", 2)
	wantErr(t, err, derrors.Conflict)
	_, err = submit(a.bob, a.hello, "abcdef0", "s1", 2)
	wantErr(t, err, derrors.Conflict)
	// The limit.
	_, err = submit(a.alice, a.hello, commitA, "s2", 2)
	wantErr(t, err, nil)
	_, err = submit(a.alice, a.hello, commitA, "s3", 2)
	wantErr(t, err, derrors.LimitReached)
	if !strings.Contains(err.Error(), "2 submissions") {
		t.Errorf("error %q does not tell the limit", err)
	}
	_, err = s.SubmissionGetByTask(ctx, "s3")
	wantErr(t, err, derrors.NotFound)
	again, err = submit(a.alice, a.hello, "abcdef0", "s1", 2)
	wantErr(t, err, nil)
	if *again != *sub {
		t.Errorf("submission retried at the limit = %+v, want %+v", again, sub)
	}
	_, err = submit(a.bob, a.hello, commitA, "s4", 2)
	wantErr(t, err, nil)
	_, err = submit(a.alice, a.bonus, commitA, "s5", 2)
	wantErr(t, err, nil)
	_, err = submit(a.alice, a.hello, commitA, "s6", 0)
	wantErr(t, err, nil)
	// A task may both submit and test: submissions and results are keyed
	// apart.
	r := start(t, s, a.alice, a.hello, "s1")
	if r.TaskID != "s1" {
		t.Errorf("result of the submitting task = %+v", r)
	}
	got, err := s.SubmissionGetByTask(ctx, "s1")
	wantErr(t, err, nil)
	if *got != *sub {
		t.Errorf("get = %+v, want %+v", got, sub)
	}
	_, err = s.SubmissionGetByTask(ctx, "nope")
	wantErr(t, err, derrors.NotFound)

	ok := SubmissionCreateParams{CourseMemberID: a.alice.ID, CourseContentID: a.bonus.ID, Commit: commitA, TaskID: "bad"}
	for _, tc := range []struct {
		name string
		edit func(p *SubmissionCreateParams)
		want error
	}{
		{"bad member id", func(p *SubmissionCreateParams) { p.CourseMemberID = "" }, derrors.Invalid},
		{"bad content id", func(p *SubmissionCreateParams) { p.CourseContentID = "x" }, derrors.Invalid},
		{"unknown member", func(p *SubmissionCreateParams) { p.CourseMemberID = uuid.NewString() }, derrors.NotFound},
		{"unknown content", func(p *SubmissionCreateParams) { p.CourseContentID = uuid.NewString() }, derrors.NotFound},
		{"content of another course", func(p *SubmissionCreateParams) { p.CourseContentID = a.otherContent.ID }, derrors.Invalid},
		{"short commit", func(p *SubmissionCreateParams) { p.Commit = "abc" }, derrors.Invalid},
		{"not hex", func(p *SubmissionCreateParams) { p.Commit = "HEAD" }, derrors.Invalid},
		{"empty task", func(p *SubmissionCreateParams) { p.TaskID = "" }, derrors.Invalid},
		{"negative limit", func(p *SubmissionCreateParams) { p.MaxSubmissions = -2 }, derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := s.SubmissionCreate(ctx, p)
			wantErr(t, err, tc.want)
		})
	}
}

func testSubmissionSetResult(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	a := makeAssignment(t, s)
	submit := func(member *CourseMember, content *CourseContent, commit, task string) *Submission {
		t.Helper()
		sub, err := s.SubmissionCreate(ctx, SubmissionCreateParams{CourseMemberID: member.ID, CourseContentID: content.ID, Commit: commit, TaskID: task})
		wantErr(t, err, nil)
		return sub
	}
	sub := submit(a.alice, a.hello, commitA, "submit1")
	r := start(t, s, a.alice, a.hello, "submit1")
	r, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: r.TaskID, Status: ResultFinished, Score: 0.5, Summary: json.RawMessage(`{"ok":true}`)})
	wantErr(t, err, nil)

	linked, err := s.SubmissionSetResult(ctx, sub.ID, strings.ToUpper(r.ID))
	wantErr(t, err, nil)
	if linked.ID != sub.ID || linked.ResultID != r.ID || !linked.CreatedAt.Equal(sub.CreatedAt) || linked.UpdatedAt.Before(sub.UpdatedAt) {
		t.Errorf("linked submission = %+v, was %+v", linked, sub)
	}
	gotSub, err := s.SubmissionGetByTask(ctx, "submit1")
	wantErr(t, err, nil)
	if *gotSub != *linked {
		t.Errorf("get submission = %+v, want %+v", gotSub, linked)
	}
	gotRes, err := s.TestResultGetByTask(ctx, "submit1")
	wantErr(t, err, nil)
	if gotRes.SubmissionID != sub.ID || gotRes.Status != ResultFinished || gotRes.UpdatedAt.Before(r.UpdatedAt) {
		t.Errorf("linked result = %+v", gotRes)
	}
	// Linking again returns the submission as it is, and restarting or
	// refinishing the result keeps the link.
	again, err := s.SubmissionSetResult(ctx, strings.ToUpper(sub.ID), r.ID)
	wantErr(t, err, nil)
	if *again != *linked {
		t.Errorf("linked again = %+v, want %+v", again, linked)
	}
	restarted := start(t, s, a.alice, a.hello, "submit1")
	refinished, err := s.TestResultFinish(ctx, TestResultFinishParams{TaskID: "submit1", Status: ResultFinished, Score: 0.5, Summary: json.RawMessage(`{"ok":true}`)})
	wantErr(t, err, nil)
	if restarted.SubmissionID != sub.ID || !equalResult(restarted, gotRes) || !equalResult(refinished, gotRes) {
		t.Errorf("restarted %+v, refinished %+v, want %+v", restarted, refinished, gotRes)
	}

	sub2 := submit(a.alice, a.hello, commitA, "submit2")
	r2 := start(t, s, a.alice, a.hello, "submit2")
	bobs := start(t, s, a.bob, a.hello, "bob")
	bonus := start(t, s, a.alice, a.bonus, "bonus")
	other, err := s.TestResultStart(ctx, TestResultStartParams{CourseMemberID: a.alice.ID, CourseContentID: a.hello.ID, Commit: commitB, TaskID: "commitB"})
	wantErr(t, err, nil)
	for _, tc := range []struct {
		name, sub, res string
		want           error
	}{
		{"submission graded already", sub.ID, r2.ID, derrors.Conflict},
		{"result grades another", sub2.ID, r.ID, derrors.Conflict},
		{"result of another member", sub2.ID, bobs.ID, derrors.Invalid},
		{"result of another content", sub2.ID, bonus.ID, derrors.Invalid},
		{"result of another commit", sub2.ID, other.ID, derrors.Invalid},
		{"unknown submission", uuid.NewString(), r2.ID, derrors.NotFound},
		{"bad submission id", "submit2", r2.ID, derrors.NotFound},
		{"unknown result", sub2.ID, uuid.NewString(), derrors.NotFound},
		{"bad result id", sub2.ID, "", derrors.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SubmissionSetResult(ctx, tc.sub, tc.res)
			wantErr(t, err, tc.want)
		})
	}
	// Nothing moved: sub2 is free, and r2 links to it while running.
	linked2, err := s.SubmissionSetResult(ctx, sub2.ID, r2.ID)
	wantErr(t, err, nil)
	if linked2.ResultID != r2.ID {
		t.Errorf("second link = %+v", linked2)
	}
	gotSub, err = s.SubmissionGetByTask(ctx, "submit1")
	wantErr(t, err, nil)
	if *gotSub != *linked {
		t.Errorf("first submission after failed links = %+v, want %+v", gotSub, linked)
	}
	list, err := s.TestResultList(ctx, TestResultFilter{CourseContentID: a.hello.ID, CourseMemberID: a.alice.ID})
	wantErr(t, err, nil)
	links := map[string]string{}
	for _, r := range list {
		links[r.TaskID] = r.SubmissionID
	}
	if want := map[string]string{"submit1": sub.ID, "submit2": sub2.ID, "commitB": ""}; !reflect.DeepEqual(links, want) {
		t.Errorf("listed links = %v, want %v", links, want)
	}

	// Concurrent links of one submission: exactly one result wins.
	sub3 := submit(a.alice, a.hello, commitA, "submit3")
	var results []*TestResult
	for i := range 4 {
		results = append(results, start(t, s, a.alice, a.hello, fmt.Sprint("race", i)))
	}
	won := 0
	for _, err := range parallel(len(results), func(i int) error {
		_, err := s.SubmissionSetResult(ctx, sub3.ID, results[i].ID)
		return err
	}) {
		if err == nil {
			won++
			continue
		}
		if !errors.Is(err, derrors.Conflict) {
			t.Errorf("racing link: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d links won, want 1", won)
	}
}

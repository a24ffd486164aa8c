package releasestudents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

const workflowID = "release-students-test"

// fakeRelease stands in for ReleaseStudent. Usernames starting with "bad"
// fail for good, with "flaky" fail once and then succeed, with "staff" are
// skipped; the rest are released. It counts how many run at once: with
// fill set, each call waits (up to fill) until Parallel calls run, so the
// bound is reached whenever the workflow allows it.
type fakeRelease struct {
	mu         sync.Mutex
	running    int
	maxRunning int
	calls      map[string]int
	origins    map[tasks.Origin]bool
	fill       time.Duration
	// onCall, when set, runs at the start of every call.
	onCall func(ctx context.Context, in Input)

	// Batches: how many ran at once, at most, and the first student of
	// each batch started. A batch with a student starting with "poison"
	// fails for good as a whole.
	batchesRunning, maxBatches int
	batches                    []string
	// onBatch, when set, runs at the start of every batch.
	onBatch func(ctx context.Context, in BatchInput)
}

// releaseBatch stands in for ReleaseBatch: each student as release does,
// except that a retryable failure of one fails the batch (retried whole).
func (f *fakeRelease) releaseBatch(ctx context.Context, in BatchInput) ([]Outcome, error) {
	if f.onBatch != nil {
		f.onBatch(ctx, in)
	}
	f.mu.Lock()
	f.batchesRunning++
	f.maxBatches = max(f.maxBatches, f.batchesRunning)
	f.batches = append(f.batches, in.Students[0].Username)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.batchesRunning--
		f.mu.Unlock()
	}()
	for deadline := time.Now().Add(f.fill); time.Now().Before(deadline); {
		f.mu.Lock()
		full := f.batchesRunning >= ParallelBatches
		f.mu.Unlock()
		if full {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var outs []Outcome
	var retry error
	for _, st := range in.Students {
		u := st.Username
		f.mu.Lock()
		f.calls[u]++
		f.origins[in.Origin] = true
		f.mu.Unlock()
		switch {
		case strings.HasPrefix(u, "poison"):
			return nil, temporal.NewNonRetryableApplicationError("poisoned batch", "Invalid", nil)
		case strings.HasPrefix(u, "bad"):
			outs = append(outs, Outcome{Username: u, Status: OutcomeFailed, Error: "no such student " + u})
		case strings.HasPrefix(u, "flaky") && activity.GetInfo(ctx).Attempt == 1:
			retry = errors.New("database hiccup")
		case strings.HasPrefix(u, "staff"):
			outs = append(outs, Outcome{Username: u, Status: OutcomeSkipped, MemberID: "m-" + u, Error: "already a member of the course as _tutor"})
		default:
			outs = append(outs, Outcome{Username: u, Status: OutcomeReleased, MemberID: "m-" + u, Repository: "c/students/" + u + ".git"})
		}
	}
	if retry != nil {
		return nil, retry
	}
	return outs, nil
}

func newFake() *fakeRelease {
	return &fakeRelease{calls: map[string]int{}, origins: map[tasks.Origin]bool{}}
}

func (f *fakeRelease) release(ctx context.Context, in Input) (*Outcome, error) {
	if f.onCall != nil {
		f.onCall(ctx, in)
	}
	u := in.Student.Username
	f.mu.Lock()
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.calls[u]++
	f.origins[in.Origin] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	for deadline := time.Now().Add(f.fill); time.Now().Before(deadline); {
		f.mu.Lock()
		full := f.running >= Parallel
		f.mu.Unlock()
		if full {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(2 * time.Millisecond)
	switch {
	case strings.HasPrefix(u, "bad"):
		return nil, temporal.NewNonRetryableApplicationError("no such student "+u, "Bad", nil)
	case strings.HasPrefix(u, "flaky") && activity.GetInfo(ctx).Attempt == 1:
		return nil, errors.New("database hiccup")
	case strings.HasPrefix(u, "staff"):
		return &Outcome{Username: u, Status: OutcomeSkipped, MemberID: "m-" + u, Error: "already a member of the course as _tutor"}, nil
	}
	return &Outcome{Username: u, Status: OutcomeReleased, MemberID: "m-" + u, Repository: "c/students/" + u + ".git"}, nil
}

func newEnv(t *testing.T, f *fakeRelease) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: time.Minute})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(engine.SubmitterKey.ValueSet("lect"))); err != nil {
		t.Fatalf("search attributes: %v", err)
	}
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: Kind})
	env.RegisterActivityWithOptions(f.release, activity.RegisterOptions{Name: ActivityReleaseStudent})
	env.RegisterActivityWithOptions(f.releaseBatch, activity.RegisterOptions{Name: ActivityReleaseBatch})
	return env
}

func students(names ...string) Params {
	p := Params{Course: "tugraz.progphys.2026"}
	for _, n := range names {
		p.Students = append(p.Students, Student{Username: n})
	}
	return p
}

// mixedNames are n students: every 7th from the 4th bad, the 6th staff,
// the 7th flaky, the rest plain.
func mixedNames(n int) []string {
	var names []string
	for i := range n {
		switch {
		case i%7 == 3:
			names = append(names, fmt.Sprintf("bad%03d", i))
		case i == 5:
			names = append(names, "staff005")
		case i == 6:
			names = append(names, "flaky006")
		default:
			names = append(names, fmt.Sprintf("s%03d", i))
		}
	}
	return names
}

// runMixed releases names with f and checks each outcome, in input order,
// and the counts.
func runMixed(t *testing.T, f *fakeRelease, env *testsuite.TestWorkflowEnvironment, names []string) {
	t.Helper()
	env.ExecuteWorkflow(Kind, students(names...))
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Course != "tugraz.progphys.2026" || len(res.Students) != len(names) {
		t.Fatalf("result %+v", res)
	}
	var released, skipped, failed int
	for i, o := range res.Students {
		if o.Username != names[i] {
			t.Errorf("students[%d] is %s, want %s: results are not in input order", i, o.Username, names[i])
		}
		switch {
		case strings.HasPrefix(names[i], "bad"):
			failed++
			if o.Status != OutcomeFailed || o.Error != "no such student "+names[i] {
				t.Errorf("students[%d] = %+v, want failed with the activity's message", i, o)
			}
		case strings.HasPrefix(names[i], "staff"):
			skipped++
			if o.Status != OutcomeSkipped || o.MemberID != "m-"+names[i] {
				t.Errorf("students[%d] = %+v, want skipped", i, o)
			}
		default:
			released++
			if o.Status != OutcomeReleased || o.Repository != "c/students/"+names[i]+".git" {
				t.Errorf("students[%d] = %+v, want released", i, o)
			}
		}
	}
	if res.Released != released || res.Skipped != skipped || res.Failed != failed || failed == 0 {
		t.Errorf("counts released %d skipped %d failed %d, want %d %d %d", res.Released, res.Skipped, res.Failed, released, skipped, failed)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// One origin for every activity: the task's id and submitter, and when
	// it was accepted.
	if len(f.origins) != 1 {
		t.Errorf("activities got origins %v, want one", f.origins)
	}
	for o := range f.origins {
		if o.TaskID != workflowID || o.Submitter != "lect" || o.AcceptedAt.IsZero() {
			t.Errorf("activities got origin %+v, want task %s of lect with its acceptance time", o, workflowID)
		}
	}
}

// TestWorkflow: students go in batches of BatchSize, ParallelBatches at
// a time, each once; a retryable failure retries its batch.
func TestWorkflow(t *testing.T) {
	t.Parallel()
	names := mixedNames(3*BatchSize + 3)
	f := newFake()
	f.fill = time.Second
	env := newEnv(t, f)
	runMixed(t, f, env, names)

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxBatches != ParallelBatches || f.maxRunning != 0 {
		t.Errorf("at most %d batches and %d single students ran at once, want %d and 0", f.maxBatches, f.maxRunning, ParallelBatches)
	}
	wantBatches := []string{names[0], names[0], names[BatchSize], names[2*BatchSize], names[3*BatchSize]}
	slices.Sort(f.batches)
	slices.Sort(wantBatches)
	if !slices.Equal(f.batches, wantBatches) {
		t.Errorf("batches started at %v, want %v (the first retried for its flaky student)", f.batches, wantBatches)
	}
	for i, n := range names {
		want := 1
		if i < BatchSize {
			want = 2 // the batch of flaky006, retried whole
		}
		if f.calls[n] != want {
			t.Errorf("%s released %d times, want %d", n, f.calls[n], want)
		}
	}
}

// TestWorkflowOneByOneBeforeBatches: a task started before batches (its
// history has no version marker) goes on one student per activity,
// Parallel at a time, as it began.
func TestWorkflowOneByOneBeforeBatches(t *testing.T) {
	t.Parallel()
	names := mixedNames(3*Parallel + 3)
	f := newFake()
	f.fill = time.Second
	env := newEnv(t, f)
	env.OnGetVersion(batchVersion, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	runMixed(t, f, env, names)

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxRunning != Parallel || len(f.batches) != 0 {
		t.Errorf("at most %d students ran at once and %d batches, want %d and none", f.maxRunning, len(f.batches), Parallel)
	}
	for _, n := range names {
		want := 1
		if strings.HasPrefix(n, "flaky") {
			want = 2 // a retryable failure is retried
		}
		if f.calls[n] != want {
			t.Errorf("%s released %d times, want %d", n, f.calls[n], want)
		}
	}
}

// TestWorkflowFailedBatchGoesOneByOne: the students of a batch that fails
// for good are released one at a time, each with an outcome of their own;
// the other batches are not redone.
func TestWorkflowFailedBatchGoesOneByOne(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 2 * BatchSize {
		names = append(names, fmt.Sprintf("s%03d", i))
	}
	names[BatchSize+1] = "poison1"
	names[BatchSize+2] = "bad1"
	f := newFake()
	env := newEnv(t, f)
	env.ExecuteWorkflow(Kind, students(names...))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	// One by one, poison1 is released like anyone; bad1 fails alone.
	if res.Released != 2*BatchSize-1 || res.Failed != 1 || res.Students[BatchSize+2].Status != OutcomeFailed ||
		res.Students[BatchSize+1].Status != OutcomeReleased {
		t.Errorf("result: released %d, failed %d; poison1 %+v, bad1 %+v", res.Released, res.Failed, res.Students[BatchSize+1], res.Students[BatchSize+2])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, n := range names {
		// In the batch up to poison1, then alone; the first batch once.
		want := 1
		if i == BatchSize || i == BatchSize+1 {
			want = 2
		}
		if f.calls[n] != want {
			t.Errorf("%s released %d times, want %d", n, f.calls[n], want)
		}
	}
}

func TestWorkflowAllSkippedSucceeds(t *testing.T) {
	t.Parallel()
	env := newEnv(t, newFake())
	env.ExecuteWorkflow(Kind, students("staff1", "staff2"))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 2 || res.Released != 0 || res.Failed != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestWorkflowOneSuccessSucceeds(t *testing.T) {
	t.Parallel()
	env := newEnv(t, newFake())
	env.ExecuteWorkflow(Kind, students("bad1", "bad2", "s1"))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	var res Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Released != 1 || res.Failed != 2 {
		t.Errorf("result %+v", res)
	}
}

func TestWorkflowAllFail(t *testing.T) {
	t.Parallel()
	names := []string{"bad1", "bad2", "bad3"}
	f := newFake()
	env := newEnv(t, f)
	env.ExecuteWorkflow(Kind, students(names...))
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	err := env.GetWorkflowError()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		t.Fatalf("workflow error %v, want an application error", err)
	}
	if app.Type() != "NoStudentReleased" || !app.NonRetryable() || !strings.Contains(app.Message(), "no such student bad1") {
		t.Errorf("workflow error type %q, non-retryable %v, message %q", app.Type(), app.NonRetryable(), app.Message())
	}
	// The failure carries the outcomes.
	var res Result
	if err := app.Details(&res); err != nil {
		t.Fatalf("details: %v", err)
	}
	if res.Failed != 3 || len(res.Students) != 3 || res.Students[2].Username != "bad3" || res.Students[2].Status != OutcomeFailed {
		t.Errorf("details %+v", res)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		if f.calls[n] != 1 {
			t.Errorf("%s tried %d times; a non-retryable failure is tried once", n, f.calls[n])
		}
	}
}

// cancelMidway runs a release of 6 batches of students and cancels the
// task when the third batch starts; from the third on, batches are only
// done when canceled. It returns how many batches were started and the
// workflow's error.
func cancelMidway(t *testing.T) (started int, err error) {
	t.Helper()
	var names []string
	for i := range 6 * BatchSize {
		names = append(names, fmt.Sprintf("s%03d", i))
	}
	third := names[2*BatchSize]
	f := newFake()
	env := newEnv(t, f)
	var once sync.Once
	f.onBatch = func(ctx context.Context, in BatchInput) {
		if in.Students[0].Username < third {
			return
		}
		once.Do(func() { go env.CancelWorkflow() })
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
	env.ExecuteWorkflow(Kind, students(names...))
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.batches), env.GetWorkflowError()
}

// TestWorkflowCancelStartsNoMore: after a cancel no batch is started, and
// no student one by one.
func TestWorkflowCancelStartsNoMore(t *testing.T) {
	t.Parallel()
	started, _ := cancelMidway(t)
	// The first two batches finish; their places are taken by the third
	// and fourth, which wait for the cancel. Nothing after them starts.
	if started > 2+ParallelBatches {
		t.Errorf("%d of 6 batches started although the task was canceled at the third", started)
	}
}

// TestWorkflowCancelEndsCanceled: a canceled release ends canceled, not
// completed with the students it did not get to listed as failed.
func TestWorkflowCancelEndsCanceled(t *testing.T) {
	t.Parallel()
	_, err := cancelMidway(t)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Errorf("workflow error %v (%T), want canceled", err, err)
	}
}

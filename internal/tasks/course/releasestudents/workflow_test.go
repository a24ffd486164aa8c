package releasestudents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	return env
}

func students(names ...string) Params {
	p := Params{Course: "tugraz.progphys.2026"}
	for _, n := range names {
		p.Students = append(p.Students, Student{Username: n})
	}
	return p
}

func TestWorkflow(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 3*Parallel + 3 {
		switch {
		case i%7 == 3:
			names = append(names, fmt.Sprintf("bad%02d", i))
		case i == 5:
			names = append(names, "staff05")
		case i == 6:
			names = append(names, "flaky06")
		default:
			names = append(names, fmt.Sprintf("s%02d", i))
		}
	}
	f := newFake()
	f.fill = time.Second
	env := newEnv(t, f)
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
	if f.maxRunning != Parallel {
		t.Errorf("at most %d students ran at once, want %d", f.maxRunning, Parallel)
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

// cancelMidway runs a release of 3*Parallel students and cancels the task
// when the 13th starts; from the 13th on, students are only done when
// canceled. It returns how many students were started and the workflow's
// error.
func cancelMidway(t *testing.T) (started int, err error) {
	t.Helper()
	var names []string
	for i := range 3 * Parallel {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	f := newFake()
	env := newEnv(t, f)
	var once sync.Once
	f.onCall = func(ctx context.Context, in Input) {
		if in.Student.Username < "s12" {
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
	return len(f.calls), env.GetWorkflowError()
}

// TestWorkflowCancelStartsNoMore: after a cancel no student is started.
func TestWorkflowCancelStartsNoMore(t *testing.T) {
	t.Parallel()
	started, _ := cancelMidway(t)
	// s00 to s11 finish; their places are taken by s12 to s21, which wait
	// for the cancel. Nobody after them starts.
	if started > 12+Parallel {
		t.Errorf("%d of %d students started although the task was canceled at the 13th", started, 3*Parallel)
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

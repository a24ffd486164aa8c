package longrunning

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/computor-org/computor-go/internal/tasks"
)

// heartbeat is the two values of one heartbeat. TestActivityEnvironment's
// SetHeartbeatDetails takes a single value, so detailsConverter spreads a
// heartbeat into the two payloads Work reads.
type heartbeat struct {
	progress tasks.Progress
	elapsed  int
}

type detailsConverter struct{ converter.DataConverter }

func (c detailsConverter) ToPayloads(values ...any) (*commonpb.Payloads, error) {
	if len(values) == 1 {
		if h, ok := values[0].(heartbeat); ok {
			return c.DataConverter.ToPayloads(h.progress, h.elapsed)
		}
	}
	return c.DataConverter.ToPayloads(values...)
}

func setupActivity(t *testing.T) *testsuite.TestActivityEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.SetDataConverter(detailsConverter{converter.GetDefaultDataConverter()})
	env.RegisterActivityWithOptions((&Activities{}).Work, activity.RegisterOptions{Name: ActivityWork})
	return env
}

func TestWorkResumesFromHeartbeat(t *testing.T) {
	t.Parallel()
	env := setupActivity(t)
	env.SetHeartbeatDetails(heartbeat{progress: progress(2, 3), elapsed: 2})

	begin := time.Now()
	val, err := env.ExecuteActivity(ActivityWork, WorkInput{Duration: 3})
	took := time.Since(begin)
	if err != nil {
		t.Fatal(err)
	}
	var out WorkOutput
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	if out.DurationActual != 3 || out.ResumedFrom != 2 {
		t.Errorf("output = %+v, want duration_actual 3 resumed from 2", out)
	}
	// One second of work was left, not three.
	if took < 900*time.Millisecond || took > 2500*time.Millisecond {
		t.Errorf("resumed work took %v, want about 1s", took)
	}
}

func TestWorkFinishedBeforeCrash(t *testing.T) {
	t.Parallel()
	env := setupActivity(t)
	// A heartbeat past the duration (say the duration was lowered) is clamped.
	env.SetHeartbeatDetails(heartbeat{progress: progress(5, 5), elapsed: 7})

	val, err := env.ExecuteActivity(ActivityWork, WorkInput{Duration: 5})
	if err != nil {
		t.Fatal(err)
	}
	var out WorkOutput
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	if out.DurationActual != 5 || out.ResumedFrom != 5 {
		t.Errorf("output = %+v", out)
	}
}

func TestWorkStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
	env.RegisterActivityWithOptions((&Activities{}).Work, activity.RegisterOptions{Name: ActivityWork})

	time.AfterFunc(300*time.Millisecond, cancel)
	begin := time.Now()
	_, err := env.ExecuteActivity(ActivityWork, WorkInput{Duration: 60})
	// Work returns ctx.Err(); the test environment passes it on as an
	// application error carrying its text.
	if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Fatalf("error = %v, want %v", err, context.Canceled)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("work stopped %v after start, want promptly after the cancel", d)
	}
}

func TestWorkRejectsNegativeDuration(t *testing.T) {
	t.Parallel()
	env := setupActivity(t)
	_, err := env.ExecuteActivity(ActivityWork, WorkInput{Duration: -1})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != ErrTypeInvalidInput {
		t.Fatalf("error = %v, want non-retryable %s", err, ErrTypeInvalidInput)
	}
}

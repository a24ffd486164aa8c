package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/metrics"
)

func greet(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", temporal.NewNonRetryableApplicationError("no name", "bad", nil)
	}
	return "hello " + name, nil
}

func greeting(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var out string
	err := workflow.ExecuteActivity(ctx, greet, name).Get(ctx, &out)
	return out, err
}

// logLines runs the greeting workflow with the task log and returns the
// JSON lines it wrote.
func logLines(t *testing.T, name string) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(sdkworker.Options{Interceptors: []interceptor.WorkerInterceptor{
		&taskLog{logger: slog.New(slog.NewJSONHandler(&buf, nil))},
	}})
	env.RegisterWorkflow(greeting)
	env.RegisterActivity(greet)
	env.ExecuteWorkflow(greeting, name)
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestTaskLogCarriesTheTaskID(t *testing.T) {
	for _, tc := range []struct {
		name, input        string
		activityMsg, level string
		status             string
	}{
		{"finished", "ada", "activity completed", "INFO", "FINISHED"},
		{"failed", "", "activity failed", "WARN", "FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := logLines(t, tc.input)
			if len(lines) != 2 {
				t.Fatalf("%d lines, want the activity's and the task's: %v", len(lines), lines)
			}
			act, end := lines[0], lines[1]
			if act["msg"] != tc.activityMsg || act["level"] != tc.level || act["activity"] != "greet" || act["attempt"] != 1.0 {
				t.Errorf("activity line: %v", act)
			}
			if end["msg"] != "task ended" || end["status"] != tc.status || end["task_name"] != "greeting" {
				t.Errorf("task line: %v", end)
			}
			for _, l := range lines {
				if id, _ := l["task_id"].(string); id == "" || id != lines[0]["task_id"] {
					t.Errorf("line without the task's id: %v", l)
				}
			}
			if tc.status == "FAILED" && !strings.Contains(end["err"].(string), "no name") {
				t.Errorf("failed task's line lacks the error: %v", end)
			}
		})
	}
}

// The task log must not turn a failure into a success or hide its cause,
// and it counts the outcome.
func TestTaskLogKeepsTheError(t *testing.T) {
	reg := metrics.New()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(sdkworker.Options{Interceptors: []interceptor.WorkerInterceptor{
		&taskLog{logger: slog.New(slog.DiscardHandler), metrics: reg},
	}})
	env.RegisterWorkflow(greeting)
	env.RegisterActivity(greet)
	env.ExecuteWorkflow(greeting, "")
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != "bad" {
		t.Fatalf("workflow error = %v, want the activity's application error", err)
	}
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, series := range []string{
		`computor_tasks_ended_total{queue="default-test-taskqueue",status="FAILED",task_name="greeting"} 1`,
		`computor_task_duration_seconds_count{status="FAILED",task_name="greeting"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), series) {
			t.Errorf("metrics lack %s", series)
		}
	}
}

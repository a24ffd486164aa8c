package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
)

// client runs the computor binary as a client of the shared stack with
// token, and returns its exit code and output. Its stdout and stderr are
// pipes, not a terminal.
func (s *stack) client(t *testing.T, token string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), app.EnvAPIURL+"="+s.api, app.EnvToken+"="+token, app.EnvDataDir+"="+t.TempDir())
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("computor %q: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// wantExit fails the test unless the run exited with want.
func wantExit(t *testing.T, args []string, code, want int, stdout, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("computor %q: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, stdout, stderr)
	}
}

// TestClientSubmitWait: submit --wait follows a task to its end, with a
// plain line per change of its progress when not on a terminal, prints
// its result and exits 0. The parameters are typed by the task's schema:
// the API takes duration only as an integer.
func TestClientSubmitWait(t *testing.T) {
	t.Parallel()
	token := shared.tokenFor(t, "client-wait")
	args := []string{"submit", "example_long_running", "-p", "duration=2", "-p", "message=from the client", "--wait"}
	code, out, errOut := shared.client(t, token, args...)
	wantExit(t, args, code, 0, out, errOut)
	id, _, _ := strings.Cut(out, " ")
	if !strings.HasPrefix(id, "example_long_running-") || !strings.HasPrefix(out, id+" FINISHED\n{\n") {
		t.Fatalf("stdout does not start with the id and FINISHED, then the result:\n%s", out)
	}
	var res struct {
		Message           string `json:"message"`
		DurationRequested int    `json:"duration_requested"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[1]), &res); err != nil || res.Message != "from the client" || res.DurationRequested != 2 {
		t.Fatalf("result %+v (%v) in:\n%s", res, err, out)
	}
	// Plain progress on stderr: the id, then one line per change, with the
	// percent and message the task heartbeats; no bar.
	if !strings.HasPrefix(errOut, "submitted "+id+"\n") || strings.Contains(errOut, "\r") {
		t.Errorf("stderr:\n%q", errOut)
	}
	if !regexp.MustCompile(`(?m)^STARTED +\d+%  worked \d of 2 seconds$`).MatchString(errOut) || !strings.HasSuffix(errOut, "\nFINISHED  100%  finished\n") {
		t.Errorf("stderr lacks the progress lines:\n%s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] == lines[i-1] {
			t.Errorf("line %q printed twice in a row: a line per change", lines[i])
		}
	}
	if info := shared.task(t, token, id); info.Status != "FINISHED" || info.Submitter != "client-wait" {
		t.Errorf("the API says %+v", info)
	}
}

// TestClientFailedTask exits 1 with the task's error; and -p types
// booleans and integers by the schema (fail_attempts=1 retries once, then
// finishes).
func TestClientFailedTask(t *testing.T) {
	t.Parallel()
	token := shared.tokenFor(t, "client-fail")
	args := []string{"submit", "example_error_handling", "-p", "should_fail=true", "-p", "error_type=non_retryable", "--wait"}
	code, out, errOut := shared.client(t, token, args...)
	wantExit(t, args, code, 1, out, errOut)
	if !regexp.MustCompile(`^example_error_handling-\S+ FAILED\nerror: .*failed for good`).MatchString(out) {
		t.Errorf("stdout:\n%s", out)
	}

	args = []string{"submit", "example_error_handling", "-p", "should_fail=false", "-p", "fail_attempts=1", "--wait"}
	code, out, errOut = shared.client(t, token, args...)
	wantExit(t, args, code, 0, out, errOut)
	if !strings.Contains(errOut, "(retries: 1)") {
		t.Errorf("the retry does not show in the progress:\n%s", errOut)
	}
}

// TestClientCancel: a task cancelled with `computor cancel` makes
// `computor result ID --wait` exit 3; one an admin terminated in Temporal
// does too.
func TestClientCancel(t *testing.T) {
	t.Parallel()
	token := shared.tokenFor(t, "client-cancel")
	submit := []string{"submit", "example_long_running", "-p", "duration=120"}
	code, out, errOut := shared.client(t, token, submit...)
	wantExit(t, submit, code, 0, out, errOut)
	id := strings.TrimSpace(out)
	if !regexp.MustCompile(`^example_long_running-[0-9a-f-]{36}$`).MatchString(id) {
		t.Fatalf("submit printed %q, want the task id alone", out)
	}

	// A running task has no result yet: exit 4 without --wait.
	code, out, errOut = shared.client(t, token, "result", id)
	wantExit(t, []string{"result", id}, code, 4, out, errOut)

	code, out, errOut = shared.client(t, token, "cancel", id)
	wantExit(t, []string{"cancel", id}, code, 0, out, errOut)
	if out != id+": cancel requested\n" {
		t.Errorf("cancel printed %q", out)
	}
	code, out, errOut = shared.client(t, token, "result", id, "--wait", "--timeout", "1m")
	wantExit(t, []string{"result", id, "--wait"}, code, 3, out, errOut)
	if !strings.HasPrefix(out, id+" CANCELLED\n") {
		t.Errorf("result printed:\n%s", out)
	}
	// Cancelling it again is the API's 409: exit 2, said readably.
	code, out, errOut = shared.client(t, token, "cancel", id)
	wantExit(t, []string{"cancel", id}, code, 2, out, errOut)
	if !strings.Contains(errOut, "409 Conflict: task "+id+" has already ended with status CANCELLED") {
		t.Errorf("stderr %q", errOut)
	}

	// Terminated by an admin in Temporal.
	code, out, errOut = shared.client(t, token, submit...)
	wantExit(t, submit, code, 0, out, errOut)
	id = strings.TrimSpace(out)
	tc, err := engine.Dial(context.Background(), shared.clientConfig(t, "", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.TerminateWorkflow(context.Background(), id, "", "stopped by the e2e test"); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = shared.client(t, token, "result", id, "--wait")
	wantExit(t, []string{"result", id, "--wait"}, code, 3, out, errOut)
	if !strings.Contains(out, "terminated") {
		t.Errorf("result printed:\n%s", out)
	}
}

// TestClientTimeout: a wait that runs out exits 4, and the task goes on.
func TestClientTimeout(t *testing.T) {
	t.Parallel()
	token := shared.tokenFor(t, "client-timeout")
	args := []string{"submit", "example_long_running", "-p", "duration=30", "--wait", "--timeout", "1500ms"}
	code, out, errOut := shared.client(t, token, args...)
	wantExit(t, args, code, 4, out, errOut)
	m := regexp.MustCompile(`computor: (example_long_running-\S+) had not ended after 1.5s \(status (QUEUED|STARTED)\); it goes on`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("stderr:\n%s", errOut)
	}
	if info := shared.task(t, token, m[1]); info.Status != "STARTED" && info.Status != "QUEUED" {
		t.Errorf("after the wait: %+v", info)
	}
	shared.do(t, "POST", "/tasks/"+m[1]+"/cancel", token, nil)
}

// TestClientInvalidParameters: what the schema refuses is sent anyway, and
// the API's 422 is printed a field per line; exit 2.
func TestClientInvalidParameters(t *testing.T) {
	t.Parallel()
	token := shared.tokenFor(t, "client-invalid")
	args := []string{"submit", "example_long_running", "-p", "duration=abc", "-p", "bogus=1", "--wait"}
	code, out, errOut := shared.client(t, token, args...)
	wantExit(t, args, code, 2, out, errOut)
	for _, line := range []string{
		"computor: submit example_long_running: 422 Unprocessable Entity: the request has fields that do not fit",
		"  parameters.bogus: ",
		"  parameters.duration: must be an integer",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line)).MatchString(errOut) {
			t.Errorf("stderr lacks the line %q:\n%s", line, errOut)
		}
	}
	if out != "" {
		t.Errorf("stdout %q", out)
	}

	args = []string{"submit", "no_such_task", "-p", "x=1"}
	code, out, errOut = shared.client(t, token, args...)
	wantExit(t, args, code, 2, out, errOut)
	if !strings.Contains(errOut, `unknown task type "no_such_task"`) || !strings.Contains(errOut, "known task types: example_long_running") {
		t.Errorf("stderr:\n%s", errOut)
	}

	// Without a token, the client says where one comes from.
	code, out, errOut = shared.client(t, "", "types")
	wantExit(t, []string{"types"}, code, 2, out, errOut)
	if !strings.Contains(errOut, "401 Unauthorized") || !strings.Contains(errOut, app.EnvToken) {
		t.Errorf("stderr:\n%s", errOut)
	}
}

// TestClientJSON: with --json every command prints the API's JSON.
func TestClientJSON(t *testing.T) {
	t.Parallel()
	user := fmt.Sprintf("client-json-%d", time.Now().UnixNano()) // a user of its own, with this test's tasks alone
	token := shared.tokenFor(t, user)
	decode := func(args []string, want int, v any) {
		t.Helper()
		code, out, errOut := shared.client(t, token, args...)
		wantExit(t, args, code, want, out, errOut)
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("computor %q: stdout is not JSON (%v):\n%s", args, err, out)
		}
	}
	var submitted submitReply
	decode([]string{"submit", "example_long_running", "-p", "duration=0", "--json"}, 0, &submitted)
	if submitted.Status != "submitted" || submitted.TaskID == "" {
		t.Fatalf("submit --json: %+v", submitted)
	}
	id := submitted.TaskID
	var res taskResult
	decode([]string{"result", id, "--wait", "--json"}, 0, &res)
	if res.TaskID != id || res.Status != "FINISHED" || !strings.Contains(string(res.Result), `"duration_requested":0`) {
		t.Errorf("result --json: %+v %s", res, res.Result)
	}
	var info taskInfo
	decode([]string{"status", id, "--json"}, 0, &info)
	if info.TaskID != id || info.Status != "FINISHED" || info.Submitter != user {
		t.Errorf("status --json: %+v", info)
	}
	var names []string
	decode([]string{"types", "--json"}, 0, &names)
	if len(names) == 0 || names[0] != "example_long_running" {
		t.Errorf("types --json: %q", names)
	}
	var typ struct {
		Name       string         `json:"name"`
		Parameters map[string]any `json:"parameters"`
	}
	decode([]string{"types", "example_long_running", "--json"}, 0, &typ)
	if typ.Name != "example_long_running" || typ.Parameters["properties"] == nil {
		t.Errorf("types NAME --json: %+v", typ)
	}
	var problem struct {
		Status int `json:"status"`
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	decode([]string{"submit", "example_long_running", "-p", "duration=-1", "--json"}, 2, &problem)
	if problem.Status != 422 || len(problem.Errors) != 1 || problem.Errors[0].Field != "parameters.duration" {
		t.Errorf("a 422 with --json: %+v", problem)
	}
	eventually(t, 30*time.Second, "the task in the list", func() bool {
		var list struct {
			Tasks []taskInfo `json:"tasks"`
		}
		decode([]string{"list", "--json", "--task", "example_long_running", "--status", "FINISHED", "--limit", "5"}, 0, &list)
		return len(list.Tasks) == 1 && list.Tasks[0].TaskID == id
	})
	code, out, errOut := shared.client(t, token, "list")
	wantExit(t, []string{"list"}, code, 0, out, errOut)
	if !regexp.MustCompile(`(?m)^TASK +STATUS +CREATED +SUBMITTER\n` + regexp.QuoteMeta(id) + ` +FINISHED `).MatchString(out) {
		t.Errorf("list:\n%s", out)
	}
}

// TestClientDevToken: without a token the client shows the one dev wrote
// to the data dir.
func TestClientDevToken(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary, "types", "example_long_running", "--api", shared.api, "--data-dir", shared.dataDir)
	cmd.Env = append(os.Environ(), app.EnvToken+"=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Parameters (-p key=value):\n  duration  integer") {
		t.Fatalf("types with the dev token: %v\n%s", err, out)
	}
}

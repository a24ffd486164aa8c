package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI answers the client's routes for one task, which goes through
// steps: each GET /tasks/{id} shows the next one, and the last one stays.
type fakeAPI struct {
	t      *testing.T
	steps  []Task
	result string // the body of GET /tasks/{id}/result once the task ended

	mu       sync.Mutex
	step     int
	submits  []map[string]any // bodies of POST /tasks/submit
	headers  []http.Header
	problem  string // when set, every submit answers this 422 problem
	taskType string // the body of GET /tasks/types/{name}
}

const fakeID = "example_long_running-0001"

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer secret" {
		writeProblem(w, http.StatusUnauthorized, `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"a bearer token is required"}`)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/tasks/submit":
		var body map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			f.t.Errorf("submit body: %v", err)
		}
		f.submits = append(f.submits, body)
		f.headers = append(f.headers, r.Header.Clone())
		if f.problem != "" {
			writeProblem(w, http.StatusUnprocessableEntity, f.problem)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"task_id":"`+fakeID+`","status":"submitted","message":"ok"}`)
	case r.Method == "GET" && r.URL.Path == "/tasks/types/example_long_running":
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, f.taskType)
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/tasks/types/"):
		writeProblem(w, http.StatusNotFound, `{"type":"about:blank","title":"Not Found","status":404,"detail":"unknown task type"}`)
	case r.Method == "GET" && r.URL.Path == "/tasks/"+fakeID:
		t := f.steps[min(f.step, len(f.steps)-1)]
		f.step++
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(t)
	case r.Method == "GET" && r.URL.Path == "/tasks/"+fakeID+"/result":
		t := f.steps[min(max(f.step-1, 0), len(f.steps)-1)] // the step last shown
		w.Header().Set("Content-Type", "application/json")
		if !ended(t) {
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, `{"task_id":"`+fakeID+`","task_name":"example_long_running","status":"`+t.Status+`"}`)
			return
		}
		_, _ = io.WriteString(w, f.result)
	default:
		writeProblem(w, http.StatusNotFound, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no route"}`)
	}
}

func writeProblem(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// running is a task at percent, saying msg.
func running(percent float64, msg string) Task {
	return Task{TaskID: fakeID, TaskName: "example_long_running", Status: StatusStarted, Progress: &Progress{Percent: percent, Message: msg}}
}

// endedTask is a task that ended with status.
func endedTask(status string) Task {
	now := time.Now()
	return Task{TaskID: fakeID, TaskName: "example_long_running", Status: status, FinishedAt: &now}
}

type bundle struct {
	api            *fakeAPI
	cli            *CLI
	stdout, stderr *bytes.Buffer
}

func setup(t *testing.T, api *fakeAPI, token string, jsonOut bool) *bundle {
	t.Helper()
	api.t = t
	if api.taskType == "" {
		api.taskType = `{"name":"example_long_running","parameters":{"type":"object","properties":{"duration":{"type":"integer"},"message":{"type":"string"}}}}`
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{api: api, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	b.cli = &CLI{Client: c, Stdin: strings.NewReader(""), Stdout: b.stdout, Stderr: b.stderr, JSON: jsonOut, PollInterval: 10 * time.Millisecond}
	return b
}

// exitCode is the code a command's error exits with.
func exitCode(err error) int {
	var e *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Code
	}
	return -1 // not a client command's error
}

func TestSubmitWaitExitCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		end    Task
		result string
		code   int
		output string
	}{
		{endedTask(StatusFinished), `{"task_id":"` + fakeID + `","status":"FINISHED","result":{"message":"hi","n":1}}`, ExitOK, "{\n  \"message\": \"hi\",\n  \"n\": 1\n}"},
		{endedTask(StatusFailed), `{"task_id":"` + fakeID + `","status":"FAILED","error":"activity failed: boom"}`, ExitFailed, "error: activity failed: boom"},
		{endedTask(StatusCancelled), `{"task_id":"` + fakeID + `","status":"CANCELLED","error":"the task was cancelled"}`, ExitCancelled, fakeID + " CANCELLED"},
		// Today's API reports a terminated task as FAILED, saying so.
		{endedTask(StatusFailed), `{"task_id":"` + fakeID + `","status":"FAILED","error":"the task was terminated: by an admin"}`, ExitCancelled, "terminated"},
		{endedTask(StatusTerminated), `{"task_id":"` + fakeID + `","status":"TERMINATED","error":"the task was terminated"}`, ExitCancelled, "TERMINATED"},
	} {
		t.Run(c.end.Status+"/"+c.output, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{steps: []Task{{TaskID: fakeID, Status: StatusQueued}, running(0, "starting"), running(50, "half"), running(50, "half"), c.end}, result: c.result}
			b := setup(t, api, "secret", false)
			err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", Params: []string{"duration=1"}, Wait: true, Timeout: 10 * time.Second})
			if got := exitCode(err); got != c.code {
				t.Fatalf("exit %d (%v), want %d", got, err, c.code)
			}
			if !strings.Contains(b.stdout.String(), c.output) || !strings.HasPrefix(b.stdout.String(), fakeID+" "+c.end.Status+"\n") {
				t.Errorf("stdout:\n%s\nwant it to start with the id and status, and hold %q", b.stdout, c.output)
			}
			// Not a terminal: one line per change of status, percent or message.
			want := "submitted " + fakeID + "\nQUEUED\nSTARTED    0%  starting\nSTARTED   50%  half\n" + c.end.Status + "\n"
			if b.stderr.String() != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", b.stderr, want)
			}
		})
	}
}

func TestSubmitSendsTypedParameters(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{endedTask(StatusFinished)}}
	b := setup(t, api, "secret", false)
	err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", Params: []string{"duration=3", "message=42"},
		Priority: 7, Delay: 90 * time.Second, IdempotencyKey: "nightly-1"})
	if err != nil {
		t.Fatal(err)
	}
	if b.stdout.String() != fakeID+"\n" {
		t.Errorf("stdout %q, want the task id alone", b.stdout)
	}
	got, _ := json.Marshal(api.submits[0])
	want := `{"delay":90,"parameters":{"duration":3,"message":"42"},"priority":7,"task_name":"example_long_running"}`
	if !jsonEqual(t, got, []byte(want)) {
		t.Errorf("submitted %s, want %s", got, want)
	}
	if k := api.headers[0].Get("Idempotency-Key"); k != "nightly-1" {
		t.Errorf("Idempotency-Key %q", k)
	}
}

func TestSubmitUnknownTypeSendsStrings(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{endedTask(StatusFinished)}}
	b := setup(t, api, "secret", false)
	if err := b.cli.Submit(context.Background(), SubmitOptions{Task: "nope", Params: []string{"n=1"}}); err != nil {
		t.Fatal(err)
	}
	if got := api.submits[0]["parameters"]; !jsonEqualValues(t, got, map[string]any{"n": "1"}) {
		t.Errorf("parameters %v: without a schema, a string", got)
	}
}

func jsonEqualValues(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return jsonEqual(t, x, y)
}

func TestSubmitInvalidIsReadable(t *testing.T) {
	t.Parallel()
	problem := `{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request has fields that do not fit",` +
		`"errors":[{"field":"parameters.duration","message":"must be an integer"},{"field":"parameters.bogus","message":"is not a parameter of this task"}]}`
	for _, jsonOut := range []bool{false, true} {
		api := &fakeAPI{steps: []Task{endedTask(StatusFinished)}, problem: problem}
		b := setup(t, api, "secret", jsonOut)
		err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", Params: []string{"duration=abc", "bogus=1"}, Wait: true})
		if exitCode(err) != ExitUsage {
			t.Fatalf("exit %d (%v), want %d", exitCode(err), err, ExitUsage)
		}
		msg := err.Error()
		for _, line := range []string{"422 Unprocessable Entity: the request has fields that do not fit", "\n  parameters.duration: must be an integer", "\n  parameters.bogus: is not a parameter of this task"} {
			if !strings.Contains(msg, line) {
				t.Errorf("error %q lacks %q", msg, line)
			}
		}
		if got, _ := json.Marshal(api.submits[0]["parameters"]); string(got) != `{"bogus":"1","duration":"abc"}` {
			t.Errorf("sent %s: what does not fit is sent as a string", got)
		}
		if jsonOut && !jsonEqual(t, b.stdout.Bytes(), []byte(problem)) {
			t.Errorf("--json stdout %s, want the problem as it came", b.stdout)
		}
		if !jsonOut && b.stdout.Len() != 0 {
			t.Errorf("stdout %q, want nothing", b.stdout)
		}
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{running(10, "slow")}}
	b := setup(t, api, "secret", false)
	start := time.Now()
	err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", Wait: true, Timeout: 200 * time.Millisecond})
	if exitCode(err) != ExitTimeout || !strings.Contains(err.Error(), "had not ended after 200ms (status STARTED)") {
		t.Fatalf("exit %d (%v), want %d", exitCode(err), err, ExitTimeout)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestWaitInterrupted(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{running(10, "slow")}}
	b := setup(t, api, "secret", false)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := b.cli.Result(ctx, fakeID, true, time.Minute)
	if exitCode(err) != ExitInterrupted || !strings.Contains(err.Error(), "it goes on") {
		t.Fatalf("exit %d (%v), want %d", exitCode(err), err, ExitInterrupted)
	}
}

func TestResultWithoutWait(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{running(10, "slow")}}
	b := setup(t, api, "secret", false)
	err := b.cli.Result(context.Background(), fakeID, false, 0)
	if exitCode(err) != ExitTimeout || !strings.Contains(err.Error(), "has no result yet") {
		t.Fatalf("exit %d (%v), want %d", exitCode(err), err, ExitTimeout)
	}

	api = &fakeAPI{steps: []Task{endedTask(StatusFailed)}, result: `{"task_id":"` + fakeID + `","status":"FAILED","error":"boom"}`}
	b = setup(t, api, "secret", true)
	err = b.cli.Result(context.Background(), fakeID, false, 0)
	if exitCode(err) != ExitFailed {
		t.Fatalf("exit %d (%v), want %d", exitCode(err), err, ExitFailed)
	}
	if !jsonEqual(t, b.stdout.Bytes(), []byte(api.result)) {
		t.Errorf("--json stdout %s, want the answer as it came", b.stdout)
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{steps: []Task{running(40, "working 4 of 10")}}
	b := setup(t, api, "secret", false)
	if err := b.cli.Status(context.Background(), fakeID); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"task    " + fakeID, "status  STARTED, 40% working 4 of 10", "type    example_long_running"} {
		if !strings.Contains(b.stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, b.stdout)
		}
	}
	b = setup(t, &fakeAPI{steps: []Task{running(40, "x")}}, "secret", true)
	if err := b.cli.Status(context.Background(), fakeID); err != nil {
		t.Fatal(err)
	}
	var got Task
	if err := json.Unmarshal(b.stdout.Bytes(), &got); err != nil || got.TaskID != fakeID {
		t.Errorf("--json stdout %s: %v", b.stdout, err)
	}
}

func TestNoTokenSaysWhereOneComesFrom(t *testing.T) {
	t.Parallel()
	b := setup(t, &fakeAPI{steps: []Task{running(1, "")}}, "", false)
	err := b.cli.Status(context.Background(), fakeID)
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), "COMPUTOR_TOKEN") {
		t.Fatalf("exit %d (%v)", exitCode(err), err)
	}
}

func TestNoAPI(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := New(Config{URL: srv.URL, Token: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	cli := &CLI{Client: c, Stdout: io.Discard, Stderr: io.Discard}
	err = cli.Status(context.Background(), fakeID)
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "no answer from the API at "+srv.URL) {
		t.Fatalf("exit %d (%v)", exitCode(err), err)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"127.0.0.1:8000", "ftp://x", "http://", "::"} {
		if _, err := New(Config{URL: u}); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
	c, err := New(Config{URL: "http://127.0.0.1:8000/"})
	if err != nil || c.URL() != "http://127.0.0.1:8000" {
		t.Errorf("New: %v, URL %q", err, c.URL())
	}
}

func TestExitCodeOf(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		status, msg string
		want        int
	}{
		{"FINISHED", "", ExitOK},
		{"FAILED", "boom", ExitFailed},
		{"FAILED", "the task timed out", ExitFailed},
		{"CANCELLED", "", ExitCancelled},
		{"CANCELED", "", ExitCancelled},
		{"TERMINATED", "", ExitCancelled},
		{"FAILED", "the task was terminated: reset", ExitCancelled},
		{"TIMED_OUT", "", ExitFailed},
	} {
		if got := ExitCodeOf(c.status, c.msg); got != c.want {
			t.Errorf("ExitCodeOf(%q, %q) = %d, want %d", c.status, c.msg, got, c.want)
		}
	}
}

func TestSubmitParamsFile(t *testing.T) {
	t.Parallel()
	file := t.TempDir() + "/params.json"
	if err := os.WriteFile(file, []byte(`{"duration": 5, "message": "from the file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, stdin string
	}{{file, ""}, {"-", `{"duration": 5, "message": "from the file"}`}} {
		api := &fakeAPI{steps: []Task{endedTask(StatusFinished)}}
		b := setup(t, api, "secret", false)
		b.cli.Stdin = strings.NewReader(c.stdin)
		err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", ParamsFile: c.file, Params: []string{"duration=7"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := api.submits[0]["parameters"]; !jsonEqualValues(t, got, map[string]any{"duration": 7, "message": "from the file"}) {
			t.Errorf("--params-file %s: parameters %v", c.file, got)
		}
	}
	b := setup(t, &fakeAPI{steps: []Task{endedTask(StatusFinished)}}, "secret", false)
	err := b.cli.Submit(context.Background(), SubmitOptions{Task: "example_long_running", ParamsFile: file + ".missing"})
	if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "--params-file") {
		t.Errorf("a missing file: exit %d (%v)", exitCode(err), err)
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

// A task type this stack cannot run, for want of a sandbox, is a 503
// that says so and how to fix it, not an unknown type; /tasks/types does
// not list it.
func TestUnavailableTaskType(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir() // a PATH with git and no bwrap
	if err := os.Symlink(git, filepath.Join(bin, "git")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	apiAddr := freeAddr()
	p := &devProcess{cmd: exec.Command(binary, "dev", "--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(),
		"--temporal-http-addr", freeAddr(), "--no-ui", "--log-level", "warn"), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	p.cmd.Env = append(os.Environ(), "PATH="+bin, "COMPUTOR_WORK_DIR="+t.TempDir())
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	eventually(t, 60*time.Second, "dev without bwrap ready", func() bool {
		return strings.Contains(p.stdout.String(), "Computor dev is ready")
	})
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	admin := s.tokenFor(t, "no-sandbox-admin", auth.RoleAdmin)

	var types []string
	s.do(t, "GET", "/tasks/types", admin, nil).want(t, http.StatusOK).json(t, &types)
	if slices.Contains(types, "student_testing") || !slices.Contains(types, "example_long_running") {
		t.Fatalf("types without a sandbox: %v", types)
	}
	for _, path := range []string{"/tasks/submit", "/tasks/types/student_testing"} {
		var r response
		if path == "/tasks/submit" {
			r = s.do(t, "POST", path, admin, map[string]any{"task_name": "student_testing", "parameters": map[string]any{}})
		} else {
			r = s.do(t, "GET", path, admin, nil)
		}
		r.want(t, http.StatusServiceUnavailable)
		if !strings.Contains(string(r.body), "student_testing is unavailable on this stack") || !strings.Contains(string(r.body), "install bubblewrap") {
			t.Errorf("%s: %s, want the reason and the fix", path, r.body)
		}
	}
	// A type nobody knows is still a 400 naming the known ones.
	s.do(t, "POST", "/tasks/submit", admin, map[string]any{"task_name": "no_such_task"}).want(t, http.StatusBadRequest)
}

// An Idempotency-Key sent again with another request is a 422 naming the
// first task, whether the parameters, the priority or the task type
// differ; the same request again gets the same task.
func TestIdempotencyKeyReuse(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "reuse-user")
	first := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0, "Idempotency-Key", "hw-1")
	if again := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0, "Idempotency-Key", "hw-1"); again != first {
		t.Fatalf("the same request again: %s, want %s", again, first)
	}
	for name, body := range map[string]map[string]any{
		"other parameters": {"task_name": "example_long_running", "parameters": map[string]any{"duration": 1}},
		"other priority":   {"task_name": "example_long_running", "parameters": map[string]any{"duration": 0}, "priority": 9},
		"other task type":  {"task_name": "example_data_processing", "parameters": map[string]any{}},
	} {
		r := s.do(t, "POST", "/tasks/submit", token, body, "Idempotency-Key", "hw-1").want(t, http.StatusUnprocessableEntity)
		var p struct {
			TaskID string `json:"task_id"`
			Detail string `json:"detail"`
		}
		r.json(t, &p)
		if p.TaskID != first || !strings.Contains(p.Detail, "Idempotency-Key") {
			t.Errorf("%s: %s, want a 422 naming %s", name, r.body, first)
		}
	}
	// Another user's same key is another task.
	other := s.submit(t, s.tokenFor(t, "reuse-other"), "example_long_running", map[string]any{"duration": 1}, 0, "Idempotency-Key", "hw-1")
	if other == first {
		t.Fatal("two users' keys named one task")
	}
}

// GET /tasks shows when and where each task ran, as GET /tasks/{id} does,
// and progress in one decimal.
func TestListShowsWhatTemporalKnows(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "list-knows")
	id := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0)
	s.await(t, token, id)
	var one taskInfo
	s.do(t, "GET", "/tasks/"+id, token, nil).want(t, http.StatusOK).json(t, &one)
	var list struct {
		Tasks []map[string]any `json:"tasks"`
	}
	s.do(t, "GET", "/tasks?limit=10", token, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Tasks) != 1 {
		t.Fatalf("list: %+v", list.Tasks)
	}
	got := list.Tasks[0]
	if got["started_at"] == nil || got["worker"] == nil || got["worker"] == "" {
		t.Fatalf("listed task %v: want started_at and worker", got)
	}
	if w := got["worker"].(string); !regexp.MustCompile(`^[^@\s]+:\d+$`).MatchString(w) {
		t.Errorf("worker %q, want host:pid", w)
	}

	// A running task's progress, in one decimal: 1 of 15 steps is 6.7 %.
	long := s.submit(t, token, "example_long_running", map[string]any{"duration": 15}, 0)
	defer s.do(t, "POST", "/tasks/"+long+"/cancel", token, nil)
	eventually(t, 20*time.Second, "progress reported", func() bool {
		r := s.do(t, "GET", "/tasks/"+long, token, nil)
		var info struct {
			Progress *struct {
				Percent json.Number `json:"percent"`
			} `json:"progress"`
		}
		r.json(t, &info)
		if info.Progress == nil || info.Progress.Percent == "0" {
			return false
		}
		if p := string(info.Progress.Percent); len(p) > len("100.0") || strings.Contains(p, ".") && len(p[strings.Index(p, ".")+1:]) > 1 {
			t.Fatalf("percent %s, want at most one decimal", p)
		}
		return true
	})
}

// A task that waits because no worker polls its queue says so. The API
// here serves a namespace of its own, which no worker polls.
func TestQueuedHint(t *testing.T) {
	t.Parallel()
	s := shared
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := []string{"COMPUTOR_JWT_KEY_FILE=" + s.keyFile}
	var out, errOut syncBuffer
	if err := computor(ctx, []string{"namespace", "create", "--temporal-addr", s.temporal, "no-workers"}, &out, &errOut, env...); err != nil {
		t.Fatalf("namespace create: %v", err)
	}
	apiAddr := freeAddr()
	done := make(chan error, 1)
	go func() {
		done <- computor(ctx, []string{"api", "--api-addr", apiAddr, "--temporal-addr", s.temporal, "--namespace", "no-workers",
			"--data-dir", t.TempDir(), "--log-level", "warn"}, &out, &errOut, env...)
	}()
	defer func() { cancel(); <-done }()
	api := &stack{api: "http://" + apiAddr, key: s.key}
	eventually(t, 30*time.Second, "api ready", func() bool {
		resp, err := http.Get(api.api + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	token := s.tokenFor(t, "hint-user")
	id := api.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 9)
	var info struct {
		Status string `json:"status"`
		Queue  string `json:"queue"`
		Hint   string `json:"hint"`
	}
	api.do(t, "GET", "/tasks/"+id, token, nil).want(t, http.StatusOK).json(t, &info)
	if info.Status != "QUEUED" || !strings.Contains(info.Hint, "no worker is polling "+info.Queue) {
		t.Fatalf("a task no worker can take: %+v", info)
	}
	// Where a worker polls, no hint: the shared stack's queued-then-run task.
	var polled struct {
		Hint string `json:"hint"`
	}
	shared.do(t, "GET", "/tasks/"+s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 9), token, nil).json(t, &polled)
	if polled.Hint != "" {
		t.Errorf("a task on a polled queue has hint %q", polled.Hint)
	}
}

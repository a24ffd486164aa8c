package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// devProcess is `computor dev` in a child process.
type devProcess struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan error // Wait's result
}

func startDevProcess(t testing.TB, args ...string) *devProcess {
	t.Helper()
	return startDevProcessEnv(t, nil, args...)
}

// startDevProcessEnv is startDevProcess with env added to the process's
// environment.
func startDevProcessEnv(t testing.TB, env []string, args ...string) *devProcess {
	t.Helper()
	if !slices.Contains(args, "--temporal-http-addr") {
		args = append(args, "--temporal-http-addr", freeAddr())
	}
	p := &devProcess{cmd: exec.Command(binary, append([]string{"dev"}, args...)...), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	p.exited = exited
	go func() { exited <- p.cmd.Wait() }()
	eventually(t, 60*time.Second, "dev process ready", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("dev exited early: %v\n%s", err, p.stderr.String())
		default:
		}
		return strings.Contains(p.stdout.String(), "Computor dev is ready")
	})
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("dev process stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// signalAndWait sends sig and waits for the process to exit.
func (p *devProcess) signalAndWait(t testing.TB, sig os.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("dev did not exit 60s after %v", sig)
		return nil
	}
}

func TestRestartFinishesRunningTasks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr, temporalAddr := freeAddr(), freeAddr()
	args := []string{"--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", temporalAddr, "--no-ui", "--log-level", "warn"}
	s := &stack{api: "http://" + apiAddr, dataDir: dir}

	dev := startDevProcess(t, args...)
	token := s.tokenFor(t, "restart-user")
	id := s.submit(t, token, "example_long_running", map[string]any{"duration": 12, "message": "survive"}, 0)
	quick := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0)
	s.await(t, token, quick)
	var before float64
	eventually(t, 30*time.Second, "progress before the stop", func() bool {
		info := s.task(t, token, id)
		if info.Progress != nil {
			before = info.Progress.Percent
		}
		return before >= 20
	})

	// Ctrl+C stops it cleanly.
	if err := dev.signalAndWait(t, os.Interrupt); err != nil {
		t.Fatalf("dev exit after SIGINT: %v\n%s", err, dev.stderr.String())
	}
	// It says what it waits for, and that it is done; a running activity
	// cut short by the stop is no ERROR in its log.
	for _, want := range []string{"Stopping: the API", "stopping the worker (running activities get up to", "stopping the Temporal server", "Stopped."} {
		if !strings.Contains(dev.stdout.String(), want) {
			t.Fatalf("the stop does not say %q:\n%s", want, dev.stdout.String())
		}
	}
	if strings.Contains(dev.stderr.String(), `"level":"ERROR"`) {
		t.Errorf("a clean stop logged an error:\n%s", dev.stderr.String())
	}

	// Started again on the same data dir, the task is still there and goes
	// on from its last heartbeat, not from zero.
	dev = startDevProcess(t, args...)
	eventually(t, 30*time.Second, "resumed progress", func() bool {
		info := s.task(t, token, id)
		if info.Status == "FINISHED" {
			return true
		}
		if info.Retries >= 1 && info.Progress != nil {
			if info.Progress.Percent < before {
				t.Fatalf("resumed at %.0f%%, below the %.0f%% reached before the stop", info.Progress.Percent, before)
			}
			return true
		}
		return false
	})

	// Killed outright, it loses nothing either.
	if err := dev.signalAndWait(t, syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill dev")
	}
	startDevProcess(t, args...)
	res := s.await(t, token, id)
	var out struct {
		Message        string  `json:"message"`
		DurationActual float64 `json:"duration_actual"`
	}
	if err := json.Unmarshal(res.Result, &out); err != nil || res.Status != "FINISHED" {
		t.Fatalf("after restarts: %+v (%v)", res, err)
	}
	if out.Message != "survive" || out.DurationActual != 12 {
		t.Fatalf("result %s", res.Result)
	}
	if info := s.task(t, token, id); info.Retries < 1 {
		t.Fatalf("task finished without a retry across restarts: %+v", info)
	}
	if r := s.task(t, token, quick); r.Status != "FINISHED" {
		t.Fatalf("a finished task was lost across restarts: %+v", r)
	}
}

func TestPortTakenIsAClearError(t *testing.T) {
	t.Parallel()
	// The shared stack holds its API port: a second dev on it must say so.
	taken := strings.TrimPrefix(shared.api, "http://")
	var out, errOut syncBuffer
	err := computor(context.Background(), []string{"dev", "--ephemeral", "--data-dir", t.TempDir(), "--api-addr", taken,
		"--temporal-addr", freeAddr(), "--no-ui"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), taken) || !strings.Contains(err.Error(), "api address") {
		t.Fatalf("error %v does not name the taken api address %s", err, taken)
	}
	err = computor(context.Background(), []string{"dev", "--ephemeral", "--data-dir", t.TempDir(), "--api-addr", freeAddr(),
		"--temporal-addr", shared.temporal, "--no-ui"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), shared.temporal) || !strings.Contains(err.Error(), "temporal address") {
		t.Fatalf("error %v does not name the taken temporal address %s", err, shared.temporal)
	}
	err = computor(context.Background(), []string{"dev", "--ephemeral", "--data-dir", t.TempDir(), "--api-addr", freeAddr(),
		"--temporal-addr", freeAddr(), "--ui-addr", shared.ui}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), shared.ui) || !strings.Contains(err.Error(), "ui address") {
		t.Fatalf("error %v does not name the taken ui address %s", err, shared.ui)
	}
	// Every taken address at once, each with what moves it.
	err = computor(context.Background(), []string{"dev", "--ephemeral", "--data-dir", t.TempDir(), "--api-addr", taken,
		"--temporal-addr", shared.temporal, "--temporal-http-addr", shared.temporalHTTP, "--ui-addr", shared.ui}, &out, &errOut)
	for _, want := range []string{"4 addresses are not available", taken, "--api-addr", shared.temporal, "--temporal-addr",
		shared.temporalHTTP, "--temporal-http-addr", shared.ui, "--ui-addr", "COMPUTOR_UI_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v does not say %q", err, want)
		}
	}
}

func TestWorkerCommand(t *testing.T) {
	t.Parallel()
	s := shared
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- computor(ctx, []string{"worker", "--temporal-addr", s.temporal, "--data-dir", t.TempDir(), "--high-priority", "--stop-timeout", "2s", "--log-level", "warn"}, &out, &errOut, "COMPUTOR_JWT_KEY_FILE="+shared.keyFile)
	}()
	eventually(t, 30*time.Second, "worker banner", func() bool { return strings.Contains(out.String(), "Worker started.") })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("worker: %v\n%s", err, errOut.String())
	}
	want := []string{
		"Starting Temporal worker...",
		"Registered workflows: ['" + strings.Join(catalogNames(t), "', '") + "']",
		"Worker running on queues: ['computor-high-priority']",
		"Worker started. Press Ctrl+C to stop.",
	}
	lines := strings.Split(out.String(), "\n")
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Fatalf("banner line %d = %q, want %q\n%s", i, lines[i], w, out.String())
		}
	}
	// Bad queue flags are refused.
	err := computor(context.Background(), []string{"worker", "--queues", "nope"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("bad queue error: %v", err)
	}
}

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	var out, errOut syncBuffer
	if err := computor(context.Background(), []string{"token", "--data-dir", shared.dataDir}, &out, &errOut); err == nil {
		t.Fatal("token without --sub succeeded")
	}
	if err := computor(context.Background(), []string{"token", "--data-dir", t.TempDir(), "--sub", "x"}, &out, &errOut); err == nil ||
		!strings.Contains(err.Error(), "COMPUTOR_JWT_KEY_FILE") {
		t.Fatalf("token without a signing key: %v", err)
	}
	tok := shared.tokenFor(t, "token-user", "lecturer", "tutor")
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \n") {
		t.Fatalf("token output %q is not one JWT", tok)
	}
	shared.do(t, "GET", "/tasks/types", tok, nil).want(t, 200)
}

// TestAcknowledgedSubmitsSurviveAKill SIGKILLs `computor dev` right after a
// burst of submits: every task the API acknowledged exists after restart.
// A process crash keeps what SQLite wrote (it is in the kernel), fsynced
// or not, so this test cannot tell the group commit from none and is no
// evidence of power-loss safety; TestSyncFailure and the embedded
// package's tests check the fsync path itself.
func TestAcknowledgedSubmitsSurviveAKill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr, temporalAddr := freeAddr(), freeAddr()
	args := []string{"--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", temporalAddr, "--no-ui", "--log-level", "warn"}
	dev := startDevProcess(t, args...)
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	token := s.tokenFor(t, "burst-user")

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				r := s.do(t, "POST", "/tasks/submit", token, map[string]any{"task_name": "example_long_running",
					"parameters": map[string]any{"duration": 30}})
				var reply submitReply
				if r.status == http.StatusAccepted && json.Unmarshal(r.body, &reply) == nil {
					mu.Lock()
					acked = append(acked, reply.TaskID)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := dev.signalAndWait(t, syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill dev")
	}
	if len(acked) != 80 {
		t.Fatalf("%d of 80 submits acknowledged", len(acked))
	}
	startDevProcess(t, args...)
	for _, id := range acked {
		info := s.task(t, token, id)
		if info.TaskID != id || info.Status == "" {
			t.Fatalf("acknowledged task %s after the kill: %+v", id, info)
		}
	}
}

package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "metrics-user")
	s.await(t, token, s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0))
	// Metrics are not on the API's port, which the world may reach.
	s.do(t, "GET", "/metrics", "", nil).want(t, http.StatusNotFound)
	resp, err := http.Get(s.metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", s.metrics, resp.StatusCode, err)
	}
	text := string(body)
	for _, w := range []string{
		`http_requests_total{code="202",route="POST /tasks/submit"}`,
		`computor_tasks_submitted_total{queue="computor-tasks",task_name="example_long_running"}`,
		// The dev stack's worker records into the same registry.
		`computor_tasks_ended_total{queue="computor-tasks",status="FINISHED",task_name="example_long_running"}`,
		`computor_task_duration_seconds_bucket{status="FINISHED",task_name="example_long_running",le="0.5"}`,
		"\ntemporal_request_total{",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("GET /metrics lacks %q", w)
		}
	}
}

func TestWorkerMetrics(t *testing.T) {
	t.Parallel()
	addr := freeAddr()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- computor(ctx, []string{"worker", "--temporal-addr", shared.temporal, "--data-dir", t.TempDir(), "--high-priority",
			"--stop-timeout", "2s", "--log-level", "warn", "--metrics-addr", addr}, &out, &errOut, "COMPUTOR_JWT_KEY_FILE="+shared.keyFile)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v\n%s", err, errOut.String())
		}
	}()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually(t, 30*time.Second, "worker /healthz 200", func() bool { code, _ := get("/healthz"); return code == http.StatusOK })
	eventually(t, 30*time.Second, "worker SDK metrics", func() bool {
		code, text := get("/metrics")
		return code == http.StatusOK && strings.Contains(text, "\ntemporal_") && strings.Contains(text, "go_goroutines")
	})
}

// A result long poll ends when the task closes: its long poll of the
// history answers, or the close watch sees the close in Temporal's
// visibility if that long poll missed it (computor_result_waits_total
// with ended "long_poll" or "closed"), well before the wait runs out.
func TestResultWaitsEndAtTheClose(t *testing.T) {
	t.Parallel()
	s := shared
	ended := func() float64 {
		resp, err := http.Get(s.metrics)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var n float64
		for line := range strings.SplitSeq(string(body), "\n") {
			for _, label := range []string{"long_poll", "closed"} {
				if v, ok := strings.CutPrefix(line, `computor_result_waits_total{ended="`+label+`"} `); ok {
					f, err := strconv.ParseFloat(v, 64)
					if err != nil {
						t.Fatal(err)
					}
					n += f
				}
			}
		}
		return n
	}
	token := s.tokenFor(t, "close-watch-user")
	before := ended()
	id := s.submit(t, token, "example_long_running", map[string]any{"duration": 2}, 0)
	asked := time.Now()
	var res taskResult
	s.do(t, "GET", "/tasks/"+id+"/result?wait=60s", token, nil).want(t, http.StatusOK).json(t, &res)
	if res.Status != "FINISHED" {
		t.Fatalf("result %+v", res)
	}
	if waited := time.Since(asked); waited > 50*time.Second {
		t.Fatalf("the result came %s after the ask, near the end of the wait: the close went unseen", waited)
	}
	if after := ended(); after <= before {
		t.Fatalf("waits ended at a close went from %v to %v over a wait for a task that closed", before, after)
	}
}

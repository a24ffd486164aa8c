package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// scrape returns the exposition text of r.
func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRegistry_Handler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record func(r *Registry)
		want   []string
	}{
		{
			name:   "runtime collectors",
			record: func(*Registry) {},
			want:   []string{"go_goroutines ", "process_"},
		},
		{
			name: "request",
			record: func(r *Registry) {
				r.ObserveRequest("GET /tasks/{id}", 404, 5*time.Millisecond)
				r.ObserveRequest("GET /tasks/{id}", 404, 5*time.Millisecond)
			},
			want: []string{
				`http_requests_total{code="404",route="GET /tasks/{id}"} 2`,
				`http_request_duration_seconds_count{route="GET /tasks/{id}"} 2`,
			},
		},
		{
			name:   "task submitted",
			record: func(r *Registry) { r.TaskSubmitted("student_testing", "computor-tasks") },
			want:   []string{`computor_tasks_submitted_total{queue="computor-tasks",task_name="student_testing"} 1`},
		},
		{
			name: "sdk counter gauge timer",
			record: func(r *Registry) {
				h := r.SDKHandler().WithTags(map[string]string{"namespace": "default", "operation": "StartWorkflowExecution"})
				h.Counter("temporal_request").Inc(3)
				h.WithTags(map[string]string{"task_queue": "q"}).Counter("temporal_request").Inc(1)
				h.Gauge("temporal_num_pollers").Update(2)
				h.Timer("temporal_request_latency").Record(250 * time.Millisecond)
			},
			want: []string{
				`temporal_request_total{namespace="default",operation="StartWorkflowExecution"} 3`,
				`temporal_request_total{namespace="default",operation="StartWorkflowExecution",task_queue="q"} 1`,
				`temporal_num_pollers{namespace="default",operation="StartWorkflowExecution"} 2`,
				`temporal_request_latency_seconds_bucket{namespace="default",operation="StartWorkflowExecution",le="0.25"} 1`,
			},
		},
		{
			name: "sdk tag overwritten",
			record: func(r *Registry) {
				h := r.SDKHandler().WithTags(map[string]string{"worker_type": "a"})
				h.WithTags(map[string]string{"worker_type": "b"}).Counter("temporal_poll").Inc(1)
			},
			want: []string{`temporal_poll_total{worker_type="b"} 1`},
		},
		{
			name: "sdk names and keys sanitized",
			record: func(r *Registry) {
				r.SDKHandler().WithTags(map[string]string{"task-queue": "x"}).Counter("temporal.odd-name").Inc(1)
			},
			want: []string{`temporal_odd_name_total{task_queue="x"} 1`},
		},
		{
			name: "sdk kind conflict ignored",
			record: func(r *Registry) {
				h := r.SDKHandler()
				h.Gauge("temporal_x_total").Update(7)
				h.Counter("temporal_x").Inc(1) // same exposed name, other kind: dropped
			},
			want: []string{"temporal_x_total 7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New()
			tt.record(r)
			text := scrape(t, r)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("scrape lacks %q", w)
				}
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, label string }{
		{"temporal_request", "temporal_request", "temporal_request"},
		{"a.b-c d", "a_b_c_d", "a_b_c_d"},
		{"ns:sub", "ns:sub", "ns_sub"},
		{"9lives", "_9lives", "_9lives"},
		{"", "_", "_"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sanitizeLabel(tt.in); got != tt.label {
			t.Errorf("sanitizeLabel(%q) = %q, want %q", tt.in, got, tt.label)
		}
	}
}

func TestSDKHandler_Concurrent(t *testing.T) {
	t.Parallel()
	r := New()
	h := r.SDKHandler()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tagged := h.WithTags(map[string]string{"worker": string(rune('a' + i%2))})
			for range 100 {
				tagged.Counter("temporal_c").Inc(1)
				tagged.Timer("temporal_t").Record(time.Millisecond)
			}
		})
	}
	wg.Wait()
	text := scrape(t, r)
	for _, w := range []string{`temporal_c_total{worker="a"} 400`, `temporal_c_total{worker="b"} 400`} {
		if !strings.Contains(text, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
}

func TestRegistry_Nil(t *testing.T) {
	t.Parallel()
	var r *Registry
	r.ObserveRequest("GET /", 200, time.Second)
	r.TaskSubmitted("x", "q")
	r.SDKHandler().Counter("temporal_x").Inc(1)
}

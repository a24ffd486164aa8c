package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/metrics"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		method, target string
		token          bool
		want           string
	}{
		{"public route", "GET", "/healthz", false, `http_requests_total{code="200",route="GET /healthz"} 1`},
		{"unauthorized", "GET", "/tasks", false, `http_requests_total{code="401",route="GET /tasks"} 1`},
		{"pattern not path", "GET", "/tasks/types/nope", true, `http_requests_total{code="404",route="GET /tasks/types/{name}"} 1`},
		{"no route", "GET", "/nowhere", false, `http_requests_total{code="404",route="unmatched"} 1`},
		{"latency", "GET", "/healthz", false, `http_request_duration_seconds_count{route="GET /healthz"} 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.server.metrics = metrics.New()
			tok := ""
			if tt.token {
				tok = b.token("alice")
			}
			b.do(t, tt.method, tt.target, tok, "")
			// The API records; the metrics are served apart from it.
			w := httptest.NewRecorder()
			b.server.metrics.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
			if w := b.do(t, "GET", "/metrics", "", ""); w.Code != http.StatusNotFound {
				t.Fatalf("GET /metrics on the API: status %d, want 404", w.Code)
			}
			if !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("GET /metrics lacks %q", tt.want)
			}
		})
	}
}

func TestMetricsOff(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if w := b.do(t, "GET", "/metrics", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without Metrics: status %d, want 404", w.Code)
	}
}

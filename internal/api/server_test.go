package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
)

// testBundle is the fresh state of one test: a Server with no Temporal
// client (so any handler that reaches Temporal panics and fails the test),
// the real task catalog, a stub verifier and a log buffer.
type testBundle struct {
	server   *Server
	registry *tasks.Registry
	verifier *stubVerifier
	logs     *syncBuffer
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupWith(t, testRegistry(t))
}

// testRegistry is the real catalog. Its task types reach their deps only
// when a task is submitted or run, which these tests never do.
func testRegistry(t *testing.T) *tasks.Registry {
	t.Helper()
	reg, err := catalog.New(catalog.Deps{}, false)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func setupWith(t *testing.T, reg *tasks.Registry) *testBundle {
	t.Helper()
	logs := &syncBuffer{}
	v := &stubVerifier{tokens: map[string]*auth.Claims{}}
	return &testBundle{
		server: &Server{
			namespace: "default",
			registry:  reg,
			verifier:  v,
			logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		},
		registry: reg,
		verifier: v,
		logs:     logs,
	}
}

// token registers a token for sub with roles and returns it.
func (b *testBundle) token(sub string, roles ...string) string {
	tok := "token-of-" + sub
	b.verifier.mu.Lock()
	defer b.verifier.mu.Unlock()
	b.verifier.tokens[tok] = &auth.Claims{Subject: sub, Roles: roles}
	return tok
}

// do serves one request through the whole Handler.
func (b *testBundle) do(t *testing.T, method, target, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	b.server.Handler().ServeHTTP(w, r)
	return w
}

// stubVerifier accepts the tokens it knows; others fail with err, or with
// an auth.VerifyError when err is nil.
type stubVerifier struct {
	mu     sync.Mutex
	tokens map[string]*auth.Claims
	err    error
	calls  []string
}

func (v *stubVerifier) Verify(_ context.Context, token string) (*auth.Claims, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls = append(v.calls, token)
	if c, ok := v.tokens[token]; ok {
		return c, nil
	}
	if v.err != nil {
		return nil, v.err
	}
	return nil, &auth.VerifyError{Reason: "invalid signature"}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// decodeProblem checks that w is a problem+json answer of status and
// returns it.
func decodeProblem(t *testing.T, w *httptest.ResponseRecorder, status int) Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body %q is not a problem: %v", w.Body, err)
	}
	if p.Status != status || p.Title != http.StatusText(status) || p.Type != "about:blank" {
		t.Fatalf("problem %+v does not match status %d", p, status)
	}
	return p
}

// fieldNames lists the fields a problem names, in order.
func fieldNames(p *Problem) []string {
	names := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		names[i] = e.Field
	}
	return names
}

// stubTemporal is a client whose only working method is CheckHealth; any
// other call panics on the nil embedded interface.
type stubTemporal struct {
	client.Client
	healthErr error
}

func (c *stubTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	if c.healthErr != nil {
		return nil, c.healthErr
	}
	return &client.CheckHealthResponse{}, nil
}

func TestNew(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	valid := func() Config {
		return Config{Temporal: &stubTemporal{}, Namespace: "default", Registry: reg, Verifier: &stubVerifier{}}
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no temporal", func(c *Config) { c.Temporal = nil }, "Temporal"},
		{"no registry", func(c *Config) { c.Registry = nil }, "Registry"},
		{"no verifier", func(c *Config) { c.Verifier = nil }, "Verifier"},
		{"no namespace", func(c *Config) { c.Namespace = "" }, "Namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			tt.mutate(&cfg)
			s, err := New(cfg)
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name %s", err, tt.want)
			}
		})
	}
	t.Run("logger optional", func(t *testing.T) {
		t.Parallel()
		s, err := New(valid())
		if err != nil {
			t.Fatal(err)
		}
		if s.logger == nil || s.namespace != "default" || s.registry != reg {
			t.Fatalf("server %+v", s)
		}
	})
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	reg := testRegistry(t)
	tests := []struct {
		name      string
		healthErr error
		status    int
	}{
		{"healthy", nil, http.StatusOK},
		{"down", errors.New("dial tcp 10.0.0.7:7233: connection refused"), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(Config{Temporal: &stubTemporal{healthErr: tt.healthErr}, Namespace: "default", Registry: reg, Verifier: &stubVerifier{}})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if tt.status == http.StatusOK {
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"ready"`) {
					t.Fatalf("readyz %d %s", w.Code, w.Body)
				}
				return
			}
			decodeProblem(t, w, tt.status)
			if strings.Contains(w.Body.String(), "10.0.0.7") {
				t.Fatalf("readyz leaks the internal error: %s", w.Body)
			}
		})
	}
}

// gatedParams is a task type only the role "ops" may submit.
type gatedParams struct {
	Note string `json:"note"`
}

func (gatedParams) Kind() string    { return "test_gated" }
func (gatedParams) Validate() error { return nil }

func TestHandlerRoutes(t *testing.T) {
	t.Parallel()
	gated := tasks.New(tasks.Spec[gatedParams, string]{
		Description: "test",
		Roles:       []string{"ops"},
		Workflow:    func(workflow.Context, gatedParams) (string, error) { return "", nil },
	})
	reg, err := tasks.NewRegistry(gated)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("unknown route is a problem 404", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// Without a Store and Git, their routes are left out too.
		for _, target := range []string{"/nowhere", "/tasks/types/x/y", "/", "/courses", "/organizations", "/git/org/repo.git/info/refs"} {
			w := b.do(t, http.MethodGet, target, "", "")
			p := decodeProblem(t, w, http.StatusNotFound)
			if !strings.Contains(p.Detail, target) {
				t.Fatalf("detail %q does not name %s", p.Detail, target)
			}
			if w.Header().Get("X-Request-ID") == "" {
				t.Fatal("no X-Request-ID")
			}
		}
	})
	t.Run("wrong method is a problem", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		w := b.do(t, http.MethodDelete, "/tasks", b.token("alice"), "")
		if w.Code != http.StatusNotFound && w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("DELETE /tasks: %d", w.Code)
		}
		decodeProblem(t, w, w.Code)
	})
	t.Run("healthz is public", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		w := b.do(t, http.MethodGet, "/healthz", "", "")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("healthz %d %q", w.Code, w.Header().Get("Content-Type"))
		}
		var body map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["status"] != "ok" {
			t.Fatalf("healthz body %s (%v)", w.Body, err)
		}
	})
	t.Run("private routes need a token", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, rt := range []struct{ method, target string }{
			{http.MethodGet, "/tasks"}, {http.MethodGet, "/tasks/types"}, {http.MethodGet, "/tasks/types/example_long_running"},
			{http.MethodGet, "/tasks/x"}, {http.MethodGet, "/tasks/x/result"}, {http.MethodPost, "/tasks/x/cancel"},
			{http.MethodPost, "/tasks/submit"},
		} {
			w := b.do(t, rt.method, rt.target, "", "")
			decodeProblem(t, w, http.StatusUnauthorized)
			if w.Header().Get("WWW-Authenticate") == "" {
				t.Fatalf("%s %s: 401 without WWW-Authenticate", rt.method, rt.target)
			}
		}
	})
	t.Run("types", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		tok := b.token("alice")
		w := b.do(t, http.MethodGet, "/tasks/types", tok, "")
		var names []string
		if err := json.Unmarshal(w.Body.Bytes(), &names); err != nil || w.Code != http.StatusOK {
			t.Fatalf("types %d %s (%v)", w.Code, w.Body, err)
		}
		if !slices.Equal(names, b.registry.Names()) {
			t.Fatalf("types %v, want %v", names, b.registry.Names())
		}
		p := decodeProblem(t, b.do(t, http.MethodGet, "/tasks/types/nope", tok, ""), http.StatusNotFound)
		if !slices.Equal(p.KnownTaskTypes, b.registry.Names()) {
			t.Fatalf("known types %v", p.KnownTaskTypes)
		}
	})
	t.Run("task sub-route other than result", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := decodeProblem(t, b.do(t, http.MethodGet, "/tasks/some-id/logs", b.token("alice"), ""), http.StatusNotFound)
		if !strings.Contains(p.Detail, "no route") {
			t.Fatalf("detail %q", p.Detail)
		}
	})
	t.Run("role-gated type", func(t *testing.T) {
		t.Parallel()
		b := setupWith(t, reg)
		w := b.do(t, http.MethodPost, "/tasks/submit", b.token("alice", "dev"), `{"task_name":"test_gated"}`)
		p := decodeProblem(t, w, http.StatusForbidden)
		if !strings.Contains(p.Detail, "ops") {
			t.Fatalf("403 does not name the role: %q", p.Detail)
		}
		w = b.do(t, http.MethodGet, "/tasks/types/test_gated", b.token("bob"), "")
		var typ TaskType
		if err := json.Unmarshal(w.Body.Bytes(), &typ); err != nil || w.Code != http.StatusOK {
			t.Fatalf("type %d %s (%v)", w.Code, w.Body, err)
		}
		if typ.Name != "test_gated" || !slices.Equal(typ.Roles, []string{"ops"}) {
			t.Fatalf("type %+v", typ)
		}
	})
	t.Run("submit checks before Temporal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		tok := b.token("alice")
		tests := []struct {
			name   string
			body   string
			header string
			status int
		}{
			{"unknown type", `{"task_name":"nope"}`, "", http.StatusBadRequest},
			{"bad idempotency key", `{"task_name":"example_long_running"}`, "a\x01b", http.StatusBadRequest},
			{"too large", `{"task_name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, "", http.StatusRequestEntityTooLarge},
			{"bad parameters", `{"task_name":"example_long_running","parameters":{"nope":1}}`, "", http.StatusUnprocessableEntity},
		}
		for _, tt := range tests {
			r := httptest.NewRequest(http.MethodPost, "/tasks/submit", strings.NewReader(tt.body))
			r.Header.Set("Authorization", "Bearer "+tok)
			if tt.header != "" {
				r.Header.Set("Idempotency-Key", tt.header)
			}
			w := httptest.NewRecorder()
			b.server.Handler().ServeHTTP(w, r)
			p := decodeProblem(t, w, tt.status)
			if tt.status == http.StatusUnprocessableEntity && !slices.Equal(fieldNames(&p), []string{"parameters.nope"}) {
				t.Fatalf("%s: fields %v", tt.name, fieldNames(&p))
			}
		}
	})
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

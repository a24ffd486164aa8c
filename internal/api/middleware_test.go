package api

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/auth"
)

func TestChain(t *testing.T) {
	t.Parallel()
	var order []string
	mw := func(name string) middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
				order = append(order, "/"+name)
			})
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { order = append(order, "handler") })
	chain(h, mw("a"), mw("b"), mw("c")).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if want := []string{"a", "b", "c", "handler", "/c", "/b", "/a"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}

	order = nil
	chain(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !slices.Equal(order, []string{"handler"}) {
		t.Fatalf("empty chain: %v", order)
	}
}

func TestWithRecover(t *testing.T) {
	t.Parallel()
	t.Run("panic becomes a 500", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		h := b.server.withRecover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic("secret state: nil map")
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks", nil))
		p := decodeProblem(t, w, http.StatusInternalServerError)
		if strings.Contains(w.Body.String(), "secret") || p.Detail != "internal error" {
			t.Fatalf("panic value leaks: %s", w.Body)
		}
		if logs := b.logs.String(); !strings.Contains(logs, "panic in handler") || !strings.Contains(logs, "secret state") {
			t.Fatalf("panic not logged: %s", logs)
		}
	})
	t.Run("ErrAbortHandler panics on", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		h := b.server.withRecover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}))
		w := httptest.NewRecorder()
		got := func() (v any) {
			defer func() { v = recover() }()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			return nil
		}()
		if got != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", got)
		}
		if w.Body.Len() != 0 || strings.Contains(b.logs.String(), "panic in handler") {
			t.Fatalf("abort was handled as an error: %q %s", w.Body, b.logs)
		}
	})
	t.Run("through the whole handler", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// claimsOf panics when a handler runs without authenticate.
		h := chain(b.server.adapt(func(w http.ResponseWriter, r *http.Request) error {
			claimsOf(r)
			return nil
		}), b.server.withRequestID, b.server.withLog, b.server.withRecover)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks", nil))
		decodeProblem(t, w, http.StatusInternalServerError)
		if logs := b.logs.String(); !strings.Contains(logs, "status=500") {
			t.Fatalf("withLog did not see the 500: %s", logs)
		}
	})
}

func TestWithRequestID(t *testing.T) {
	t.Parallel()
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	tests := []struct {
		name string
		sent string
		echo bool
	}{
		{"none", "", false},
		{"sane", "req-42", true},
		{"uuid", "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"at the limit", strings.Repeat("r", 128), true},
		{"too long", strings.Repeat("r", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var inCtx any
			h := b.server.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inCtx = r.Context().Value(requestIDKey{})
			}))
			ids := map[string]bool{}
			for range 2 {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				if tt.sent != "" {
					r.Header.Set("X-Request-ID", tt.sent)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				id := w.Header().Get("X-Request-ID")
				if inCtx != id {
					t.Fatalf("context has %v, header %q", inCtx, id)
				}
				if tt.echo && id != tt.sent {
					t.Fatalf("X-Request-ID %q, want the sent %q", id, tt.sent)
				}
				if !tt.echo && !generated.MatchString(id) {
					t.Fatalf("generated X-Request-ID %q", id)
				}
				ids[id] = true
			}
			if !tt.echo && len(ids) != 2 {
				t.Fatalf("two requests got the same generated id %v", ids)
			}
		})
	}
}

func TestWithBodyLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		path  string
		size  int
		ok    bool
		limit int64 // of the error
	}{
		{"empty", "/tasks/submit", 0, true, 0},
		{"at the limit", "/tasks/submit", MaxBodyBytes, true, 0},
		{"one over", "/tasks/submit", MaxBodyBytes + 1, false, MaxBodyBytes},
		{"git-like path outside /git/", "/gitx/push", MaxBodyBytes + 1, false, MaxBodyBytes},
		{"git push over the API limit", "/git/org/repo.git/git-receive-pack", MaxBodyBytes + 1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n int
			var err error
			h := (&Server{}).withBodyLimit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body []byte
				body, err = io.ReadAll(r.Body)
				n = len(body)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(strings.Repeat("x", tt.size))))
			if tt.ok {
				if err != nil || n != tt.size {
					t.Fatalf("read %d bytes, %v; want %d", n, err, tt.size)
				}
				return
			}
			var mbe *http.MaxBytesError
			if !errors.As(err, &mbe) || mbe.Limit != tt.limit || int64(n) > tt.limit {
				t.Fatalf("read %d bytes, %v; want an *http.MaxBytesError", n, err)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		header     string
		verifyErr  error
		wantDetail string
		verified   bool // Verify was called
		logged     bool
	}{
		{name: "no header", wantDetail: "missing bearer token"},
		{name: "empty bearer", header: "Bearer ", wantDetail: "missing bearer token"},
		{name: "other scheme", header: "Token abc", wantDetail: "missing bearer token"},
		{name: "rejected", header: "Bearer forged",
			verifyErr:  &auth.VerifyError{Reason: "token expired", Err: errors.New("secret detail")},
			wantDetail: "unauthorized: token expired", verified: true},
		{name: "verifier broken", header: "Bearer forged", verifyErr: errors.New("secret: jwks fetch failed"),
			wantDetail: "invalid token", verified: true, logged: true},
		{name: "lives too long", header: "Bearer forged",
			verifyErr:  &auth.VerifyError{Reason: "token lifetime exceeds the maximum", Err: errors.New("valid for 8760h0m0s, the maximum is 720h0m0s")},
			wantDetail: "unauthorized: token lifetime exceeds the maximum", verified: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.verifier.err = tt.verifyErr
			called := false
			h := b.server.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
			r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if called {
				t.Fatal("the next handler ran without a valid token")
			}
			p := decodeProblem(t, w, http.StatusUnauthorized)
			if p.Detail != tt.wantDetail && !strings.HasPrefix(p.Detail, tt.wantDetail) {
				t.Fatalf("detail %q, want %q", p.Detail, tt.wantDetail)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="computor"` {
				t.Fatalf("WWW-Authenticate %q", got)
			}
			if strings.Contains(w.Body.String(), "secret") {
				t.Fatalf("body leaks the verifier's error: %s", w.Body)
			}
			if verified := len(b.verifier.calls) > 0; verified != tt.verified {
				t.Fatalf("Verify called %v, want %v", b.verifier.calls, tt.verified)
			}
			if logged := strings.Contains(b.logs.String(), "token verification failed"); logged != tt.logged {
				t.Fatalf("logged %v, want %v: %s", logged, tt.logged, b.logs)
			}
			// A refused token leaves a line saying why, for the operator.
			var ve *auth.VerifyError
			if errors.As(tt.verifyErr, &ve) && (!strings.Contains(b.logs.String(), "token refused") ||
				!strings.Contains(b.logs.String(), ve.Reason) || !strings.Contains(b.logs.String(), ve.Err.Error())) {
				t.Fatalf("no log line says why the token was refused: %s", b.logs)
			}
		})
	}
	t.Run("a service's token", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for _, role := range []string{auth.RoleAPIService, auth.RoleWorkerService} {
			called := false
			h := b.server.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
			r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
			r.Header.Set("Authorization", "Bearer "+b.token("computor-svc", role, auth.RoleAdmin))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			p := decodeProblem(t, w, http.StatusUnauthorized)
			if called || !strings.Contains(p.Detail, "service tokens are for the Temporal frontend") {
				t.Fatalf("%s token at the API: called %v, %q", role, called, p.Detail)
			}
		}
	})
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		tok := b.token("alice", "dev", auth.RoleAdmin)
		var got *auth.Claims
		h := b.server.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = claimsOf(r)
			w.WriteHeader(http.StatusNoContent)
		}))
		for _, header := range []string{"Bearer " + tok, "bearer  " + tok + " "} {
			got = nil
			r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
			r.Header.Set("Authorization", header)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusNoContent || w.Header().Get("WWW-Authenticate") != "" {
				t.Fatalf("%q: %d %s", header, w.Code, w.Body)
			}
			if got == nil || got.Subject != "alice" || !got.IsAdmin() || !slices.Equal(got.Roles, []string{"dev", auth.RoleAdmin}) {
				t.Fatalf("%q: claims in context %+v", header, got)
			}
		}
		if !slices.Equal(b.verifier.calls, []string{tok, tok}) {
			t.Fatalf("Verify got %q", b.verifier.calls)
		}
	})
}

func TestStatusRecorder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing", func(http.ResponseWriter) {}, 0},
		{"body only", func(w http.ResponseWriter) { _, _ = w.Write([]byte("x")) }, http.StatusOK},
		{"header", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
		{"first header wins", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusAccepted},
		{"header after body", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte("x"))
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusOK},
	}
	for _, tt := range tests {
		rec := &statusRecorder{ResponseWriter: httptest.NewRecorder()}
		tt.write(rec)
		if rec.status != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, rec.status, tt.want)
		}
		if _, ok := http.ResponseWriter(rec).(interface{ Unwrap() http.ResponseWriter }); !ok {
			t.Errorf("statusRecorder does not unwrap, so http.ResponseController cannot reach the writer")
		}
	}
}

// A git client's first request carries no credentials and gets a 401, as
// git expects: that is logged at debug. A 401 anywhere else, or a git
// request with wrong credentials, stays at info.
func TestWithLogGitChallenge(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := b.server.withLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	for _, tc := range []struct {
		path, auth, level string
	}{
		{"/git/course/assignments.git/info/refs", "", "DEBUG"},
		{"/git/course/assignments.git/info/refs", "Basic eDp5", "INFO"},
		{"/tasks", "", "INFO"},
	} {
		b.logs.Reset()
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if logs := b.logs.String(); !strings.Contains(logs, "level="+tc.level) || !strings.Contains(logs, "status=401") {
			t.Errorf("%s (auth %q): %s, want level %s", tc.path, tc.auth, logs, tc.level)
		}
	}
}

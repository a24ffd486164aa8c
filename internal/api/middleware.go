package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
)

type middleware func(http.Handler) http.Handler

// chain wraps h so that the first middleware runs first.
func chain(h http.Handler, mws ...middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type requestIDKey struct{}

// withRequestID gives every request an id, taken from X-Request-ID when the
// caller sent a sane one, and echoes it back.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 128 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// withLog logs each request: 5xx as errors, the rest at debug.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := s.logger.Debug
		if rec.status >= 500 {
			level = s.logger.Error
		} else if rec.status >= 400 {
			level = s.logger.Info
		}
		level("http request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(), "request_id", r.Context().Value(requestIDKey{}))
	})
}

// withMetrics records each request's route pattern, status and duration
// when the server has metrics. The mux sets r.Pattern on the request it is
// given, which the middleware between here and the mux pass on unchanged.
func (s *Server) withMetrics(next http.Handler) http.Handler {
	if s.metrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.metrics.ObserveRequest(route, rec.status, time.Since(start))
	})
}

// withRecover turns a panic into a logged 500 instead of a dropped
// connection.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger.Error("panic in handler", "panic", v, "stack", string(debug.Stack()))
				writeProblem(w, problem(http.StatusInternalServerError, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit bounds every request body to MaxBodyBytes, but a git push,
// which carries a repository's objects, to MaxGitBodyBytes.
func withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if strings.HasPrefix(r.URL.Path, "/git/") {
			limit = MaxGitBodyBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// authenticate requires a valid bearer token and puts its claims in the
// request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := auth.TokenFromRequest(r)
		if token == "" {
			unauthorized(w, "missing bearer token: send Authorization: Bearer <token>")
			return
		}
		claims, err := s.verifier.Verify(r.Context(), token)
		if err != nil {
			msg := "invalid token"
			if errors.Is(err, auth.ErrUnauthorized) {
				msg = err.Error()
			} else {
				s.logger.Error("token verification failed", "err", err)
			}
			unauthorized(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), claims)))
	})
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="computor"`)
	writeProblem(w, problem(http.StatusUnauthorized, "%s", detail))
}

// claimsOf returns the verified claims of an authenticated request.
func claimsOf(r *http.Request) *auth.Claims {
	c, ok := auth.ClaimsFrom(r.Context())
	if !ok {
		// authenticate runs before every private handler.
		panic("api: handler without authenticate")
	}
	return c
}

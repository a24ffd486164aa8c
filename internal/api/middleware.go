package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/derrors"
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

// logFields are what a handler adds to its request's log line.
type logFields struct{ taskID string }

type logFieldsKey struct{}

// noteTaskID puts the task a request is about on the request's log line,
// so one task's story can be followed by task_id across API and workers.
func noteTaskID(ctx context.Context, id string) {
	if f, ok := ctx.Value(logFieldsKey{}).(*logFields); ok {
		f.taskID = id
	}
}

// withLog logs each request: 5xx as errors, 4xx at info, the rest at debug.
// A git request's 401 without credentials is git's normal first try
// (it asks for credentials only once told to): debug, not info.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		fields := &logFields{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logFieldsKey{}, fields)))
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelError
		} else if rec.status >= 400 && !gitChallenge(r, rec.status) {
			level = slog.LevelInfo
		}
		if !s.logger.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()), slog.Any("request_id", r.Context().Value(requestIDKey{})),
		}
		if fields.taskID != "" {
			attrs = append(attrs, slog.String("task_id", fields.taskID))
		}
		s.logger.LogAttrs(r.Context(), level, "http request", attrs...)
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

// withBodyLimit bounds every request body to MaxBodyBytes, and its
// arrival to s.bodyTimeout, but a git push, which carries a repository's
// objects, to MaxGitBodyBytes in the server's (longer) read timeout. A
// client that promises a body and sends none is cut off, not waited for.
func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if strings.HasPrefix(r.URL.Path, "/git/") {
			limit = MaxGitBodyBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if !strings.HasPrefix(r.URL.Path, "/git/") && s.bodyTimeout > 0 && r.ContentLength != 0 {
			// Not every writer can set a deadline (httptest's cannot); the
			// server's own read timeout still holds then.
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(s.bodyTimeout)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline of a body once it has arrived: a
// deadline left on the connection would cut the handler's own work (a
// long poll) short, since the server reads on in the background then.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
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
		claims, err := s.verify(r, token)
		if err != nil {
			msg := "invalid token"
			if errors.Is(err, derrors.Unauthenticated) {
				msg = err.Error()
			}
			unauthorized(w, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithClaims(r.Context(), claims)))
	})
}

// verify checks a token, and logs why one is refused. Service tokens
// (the API's and the workers' own, for the Temporal frontend) are not
// for the API: a stolen one must not act as a user here.
func (s *Server) verify(r *http.Request, token string) (*auth.Claims, error) {
	claims, err := s.verifier.Verify(r.Context(), token)
	var ve *auth.VerifyError
	switch {
	case errors.As(err, &ve):
		s.logger.Info("token refused", "reason", ve.Reason, "detail", ve.Err, "path", r.URL.Path)
		return nil, err
	case err != nil:
		s.logger.Error("token verification failed", "err", err)
		return nil, err
	case claims.IsService():
		s.logger.Warn("service token refused at the API", "subject", claims.Subject, "path", r.URL.Path)
		return nil, fmt.Errorf("%w: service tokens are for the Temporal frontend, not the API", derrors.Unauthenticated)
	}
	return claims, nil
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

// gitChallenge reports whether a 401 answers a git request that carried no
// credentials: the challenge git expects before it sends them.
func gitChallenge(r *http.Request, status int) bool {
	return status == http.StatusUnauthorized && strings.HasPrefix(r.URL.Path, "/git/") && r.Header.Get("Authorization") == ""
}

// Package api serves Computor's HTTP API: submitting tasks, watching them,
// their results and types, behind JWT bearer auth. Errors are RFC 9457
// problem+json.
package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/metrics"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Request body limits.
const (
	// MaxBodyBytes bounds every API request body.
	MaxBodyBytes = 1 << 20
	// DefaultBodyTimeout is how long a request body (but a git push's)
	// may take to arrive.
	DefaultBodyTimeout = 30 * time.Second
	// MaxGitBodyBytes bounds a git push.
	MaxGitBodyBytes = 512 << 20
)

// Verifier checks a bearer token; *auth.Verifier is the implementation.
type Verifier interface {
	Verify(ctx context.Context, token string) (*auth.Claims, error)
}

// Config holds what the API needs. Temporal, Namespace, Registry and
// Verifier are required.
type Config struct {
	Temporal  client.Client
	Namespace string
	Registry  *tasks.Registry
	Verifier  Verifier
	// Store serves the read API of organizations and courses; nil leaves
	// those routes out.
	Store store.Store
	// Git serves /git/...; nil leaves it out.
	Git GitServer
	// Metrics, when set, records request and submit metrics; the caller
	// serves them, on an address of their own. Nil means no metrics.
	Metrics *metrics.Registry
	// JWKS, when set, is served on GET /.well-known/jwks.json: the public
	// key of Computor's tokens, for a Temporal server to verify them.
	JWKS []byte
	// BodyTimeout bounds how long a request body (but a git push's) may
	// take to arrive. Default DefaultBodyTimeout.
	BodyTimeout time.Duration
	Logger      *slog.Logger
	// Sync, when set, is called after Temporal accepted a submit or a
	// cancel and before the API acknowledges it: the embedded engine's
	// group commit, which makes the acknowledgement survive a power loss.
	Sync func() error
	// SyncErr, when set, says why syncing stopped for good (an fsync
	// failed), nil while it works: the API then refuses submits before
	// starting anything, and /readyz reports not ready.
	SyncErr func() error
}

// Server is the HTTP API.
type Server struct {
	temporal client.Client
	// closes tells waiting result requests when their task closed.
	closes *closeWatch
	// queueFigures caches the test queue's figures for waiting estimates.
	queueFigures queueFigures
	namespace    string
	registry     *tasks.Registry
	verifier     Verifier
	store        store.Store
	git          GitServer
	metrics      *metrics.Registry
	jwks         []byte
	bodyTimeout  time.Duration
	logger       *slog.Logger
	sync         func() error
	syncErr      func() error
	histories    closedHistories

	// The OpenAPI description, made once (openAPIJSON).
	specOnce sync.Once
	spec     []byte
	specErr  error
}

// New returns the API server.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Temporal == nil:
		return nil, errors.New("api: Temporal client is required")
	case cfg.Registry == nil:
		return nil, errors.New("api: Registry is required")
	case cfg.Verifier == nil:
		return nil, errors.New("api: Verifier is required")
	case cfg.Namespace == "":
		return nil, errors.New("api: Namespace is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		temporal:    cfg.Temporal,
		namespace:   cfg.Namespace,
		registry:    cfg.Registry,
		verifier:    cfg.Verifier,
		store:       cfg.Store,
		git:         cfg.Git,
		metrics:     cfg.Metrics,
		jwks:        cfg.JWKS,
		bodyTimeout: cmp.Or(cfg.BodyTimeout, DefaultBodyTimeout),
		logger:      cfg.Logger,
		sync:        cfg.Sync,
		syncErr:     cfg.SyncErr,
	}
	s.closes = &closeWatch{namespace: s.namespace, list: s.temporal.ListWorkflow, logger: s.logger}
	if _, err := s.openAPIJSON(); err != nil {
		return nil, fmt.Errorf("api: describe the API: %w", err)
	}
	return s, nil
}

// durable makes what Temporal accepted durable before the API says so.
func (s *Server) durable() error {
	if s.sync == nil {
		return nil
	}
	if err := s.sync(); err != nil {
		return fmt.Errorf("make durable: %w", err)
	}
	return nil
}

// errNotDurable is the detail of every answer while syncing is broken.
const errNotDurable = "the task engine's database could not be synced to disk, so what it accepts might not survive a power loss; an admin must check the disk and restart computor"

// syncBroken is a 503 while syncing is broken for good, nil otherwise.
func (s *Server) syncBroken() *Problem {
	if s.syncErr == nil || s.syncErr() == nil {
		return nil
	}
	return problem(http.StatusServiceUnavailable, errNotDurable)
}

// handlerFunc is a handler that returns its error for one adapter to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the API with every route of Server.routes and the
// middleware chain.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	shared := map[string]bool{}
	for _, rt := range s.routes() {
		if rt.mux != "" {
			if shared[rt.mux] {
				continue // several routes, one pattern and handler
			}
			shared[rt.mux] = true
		}
		h := rt.handler
		if rt.auth == bearer {
			h = s.authenticate(h)
		}
		mux.Handle(cmp.Or(rt.mux, rt.pattern), h)
	}
	// Anything else is a problem+json 404 (or 405), not the mux's plain text.
	mux.Handle("/", s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return problem(http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path)
	}))
	return chain(mux, s.withRequestID, s.withLog, s.withMetrics, s.withRecover, s.withBodyLimit)
}

// serveResultRoute serves GET /tasks/{id}/result, registered as GET
// /tasks/{id}/{sub}: GET /tasks/types/{name} and GET /tasks/{id}/result
// overlap (a task named "types"), which the mux refuses, while a wildcard
// {sub} leaves /tasks/types/{name} and /tasks/workers/status the more
// specific patterns. Task ids start with their type's name, so no task id
// is "types" or "workers".
func (s *Server) serveResultRoute(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("sub") != "result" {
		return problem(http.StatusNotFound, "no route %s %s", r.Method, r.URL.Path)
	}
	return s.serveResult(w, r)
}

// adapt renders a handler's error as problem+json.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// writeError renders any error as problem+json, for the API's handlers and
// for git's alike; a 5xx is logged, since it is a bug or an outage.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, internal := toProblem(err)
	if internal {
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, p)
}

func (s *Server) serveHealthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) error {
	if p := s.syncBroken(); p != nil {
		return p
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		s.logger.WarnContext(ctx, "not ready", "err", err)
		return problem(http.StatusServiceUnavailable, "temporal does not answer")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

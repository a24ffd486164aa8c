package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestToProblem(t *testing.T) {
	t.Parallel()
	own := problem(http.StatusConflict, "task %s has already ended", "x")
	fields := []derrors.FieldError{{Field: "duration", Message: "must be at most 3600"}, {Field: "message", Message: "must be a string"}}
	tests := []struct {
		name     string
		err      error
		status   int
		internal bool
		same     *Problem // the very Problem expected back
		fields   []derrors.FieldError
	}{
		{name: "problem", err: own, status: http.StatusConflict, same: own},
		{name: "wrapped problem", err: fmt.Errorf("serve: %w", own), status: http.StatusConflict, same: own},
		{name: "validation", err: &derrors.InvalidError{Fields: fields}, status: http.StatusUnprocessableEntity, fields: fields},
		{name: "wrapped validation", err: fmt.Errorf("decode: %w", derrors.InvalidField("x", "bad %d", 1)),
			status: http.StatusUnprocessableEntity, fields: []derrors.FieldError{{Field: "x", Message: "bad 1"}}},
		{name: "body too large", err: &http.MaxBytesError{Limit: 10}, status: http.StatusRequestEntityTooLarge},
		{name: "unavailable", err: serviceerror.NewUnavailable("secret-host:7233 refused"), status: http.StatusServiceUnavailable, internal: true},
		{name: "wrapped unavailable", err: fmt.Errorf("start task: %w", serviceerror.NewUnavailable("secret-host")),
			status: http.StatusServiceUnavailable, internal: true},
		{name: "resource exhausted", err: serviceerror.NewResourceExhausted(0, "secret rps limit"),
			status: http.StatusServiceUnavailable, internal: true},
		{name: "plain error", err: errors.New("secret: pq: relation does not exist"), status: http.StatusInternalServerError, internal: true},
		{name: "invalid argument", err: serviceerror.NewInvalidArgument("secret query"), status: http.StatusInternalServerError, internal: true},
		{name: "not found", err: serviceerror.NewNotFound("secret workflow"), status: http.StatusInternalServerError, internal: true},
		{name: "context canceled", err: context.Canceled, status: http.StatusInternalServerError, internal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, internal := toProblem(tt.err)
			if p == nil || p.Status != tt.status || internal != tt.internal {
				t.Fatalf("toProblem(%v) = %+v, %v; want %d, internal %v", tt.err, p, internal, tt.status, tt.internal)
			}
			if p.Title != http.StatusText(tt.status) || p.Type != "about:blank" {
				t.Fatalf("problem %+v", p)
			}
			if tt.same != nil && p != tt.same {
				t.Fatalf("toProblem did not pass the Problem through: %+v", p)
			}
			if !slices.Equal(p.Errors, tt.fields) {
				t.Fatalf("fields %+v, want %+v", p.Errors, tt.fields)
			}
			if internal && strings.Contains(p.Detail, "secret") {
				t.Fatalf("internal error text in detail %q", p.Detail)
			}
		})
	}
}

func TestWriteProblem(t *testing.T) {
	t.Parallel()
	p := invalidField("limit", "must be an integer from 1 to %d", MaxPageSize)
	p.KnownTaskTypes = []string{"a", "b"}
	w := httptest.NewRecorder()
	writeProblem(w, p)
	got := decodeProblem(t, w, http.StatusUnprocessableEntity)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	if !slices.Equal(got.Errors, p.Errors) || !slices.Equal(got.KnownTaskTypes, p.KnownTaskTypes) || got.Detail != p.Detail {
		t.Fatalf("wrote %+v, want %+v", got, p)
	}

	// Empty optional members are left out.
	w = httptest.NewRecorder()
	writeProblem(w, problem(http.StatusNotFound, "no task %q", "x"))
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"errors", "known_task_types"} {
		if _, ok := raw[k]; ok {
			t.Fatalf("empty %s written: %s", k, w.Body)
		}
	}
}

// adapt renders every handler error as problem+json; the text of internal
// errors is logged, never sent.
func TestAdapt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		logged bool
	}{
		{"problem", problem(http.StatusConflict, "already ended"), http.StatusConflict, false},
		{"validation", derrors.InvalidField("x", "bad"), http.StatusUnprocessableEntity, false},
		{"internal", fmt.Errorf("describe task: %w", errors.New("password=hunter2")), http.StatusInternalServerError, true},
		{"outage", serviceerror.NewUnavailable("connection to 10.1.2.3 refused"), http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			h := b.server.adapt(func(w http.ResponseWriter, r *http.Request) error { return tt.err })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/tasks/x", nil))
			decodeProblem(t, w, tt.status)
			for _, secret := range []string{"hunter2", "10.1.2.3"} {
				if strings.Contains(w.Body.String(), secret) {
					t.Fatalf("body leaks %q: %s", secret, w.Body)
				}
			}
			logs := b.logs.String()
			if logged := strings.Contains(logs, "request failed"); logged != tt.logged {
				t.Fatalf("logged %v, want %v: %s", logged, tt.logged, logs)
			}
			if tt.logged && !strings.Contains(logs, tt.err.Error()) {
				t.Fatalf("log lacks the error %q: %s", tt.err, logs)
			}
		})
	}
	t.Run("success writes nothing more", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		h := b.server.adapt(func(w http.ResponseWriter, r *http.Request) error {
			writeJSON(w, http.StatusAccepted, map[string]int{"n": 1})
			return nil
		})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != http.StatusAccepted || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != "{\"n\":1}\n" {
			t.Fatalf("%d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	})
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                          string
		err                           error
		unavailable, deadline, badArg bool
	}{
		{name: "nil"},
		{name: "plain", err: errors.New("x")},
		{name: "unavailable", err: serviceerror.NewUnavailable("x"), unavailable: true},
		{name: "resource exhausted", err: fmt.Errorf("w: %w", serviceerror.NewResourceExhausted(0, "x")), unavailable: true},
		{name: "context deadline", err: context.DeadlineExceeded, deadline: true},
		{name: "wrapped context deadline", err: fmt.Errorf("read: %w", context.DeadlineExceeded), deadline: true},
		{name: "temporal deadline", err: serviceerror.NewDeadlineExceeded("x"), deadline: true},
		{name: "grpc deadline", err: status.Error(codes.DeadlineExceeded, "x"), deadline: true},
		{name: "grpc unavailable is no deadline", err: status.Error(codes.Unavailable, "x")},
		{name: "context canceled", err: context.Canceled},
		{name: "invalid argument", err: fmt.Errorf("list: %w", serviceerror.NewInvalidArgument("x")), badArg: true},
	}
	for _, tt := range tests {
		if got := isUnavailable(tt.err); got != tt.unavailable {
			t.Errorf("%s: isUnavailable = %v", tt.name, got)
		}
		if got := isDeadline(tt.err); got != tt.deadline {
			t.Errorf("%s: isDeadline = %v", tt.name, got)
		}
		if got := isInvalidArgument(tt.err); got != tt.badArg {
			t.Errorf("%s: isInvalidArgument = %v", tt.name, got)
		}
	}
}

// TestStatusTable: every sentinel, wrapped as handlers wrap them, maps to
// its status, with the sentinel taken off the detail; outages and bugs
// show nothing of themselves.
func TestStatusTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err      error
		status   int
		detail   string
		internal bool
	}{
		{fmt.Errorf("%w: task %q needs one of the roles %s", derrors.Forbidden, "t", "ops"), 403, `task "t" needs one of the roles ops`, false},
		{fmt.Errorf("%w: you are not staff of course c1", derrors.Forbidden), 403, "you are not staff of course c1", false},
		{derrors.Forbidden, 403, "forbidden", false},
		{fmt.Errorf("no course %q: %w", "x", derrors.NotFound), 404, `no course "x": not found`, false},
		{fmt.Errorf("%w: send your token", derrors.Unauthenticated), 401, "send your token", false},
		{fmt.Errorf("organization a: %w", derrors.Conflict), 409, "organization a: conflict", false},
		{fmt.Errorf("%w: 3 of 3 used", derrors.LimitReached), 422, "3 of 3 used", false},
		{fmt.Errorf("%w: more than 1 MiB", derrors.TooLarge), 413, "more than 1 MiB", false},
		{derrors.MethodNotAllowed, 405, "method not allowed", false},
		{fmt.Errorf("%w: not a path", derrors.Invalid), 422, "not a path", false},
		{fmt.Errorf("open db at /var/lib/x: %w", derrors.Unavailable), 503, "a part of the platform is not reachable; try again", true},
		{serviceerror.NewUnavailable("connection refused 10.0.0.1"), 503, "a part of the platform is not reachable; try again", true},
		{errors.New("nil pointer at /src/x.go"), 500, "internal error", true},
	}
	for _, tt := range tests {
		p, internal := toProblem(tt.err)
		if p.Status != tt.status || p.Title != http.StatusText(tt.status) || p.Detail != tt.detail || internal != tt.internal {
			t.Errorf("toProblem(%v) = %+v, %v; want %d %q, internal %v", tt.err, p, internal, tt.status, tt.detail, tt.internal)
		}
	}
	// Named fields stay fields.
	p, _ := toProblem(fmt.Errorf("check: %w", derrors.InvalidField("path", "exists already")))
	if p.Status != 422 || len(p.Errors) != 1 || p.Errors[0] != (derrors.FieldError{Field: "path", Message: "exists already"}) {
		t.Errorf("field error: %+v", p)
	}
}

func TestSortFields(t *testing.T) {
	t.Parallel()
	in := []derrors.FieldError{{Field: "b", Message: "1"}, {Field: "a", Message: "2"}, {Field: "b", Message: "3"}, {Field: "a", Message: "4"}}
	want := []derrors.FieldError{{Field: "a", Message: "2"}, {Field: "a", Message: "4"}, {Field: "b", Message: "1"}, {Field: "b", Message: "3"}}
	if got := sortFields(in); !slices.Equal(got, want) {
		t.Fatalf("sortFields = %+v, want %+v (stable)", got, want)
	}
}

package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/computor-org/computor-go/internal/tasks"
)

// Problem is an RFC 9457 problem+json body. Every error the API returns is
// one; internal error text never reaches a client.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors names each bad field (422).
	Errors []tasks.FieldError `json:"errors,omitempty"`
	// KnownTaskTypes lists the task types when an unknown one was asked for.
	KnownTaskTypes []string `json:"known_task_types,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problem returns a Problem with the standard title of the status.
func problem(status int, format string, args ...any) *Problem {
	return &Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: fmt.Sprintf(format, args...),
	}
}

// invalid returns a 422 naming the bad fields.
func invalid(fields ...tasks.FieldError) *Problem {
	p := problem(http.StatusUnprocessableEntity, "the request has fields that do not fit")
	p.Errors = fields
	return p
}

// invalidField returns a 422 naming one bad field.
func invalidField(field, format string, args ...any) *Problem {
	return invalid(tasks.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// forbidden returns a 403 whose detail is the reason after "forbidden: ".
func forbidden(err error) *Problem {
	return problem(http.StatusForbidden, "%s", strings.TrimPrefix(err.Error(), tasks.ErrForbidden.Error()+": "))
}

// errNotFound is the 404 for a task the caller may not see or that does not
// exist; the two are alike on purpose.
func errTaskNotFound(id string) *Problem {
	return problem(http.StatusNotFound, "no task %q", id)
}

// toProblem maps any error a handler returns to the Problem sent. Errors that
// are not Problems are bugs or outages: 500 or 503, logged, never shown.
func toProblem(err error) (p *Problem, internal bool) {
	if errors.As(err, &p) {
		return p, false
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes", mbe.Limit), false
	}
	var verr *tasks.ValidationError
	if errors.As(err, &verr) {
		return invalid(verr.Fields...), false
	}
	if isUnavailable(err) {
		return problem(http.StatusServiceUnavailable, "temporal is not reachable; try again"), true
	}
	return problem(http.StatusInternalServerError, "internal error"), true
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

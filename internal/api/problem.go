package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
)

// Problem is an RFC 9457 problem+json body. Every error the API returns is
// one; internal error text never reaches a client.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors names each bad field (422).
	Errors []derrors.FieldError `json:"errors,omitempty"`
	// KnownTaskTypes lists the task types when an unknown one was asked for.
	KnownTaskTypes []string `json:"known_task_types,omitempty"`
	// RetryAfter is when a rate-limited request may be made again, in
	// seconds (also the Retry-After header).
	RetryAfter int `json:"retry_after,omitempty"`
	// TaskID names the task a failed request did start or change: look it
	// up (GET /tasks/{id}) rather than submit again.
	TaskID string `json:"task_id,omitempty"`
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
func invalid(fields ...derrors.FieldError) *Problem {
	p := problem(http.StatusUnprocessableEntity, "the request has fields that do not fit")
	p.Errors = fields
	return p
}

// invalidField returns a 422 naming one bad field.
func invalidField(field, format string, args ...any) *Problem {
	return invalid(derrors.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// errTaskNotFound is the 404 for a task the caller may not see or that
// does not exist; the two are alike on purpose.
func errTaskNotFound(id string) error {
	return fmt.Errorf("no task %q: %w", id, derrors.NotFound)
}

// statusTable maps the sentinels of package derrors, and Temporal's signs
// of an outage, to HTTP statuses: the one place where an error becomes a
// status. The first match wins. Other errors of Temporal (a workflow it
// does not know) are turned into sentinels where the API meets them,
// since their text is not for clients.
var statusTable = []struct {
	match  func(error) bool
	status int
}{
	{is(derrors.Invalid), http.StatusUnprocessableEntity},
	{is(derrors.NotFound), http.StatusNotFound},
	{is(derrors.Unauthenticated), http.StatusUnauthorized},
	{is(derrors.Forbidden), http.StatusForbidden},
	{is(derrors.Conflict), http.StatusConflict},
	{is(derrors.LimitReached), http.StatusUnprocessableEntity},
	{is(derrors.RateLimited), http.StatusTooManyRequests},
	{is(derrors.TooLarge), http.StatusRequestEntityTooLarge},
	{isMaxBytes, http.StatusRequestEntityTooLarge},
	{is(derrors.MethodNotAllowed), http.StatusMethodNotAllowed},
	{is(derrors.Unavailable), http.StatusServiceUnavailable},
	{isUnavailable, http.StatusServiceUnavailable},
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// sentinels are stripped from the front of a detail: "forbidden: you may
// test only your own repository" reads "you may test only your own
// repository" under the title Forbidden.
var sentinels = []error{derrors.Forbidden, derrors.Unauthenticated, derrors.NotFound, derrors.Conflict, derrors.Invalid,
	derrors.LimitReached, derrors.TooLarge, derrors.MethodNotAllowed}

// toProblem maps any error a handler returns to the Problem sent, through
// statusTable. A client error (4xx) shows the error's own text, which our
// code wrote; anything else is a bug or an outage: 500 or 503, logged,
// never shown.
func toProblem(err error) (p *Problem, internal bool) {
	if errors.As(err, &p) {
		return p, false
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem(http.StatusRequestEntityTooLarge, "the body is larger than %d bytes", mbe.Limit), false
	}
	var verr *derrors.InvalidError
	if errors.As(err, &verr) {
		return invalid(verr.Fields...), false
	}
	var rerr *derrors.RateLimitError
	if errors.As(err, &rerr) {
		p := problem(http.StatusTooManyRequests, "%s", rerr.Msg)
		p.RetryAfter = max(int(math.Ceil(rerr.RetryAfter.Seconds())), 1)
		return p, false
	}
	for _, row := range statusTable {
		if !row.match(err) {
			continue
		}
		if row.status == http.StatusServiceUnavailable {
			return problem(row.status, "a part of the platform is not reachable; try again"), true
		}
		return problem(row.status, "%s", detail(err)), false
	}
	return problem(http.StatusInternalServerError, "internal error"), true
}

// detail is an error's text without a sentinel in front.
func detail(err error) string {
	msg := err.Error()
	for _, s := range sentinels {
		if rest, ok := strings.CutPrefix(msg, s.Error()+": "); ok {
			return rest
		}
	}
	return msg
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
